#include "compnn/pipeline/evaluation.h"

#include <algorithm>
#include <unordered_map>

#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/field_coherence.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/stopwatch.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/store/npy.h"

namespace compnn {
namespace {

// Per class, the network's precision on its training images (EvalReport::training_precision),
// read from the store's kept targets and predictions (memory-mapped, one pass, nothing kept);
// empty for a store that keeps either not.
std::vector<double> TrainingPrecision(const FeatureStore& store, const Palette& palette) {
  const NpyFile* targets = store.PixelFile("targets");
  const NpyFile* predictions = store.PixelFile("predictions");
  if (!targets || !predictions || targets->shape() != predictions->shape()) return {};
  std::unordered_map<std::uint32_t, int> ids;  // packed RGB -> class (or -1: no palette colour)
  const auto class_of = [&](const std::uint8_t* rgb) {
    const std::uint32_t key = std::uint32_t{rgb[0]} << 16 | std::uint32_t{rgb[1]} << 8 | rgb[2];
    const auto [it, added] = ids.try_emplace(key, 0);
    if (added) it->second = palette.Find(cv::Vec3b(rgb[2], rgb[1], rgb[0]));
    return it->second;
  };
  const int classes = palette.size();
  std::vector<std::int64_t> given(classes, 0), right(classes, 0);
  const std::uint8_t* t = targets->data_as<std::uint8_t>();
  const std::uint8_t* p = predictions->data_as<std::uint8_t>();
  const std::int64_t pixels = targets->header().elements() / 3;
  for (std::int64_t i = 0; i < pixels; ++i) {
    const int truth = class_of(t + 3 * i), predicted = class_of(p + 3 * i);
    if (truth < 0 || truth == kIgnoreClass || predicted < 0 || predicted == kIgnoreClass) continue;
    ++given[predicted];
    right[predicted] += predicted == truth;
  }
  std::vector<double> precision(classes, -1.0);
  for (int c = 0; c < classes; ++c)
    if (given[c] > 0) precision[c] = static_cast<double>(right[c]) / given[c];
  return precision;
}

// The report's description of the run.
EvalReport StartReport(Explainer& explainer, const EvalOptions& o) {
  EvalReport report;
  report.store = explainer.store().dir();
  report.split = o.split;
  report.method = o.search.searcher->name();
  report.label_targets = explainer.target_is_labels();
  report.label_inputs = explainer.input_is_labels();
  report.k = o.k;
  report.vote_power = o.paste.vote_power;
  if (explainer.palette()) {
    for (const LabelClass& c : explainer.palette()->classes()) report.class_names.push_back(c.name);
  }
  if (report.label_targets && explainer.palette())
    report.training_precision = TrainingPrecision(explainer.store(), *explainer.palette());
  return report;
}

// What a query's reconstructions are scored against: class maps where a side holds labels
// (each empty where it does not), photos where the targets are photos.
struct QueryClasses {
  cv::Mat truth, network;              // the ground truth and the network's output (label targets)
  cv::Mat input;                       // the input labels (label inputs)
  cv::Mat truth_photo, network_photo;  // BGR (photo targets); the truth may be empty
};

// Runs the network over a split's queries and adds each to the accumulators of every row.
class SplitEvaluation {
 public:
  // Throws as Evaluate does for what can be known before the first query.
  SplitEvaluation(Explainer& explainer, const EvalOptions& options);

  int queries() const { return report_.queries; }
  // Query q of those this process evaluates, which end before `end`.
  void AddQuery(int q, int end);
  // The rows so far (seconds left at 0 for the caller to fill in).
  EvalReport Report() const;
  // The totals so far, and those of later queries (another rank's) appended.
  nlohmann::json State() const;
  void Append(const nlohmann::json& state);

 private:
  QueryClasses ClassesOf(const Query& query, const QueryRun& run) const;
  void AddBaselines(int q, int end, const QueryRun& run, double forward_seconds,
                    const QueryClasses& c);
  int PenultimateChoice(int q, int end, const QueryRun& run, double& seconds);
  void AddLayer(std::size_t l, int q, const QueryRun& run, const QueryClasses& c);
  void AddReconstructions(const CorrespondenceField& field, const PasteGeometry& geometry,
                          double search_seconds, const QueryClasses& c, LayerAccumulators& totals,
                          std::size_t row);
  StoreSearchResult Search(const std::string& layer, const QueryRun& run,
                           const StoreSearchOptions& search) const;
  const OwnedMap& GlobalOf(const QueryRun& run) const {
    return run.maps.at(store_.manifest().global_layer);
  }

  Explainer& explainer_;
  const FeatureStore& store_;
  const EvalOptions& o_;
  EvalReport report_;  // the description; the rows are filled in by Report()
  EvalLayers layers_;
  RowGrid grid_;
  std::vector<std::string> captured_;  // what the network gives per query
  std::vector<std::string> names_;     // the queries
  int classes_;
  BaselineAccumulators baselines_;
  std::vector<LayerAccumulators> layer_totals_;       // indexed like layers_.evaluated
  std::unordered_map<int, int> penultimate_choices_;  // GR (penultimate)'s, by query
  double penultimate_seconds_ = 0.0;                  // a query's share of its batch's time
};

// Queries whose GR (penultimate) choices are made in one pass over the layer.
constexpr int kPenultimateBatch = 32;

// Members are initialized in declaration order, so errors come as they always have: no labels,
// unknown layers, then an empty split.
SplitEvaluation::SplitEvaluation(Explainer& explainer, const EvalOptions& options)
    : explainer_(explainer),
      store_(explainer.store()),
      o_(options),
      report_(StartReport(explainer, options)),
      layers_(ResolveEvalLayers(store_, options)),
      grid_{options.topk_images, options.k},
      captured_(layers_.Captured()),
      names_(QueriesToEvaluate(explainer.dataset().Names(options.split), options)),
      classes_(explainer.palette() ? explainer.palette()->size() : 1),
      baselines_(classes_),
      layer_totals_(layers_.evaluated.size(), LayerAccumulators(classes_, grid_.size())) {
  report_.queries = static_cast<int>(names_.size());
  // A prefilter of more images than the store holds would search them all under another name.
  for (int t : options.topk_images) {
    COMPNN_CHECK_OPTION(t <= store_.size(), "topk_images", t, " is more than the ", store_.size(),
                        " images of ", store_.dir(), " (0 searches them all)");
  }
}

void SplitEvaluation::AddQuery(int q, int end) {
  const Query query = LoadSplitQuery(explainer_.dataset(), explainer_.direction(),
                                     explainer_.input_size(), o_.split, names_[q]);
  const auto forward_start = Clock::now();
  const QueryRun run = explainer_.Run(query, captured_);
  const double forward_seconds = SecondsSince(forward_start);
  const QueryClasses classes = ClassesOf(query, run);
  AddBaselines(q, end, run, forward_seconds, classes);
  for (std::size_t l = 0; l < layers_.evaluated.size(); ++l) AddLayer(l, q, run, classes);
}

// The network's output maps to classes through the nearest palette colour (it need not hit one
// exactly); label images must hold palette colours only.
QueryClasses SplitEvaluation::ClassesOf(const Query& query, const QueryRun& run) const {
  QueryClasses c;
  // The palette is read only where a side holds labels (a photo-to-photo dataset has none).
  if (report_.label_targets) {
    const Palette& palette = *explainer_.palette();
    c.truth = palette.Classes(query.truth, false, query.name);
    c.network = palette.Classes(run.output, true, "network output");
  } else {
    c.truth_photo = query.truth;
    c.network_photo = run.output;
  }
  if (report_.label_inputs) c.input = explainer_.palette()->Classes(query.input, false, query.name);
  return c;
}

// Table 1's reference rows: the network itself (timed by its forward pass), and the whole target
// of the training image nearest by global descriptor and by the whole penultimate map.
void SplitEvaluation::AddBaselines(int q, int end, const QueryRun& run, double forward_seconds,
                                   const QueryClasses& c) {
  TrainingImages& training = explainer_.training();
  const bool labels = report_.label_targets;
  // A whole training target as a row's prediction: scored as labels or as a photo.
  const auto add = [&](RowAccumulator& row, int image, double seconds) {
    if (labels)
      row.Add(training.TargetClasses(image), c.truth, &c.network, seconds);
    else
      row.AddPhoto(training.Target(image), c.truth_photo, &c.network_photo, seconds);
  };
  if (labels)
    baselines_.network.Add(c.network, c.truth, nullptr, forward_seconds);
  else
    baselines_.network.AddPhoto(c.network_photo, c.truth_photo, nullptr, forward_seconds);
  auto t = Clock::now();
  const int nearest = GlobalTopK(GlobalOf(run).values, store_.Globals(), 1).front();
  add(baselines_.gr_bottleneck, nearest, SecondsSince(t));
  double seconds = 0.0;
  const int nearest_map = PenultimateChoice(q, end, run, seconds);
  add(baselines_.gr_penultimate, nearest_map, seconds);
}

// GR (penultimate)'s choice for query q, made with those of the next queries (before `end`):
// each choice reads the layer's every map whole, a pass over the store that 32 queries share.
// The later queries' maps come from forward passes of their own, counted in the batch's time,
// which each query of it is charged an equal share of.
int SplitEvaluation::PenultimateChoice(int q, int end, const QueryRun& run, double& seconds) {
  const std::string& layer = layers_.penultimate;
  if (!penultimate_choices_.contains(q)) {
    const auto start = Clock::now();
    const int last = std::min(end, q + kPenultimateBatch);
    std::vector<QueryRun> later;
    std::vector<MapView> maps = {run.maps.at(layer).view()};
    for (int other = q + 1; other < last; ++other) {
      const Query query = LoadSplitQuery(explainer_.dataset(), explainer_.direction(),
                                         explainer_.input_size(), o_.split, names_[other]);
      later.push_back(explainer_.Run(query, {layer}));
    }
    for (const QueryRun& r : later) maps.push_back(r.maps.at(layer).view());
    const std::vector<int> nearest = NearestByWholeMap(store_, layer, maps);
    for (int i = 0; i < last - q; ++i) penultimate_choices_[q + i] = nearest[i];
    penultimate_seconds_ = SecondsSince(start) / (last - q);
  }
  seconds = penultimate_seconds_;
  return penultimate_choices_.at(q);
}

// One layer's rows for one query: a search per prefilter size, with the largest k; on the first
// queries, the same search run exactly (one match per cell) to measure HyperPatch-Match.
void SplitEvaluation::AddLayer(std::size_t l, int q, const QueryRun& run, const QueryClasses& c) {
  const StoreLayer& layer = store_.manifest().layer(layers_.evaluated[l]);
  const PasteGeometry geometry =
      o_.paste.ForLayer(layer.stride, o_.search.hyperpatch.value_or(layer.hyperpatch));
  LayerAccumulators& totals = layer_totals_[l];
  const int most = *std::max_element(o_.k.begin(), o_.k.end());
  for (std::size_t t = 0; t < o_.topk_images.size(); ++t) {
    StoreSearchOptions search = o_.search;
    search.topk_images = o_.topk_images[t];
    search.search.k = most;
    const auto start = Clock::now();
    const StoreSearchResult found = Search(layer.name, run, search);
    const double search_seconds = SecondsSince(start);
    if (totals.searched_by.size() <= t) totals.searched_by.resize(t + 1);
    if (totals.searched_by[t].empty()) totals.searched_by[t] = found.searched_by;
    // Every k's row pastes the same best matches first: one coherence serves them all.
    const FieldCoherence coherence = MeasureCoherence(found.field);
    for (std::size_t k = 0; k < o_.k.size(); ++k) {
      AddReconstructions(BestMatches(found.field, o_.k[k]), geometry, search_seconds, c, totals,
                         grid_.index(t, k));
      totals.output[grid_.index(t, k)].AddCoherence(coherence);
    }
    if (ComparesWithExactSearch(o_, q, o_.topk_images[t])) {
      StoreSearchOptions exact = search;
      exact.search.k = 1;
      exact.searcher = std::make_shared<const ExactSearcher>();
      exact.use_cell_index = false;  // the reference itself, not another approximation
      StoreSearchResult best = found;
      best.field = BestMatches(found.field, 1);
      totals.quality.Add(best, Search(layer.name, run, exact));
    }
  }
}

// The output, prediction and input reconstructions of one search, each timed with the search:
// that is what a user waits for.
void SplitEvaluation::AddReconstructions(const CorrespondenceField& field,
                                         const PasteGeometry& geometry, double search_seconds,
                                         const QueryClasses& c, LayerAccumulators& totals,
                                         std::size_t row) {
  TrainingImages& training = explainer_.training();
  const std::vector<int> used = UsedImages(field);
  const auto add_target_side = [&](PasteSource source, RowAccumulator& accumulator) {
    const auto r = Clock::now();
    if (report_.label_targets && training.IsLabels(source)) {
      const cv::Mat out =
          ReconstructLabels(field, training.ClassMaps(source, used), geometry, classes_);
      accumulator.Add(out, c.truth, &c.network, search_seconds + SecondsSince(r));
    } else if (report_.label_targets) {
      // Label images the network generates: averaged as it draws them, then read as classes
      // the way its own output is.
      const cv::Mat drawn = ReconstructPhoto(field, training.Images(source, used), geometry);
      const cv::Mat out = explainer_.palette()->Classes(drawn, true, "prediction reconstruction");
      accumulator.Add(out, c.truth, &c.network, search_seconds + SecondsSince(r));
    } else {
      const cv::Mat out = ReconstructPhoto(field, training.Images(source, used), geometry);
      accumulator.AddPhoto(out, c.truth_photo, &c.network_photo, search_seconds + SecondsSince(r));
    }
  };
  add_target_side(PasteSource::kTargets, totals.output[row]);
  if (training.has_predictions())
    add_target_side(PasteSource::kPredictions, totals.prediction[row]);
  if (report_.label_inputs) {
    const auto r = Clock::now();
    const cv::Mat in = ReconstructLabels(field, training.InputClassMaps(used), geometry, classes_);
    totals.input[row].Add(in, c.input, nullptr, search_seconds + SecondsSince(r));
  }
}

StoreSearchResult SplitEvaluation::Search(const std::string& layer, const QueryRun& run,
                                          const StoreSearchOptions& search) const {
  return SearchStore(store_, layer, run.maps.at(layer).view(), GlobalOf(run).values, search);
}

EvalReport SplitEvaluation::Report() const {
  EvalReport report = report_;
  report.baselines = baselines_.Rows(layers_.penultimate);
  // The per-class table shows the rows of the prefilter HyperPatch-Match is measured at, or the
  // first one.
  const bool has_quality = std::find(o_.topk_images.begin(), o_.topk_images.end(),
                                     o_.quality_topk) != o_.topk_images.end();
  const int per_class_topk = has_quality ? o_.quality_topk : o_.topk_images.front();
  for (std::size_t l = 0; l < layers_.evaluated.size(); ++l) {
    report.layers.push_back(layer_totals_[l].Result(
        store_.manifest().layer(layers_.evaluated[l]), grid_, report.label_inputs,
        explainer_.training().has_predictions(), per_class_topk));
  }
  return report;
}

nlohmann::json SplitEvaluation::State() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerAccumulators& l : layer_totals_) layers.push_back(l.State());
  return {{"baselines", baselines_.State()}, {"layers", layers}};
}

void SplitEvaluation::Append(const nlohmann::json& state) {
  baselines_.Append(state.at("baselines"));
  const nlohmann::json& layers = state.at("layers");
  COMPNN_CHECK(layers.size() == layer_totals_.size(), "another rank evaluated ", layers.size(),
               " layers, not ", layer_totals_.size());
  for (std::size_t l = 0; l < layer_totals_.size(); ++l) layer_totals_[l].Append(layers[l]);
}

}  // namespace

EvalReport Evaluate(Explainer& explainer, const EvalOptions& o, const Ranks& ranks) {
  const auto start = Clock::now();
  o.Check();
  SplitEvaluation evaluation(explainer, o);
  const IndexRange mine = ShardOf(evaluation.queries(), ranks.rank(), ranks.size());
  for (int q = mine.begin; q < mine.end; ++q) {
    evaluation.AddQuery(q, mine.end);
    if (o.progress) o.progress(q - mine.begin + 1, mine.size());
  }
  if (ranks.size() > 1) {
    // CBOR keeps every double's bits. Rank r holds the r-th run of queries: appending the runs
    // in rank order takes the queries in their order.
    const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(evaluation.State());
    const std::vector<std::string> states =
        ranks.GatherToRoot(std::string(bytes.begin(), bytes.end()));
    for (std::size_t r = 1; r < states.size(); ++r) {
      evaluation.Append(nlohmann::json::from_cbor(states[r]));
    }
  }
  EvalReport report = evaluation.Report();
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace compnn
