#include "compnn/models/evaluation.h"

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/stopwatch.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/explainer.h"

namespace compnn {
namespace {

// The report's description of the run. Throws when neither side holds labels: nothing to score.
EvalReport StartReport(const Explainer& explainer, const EvalOptions& o) {
  EvalReport report;
  report.store = explainer.store().dir();
  report.split = o.split;
  report.method = ToString(o.search.method);
  report.label_targets = explainer.target_is_labels();
  report.label_inputs = explainer.input_is_labels();
  COMPNN_CHECK(report.label_targets || report.label_inputs,
               "the dataset has no label images on either side: nothing to score");
  return report;
}

// A query's class maps, each empty where its side does not hold labels.
struct QueryClasses {
  cv::Mat truth, network;  // the ground truth and the network's output (label targets)
  cv::Mat input;           // the input labels (label inputs)
};

// Runs the network over a split's queries and adds each to the accumulators of every row.
class SplitEvaluation {
 public:
  // Throws as Evaluate does for what can be known before the first query.
  SplitEvaluation(Explainer& explainer, const EvalOptions& options);

  int queries() const { return report_.queries; }
  void AddQuery(int q);
  // The rows so far (seconds left at 0 for the caller to fill in).
  EvalReport Report() const;

 private:
  QueryClasses ClassesOf(const Query& query, const QueryRun& run) const;
  void AddBaselines(const QueryRun& run, double forward_seconds, const QueryClasses& c);
  void AddLayer(std::size_t l, int q, const QueryRun& run, const QueryClasses& c);
  void AddReconstructions(const CorrespondenceField& field, const PasteGeometry& geometry,
                          double search_seconds, const QueryClasses& c, RowAccumulator& output,
                          RowAccumulator& input);
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
  std::vector<std::string> captured_;  // what the network gives per query
  std::vector<std::string> names_;     // the queries
  int classes_;
  BaselineAccumulators baselines_;
  std::vector<LayerAccumulators> layer_totals_;  // indexed like layers_.evaluated
};

// Members are initialized in declaration order, so errors come as they always have: no labels,
// unknown layers, then an empty split.
SplitEvaluation::SplitEvaluation(Explainer& explainer, const EvalOptions& options)
    : explainer_(explainer),
      store_(explainer.store()),
      o_(options),
      report_(StartReport(explainer, options)),
      layers_(ResolveEvalLayers(store_, options)),
      captured_(layers_.Captured()),
      names_(QueriesToEvaluate(explainer.dataset().Names(options.split), options)),
      classes_(explainer.dataset().palette().size()),
      baselines_(classes_),
      layer_totals_(layers_.evaluated.size(), LayerAccumulators(classes_, options.topk.size())) {
  report_.queries = static_cast<int>(names_.size());
}

void SplitEvaluation::AddQuery(int q) {
  const Query query = LoadSplitQuery(explainer_.dataset(), explainer_.direction(),
                                     explainer_.input_size(), o_.split, names_[q]);
  const auto forward_start = Clock::now();
  const QueryRun run = explainer_.Run(query, captured_);
  const double forward_seconds = SecondsSince(forward_start);
  const QueryClasses classes = ClassesOf(query, run);
  if (report_.label_targets) AddBaselines(run, forward_seconds, classes);
  for (std::size_t l = 0; l < layers_.evaluated.size(); ++l) AddLayer(l, q, run, classes);
}

// The network's output maps to classes through the nearest palette colour (it need not hit one
// exactly); label images must hold palette colours only.
QueryClasses SplitEvaluation::ClassesOf(const Query& query, const QueryRun& run) const {
  const Palette& palette = explainer_.dataset().palette();
  QueryClasses c;
  if (report_.label_targets) {
    c.truth = palette.Classes(query.truth, false, query.name);
    c.network = palette.Classes(run.output, true, "network output");
  }
  if (report_.label_inputs) c.input = palette.Classes(query.input, false, query.name);
  return c;
}

// Table 1's reference rows: the network itself (timed by its forward pass), and the whole target
// of the training image nearest by global descriptor and by the whole penultimate map.
void SplitEvaluation::AddBaselines(const QueryRun& run, double forward_seconds,
                                   const QueryClasses& c) {
  TrainingImages& training = explainer_.training();
  baselines_.network.Add(c.network, c.truth, nullptr, forward_seconds);
  auto t = Clock::now();
  const int nearest = GlobalTopK(GlobalOf(run).values, store_.Globals(), 1).front();
  baselines_.gr_bottleneck.Add(training.TargetClasses(nearest), c.truth, &c.network,
                               SecondsSince(t));
  t = Clock::now();
  const std::string& penultimate = layers_.penultimate;
  const int nearest_map = NearestByWholeMap(store_, penultimate, run.maps.at(penultimate).view());
  baselines_.gr_penultimate.Add(training.TargetClasses(nearest_map), c.truth, &c.network,
                                SecondsSince(t));
}

// One layer's rows for one query: a search per top k; on the first queries, the same search run
// exactly to measure HyperPatch-Match.
void SplitEvaluation::AddLayer(std::size_t l, int q, const QueryRun& run, const QueryClasses& c) {
  const StoreLayer& layer = store_.manifest().layer(layers_.evaluated[l]);
  const PasteGeometry geometry{layer.stride,
                               o_.overlapping_blocks ? layer.hyperpatch : HyperpatchShape{1, 1}};
  LayerAccumulators& totals = layer_totals_[l];
  for (std::size_t k = 0; k < o_.topk.size(); ++k) {
    StoreSearchOptions search = o_.search;
    search.topk_images = o_.topk[k];
    const auto t = Clock::now();
    const StoreSearchResult found = Search(layer.name, run, search);
    const double search_seconds = SecondsSince(t);
    AddReconstructions(found.field, geometry, search_seconds, c, totals.output[k], totals.input[k]);
    if (ComparesWithExactSearch(o_, q, o_.topk[k])) {
      StoreSearchOptions exact = search;
      exact.method = SearchMethod::kExact;
      totals.quality.Add(found, Search(layer.name, run, exact));
    }
  }
}

// The output and input reconstructions of one search, each timed with the search: that is what
// a user waits for.
void SplitEvaluation::AddReconstructions(const CorrespondenceField& field,
                                         const PasteGeometry& geometry, double search_seconds,
                                         const QueryClasses& c, RowAccumulator& output,
                                         RowAccumulator& input) {
  TrainingImages& training = explainer_.training();
  const std::vector<int> used = UsedImages(field);
  if (report_.label_targets) {
    const auto r = Clock::now();
    const cv::Mat out =
        ReconstructLabels(field, training.TargetClassMaps(used), geometry, classes_);
    output.Add(out, c.truth, &c.network, search_seconds + SecondsSince(r));
  }
  if (report_.label_inputs) {
    const auto r = Clock::now();
    const cv::Mat in = ReconstructLabels(field, training.InputClassMaps(used), geometry, classes_);
    input.Add(in, c.input, nullptr, search_seconds + SecondsSince(r));
  }
}

StoreSearchResult SplitEvaluation::Search(const std::string& layer, const QueryRun& run,
                                          const StoreSearchOptions& search) const {
  return SearchStore(store_, layer, run.maps.at(layer).view(), GlobalOf(run).values, search);
}

EvalReport SplitEvaluation::Report() const {
  EvalReport report = report_;
  if (report.label_targets) report.baselines = baselines_.Rows(layers_.penultimate);
  for (std::size_t l = 0; l < layers_.evaluated.size(); ++l) {
    report.layers.push_back(layer_totals_[l].Result(store_.manifest().layer(layers_.evaluated[l]),
                                                    o_.topk, report.label_targets,
                                                    report.label_inputs));
  }
  return report;
}

}  // namespace

EvalReport Evaluate(Explainer& explainer, const EvalOptions& o) {
  const auto start = Clock::now();
  o.Check();
  SplitEvaluation evaluation(explainer, o);
  for (int q = 0; q < evaluation.queries(); ++q) {
    evaluation.AddQuery(q);
    if (o.progress) o.progress(q + 1, evaluation.queries());
  }
  EvalReport report = evaluation.Report();
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace compnn
