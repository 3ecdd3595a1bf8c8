#include "compnn/pipeline/credibility_maps.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <set>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/eval/metrics.h"
#include "compnn/explain/neighbour_votes.h"
#include "compnn/store/json_file.h"

namespace compnn {
namespace {

constexpr const char* kFormat = "compnn-calibration-1";
constexpr const char* kLogitsLayer = "output";

nlohmann::json SearchJson(const CredibilityOptions& o) {
  nlohmann::json hyperpatch = nullptr;  // null: each layer's own
  if (o.search.hyperpatch) hyperpatch = {o.search.hyperpatch->height, o.search.hyperpatch->width};
  return {{"method", o.search.searcher->name()},
          {"parameters", o.search.searcher->Parameters()},
          {"hyperpatch", hyperpatch},
          {"topk_images", o.search.topk_images},
          {"seed", o.search.search.seed},
          {"use_cell_index", o.search.use_cell_index},
          {"index_probes", o.search.cell_index.probes},
          {"index_shortlist", o.search.cell_index.shortlist},
          {"index_propagation", o.search.cell_index.propagation}};
}

// The searcher's parameters a calibration recorded; files written before searchers recorded
// their parameters held HyperPatch-Match's two.
nlohmann::json SearcherParameters(const nlohmann::json& search) {
  if (search.contains("parameters")) return search.at("parameters");
  nlohmann::json params = nlohmann::json::object();
  if (search.contains("iterations")) params["max_iterations"] = search.at("iterations");
  if (search.contains("search_matches")) params["search_matches"] = search.at("search_matches");
  return params;
}

}  // namespace

void CredibilityOptions::Check() const {
  COMPNN_CHECK_OPTION(k >= 1 && k <= 64, "k", "must be in [1, 64], got ", k);
  CheckNested("search", search);
}

CredibilityMapper::CredibilityMapper(Explainer& explainer, CredibilityOptions options)
    : explainer_(explainer), o_(std::move(options)) {
  o_.Check();
  o_.search.search.k = o_.k;
  COMPNN_CHECK(explainer_.network().OutputsClasses() && explainer_.target_is_labels(),
               explainer_.network().name(),
               ": credibility needs a network that outputs classes, explained from label targets");
  if (o_.layers.empty()) o_.layers = {DefaultExplainLayer(explainer_.store())};
  for (const std::string& layer : o_.layers) explainer_.store().manifest().layer(layer);
  logits_ = explainer_.network().HasLayer(kLogitsLayer);
}

std::vector<std::string> CredibilityMapper::CapturedLayers() const {
  std::vector<std::string> capture = o_.layers;
  if (logits_) capture.push_back(kLogitsLayer);
  return capture;
}

QueryCredibility CredibilityMapper::Measure(const Query& query) {
  return Measure(query, explainer_.Run(query, CapturedLayers()));
}

QueryCredibility CredibilityMapper::Measure(const Query& query, const QueryRun& run) {
  const FeatureStore& store = explainer_.store();
  const Palette& palette = *explainer_.palette();
  QueryCredibility c;
  c.predicted = palette.Classes(run.output, true, "network output");
  if (!query.truth.empty()) c.truth = palette.Classes(query.truth, false, query.name);

  std::vector<NeighbourVotes> votes;
  const auto start = Clock::now();
  const std::vector<float>& global = run.maps.at(store.manifest().global_layer).values;
  for (const std::string& layer : o_.layers) {
    const StoreSearchResult found =
        SearchStore(store, layer, run.maps.at(layer).view(), global, o_.search);
    const int stride = store.manifest().layer(layer).stride;
    votes.push_back(VotesOfField(found.field, stride, explainer_.training()));
    c.evidence.push_back({layer, stride, found.field, votes.back()});
    if (c.searched_by.empty()) c.searched_by = found.searched_by;
  }
  c.search_seconds = SecondsSince(start);
  const int rows = c.predicted.rows, cols = c.predicted.cols;
  c.nonconformity = Nonconformity(votes, c.predicted.ptr<std::uint8_t>(), rows, cols, kIgnoreClass);
  if (!c.truth.empty())
    c.truth_nonconformity =
        Nonconformity(votes, c.truth.ptr<std::uint8_t>(), rows, cols, kIgnoreClass);
  if (logits_) {
    const OwnedMap& scores = run.maps.at(kLogitsLayer);
    COMPNN_CHECK(scores.height == rows && scores.width == cols, "the network's class scores are ",
                 scores.height, " x ", scores.width, ", its classes ", rows, " x ", cols);
    SoftmaxConfidence(scores.values.data(), static_cast<std::size_t>(rows) * cols, scores.depth,
                      c.max_probability, c.entropy);
  }
  return c;
}

void SaveCalibration(const std::string& path, const CredibilityCalibration& calibration,
                     const CredibilityOptions& options, const FeatureStore& store,
                     const std::vector<std::string>& images) {
  WriteJsonFile(path, {{"format", kFormat},
                       {"store", store.dir()},
                       {"model_checksum", store.manifest().model.value("checksum", "")},
                       {"layers", options.layers},
                       {"k", options.k},
                       {"search", SearchJson(options)},
                       {"images", images},
                       {"pixels", calibration.Count()},
                       {"nonconformity", calibration.Values()}});
}

LoadedCalibration LoadCalibration(const std::string& path, const FeatureStore& store) {
  const nlohmann::json j = ReadJsonFile(path);
  try {
    COMPNN_CHECK(j.value("format", "") == kFormat, "not a compnn calibration (format ",
                 j.value("format", std::string("missing")), ")");
    COMPNN_CHECK(j.at("model_checksum") == store.manifest().model.value("checksum", ""),
                 "calibrated with another model than ", store.dir(), "'s");
    CredibilityOptions o;
    o.layers = j.at("layers").get<std::vector<std::string>>();
    o.k = j.at("k").get<int>();
    const nlohmann::json& s = j.at("search");
    o.search.searcher = MakeSearcher(s.at("method").get<std::string>(), SearcherParameters(s));
    o.search.topk_images = s.at("topk_images").get<int>();
    o.search.search.seed = s.at("seed").get<std::uint64_t>();
    o.search.use_cell_index = s.at("use_cell_index").get<bool>();
    o.search.cell_index.probes = s.at("index_probes").get<int>();
    o.search.cell_index.shortlist = s.at("index_shortlist").get<int>();
    // Calibrations written before the cell index propagated matches searched without it.
    o.search.cell_index.propagation = s.value("index_propagation", 0);
    if (s.contains("hyperpatch") && !s.at("hyperpatch").is_null())
      o.search.hyperpatch =
          HyperpatchShape{s.at("hyperpatch")[0].get<int>(), s.at("hyperpatch")[1].get<int>()};
    o.Check();
    return {CredibilityCalibration(j.at("nonconformity").get<std::vector<float>>(),
                                   j.at("pixels").get<long long>()),
            o};
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

cv::Mat CredibilityMap(const QueryCredibility& c, const CredibilityCalibration& calibration) {
  cv::Mat credibility(c.predicted.size(), CV_32F);
  for (std::size_t p = 0; p < c.nonconformity.size(); ++p)
    credibility.at<float>(static_cast<int>(p)) = calibration.Credibility(c.nonconformity[p]);
  return credibility;
}

ExplorerCredibility ExplorerCredibilityOf(const QueryCredibility& c, const cv::Mat& credibility,
                                          const Palette& palette) {
  ExplorerCredibility e;
  e.credibility = credibility;
  e.heat_map = CredibilityHeatMap(credibility);
  e.predicted = c.predicted;
  for (const LabelClass& l : palette.classes()) {
    e.class_names.push_back(l.name);
    e.class_colours.push_back(palette.Bgr(l.id));
  }
  for (const CredibilityEvidence& layer : c.evidence)
    e.evidence.push_back({layer.layer, layer.stride, layer.field, layer.votes.labels});
  return e;
}

cv::Mat CredibilityHeatMap(const cv::Mat& credibility) {
  cv::Mat scaled;
  credibility.convertTo(scaled, CV_8U, 255.0);
  cv::Mat heat;
  // Low red, middle orange, high yellow-green: the low values, the ones to look at, stand out.
  cv::applyColorMap(scaled, heat, cv::COLORMAP_AUTUMN);
  cv::Mat bgr(credibility.size(), CV_8UC3);
  for (int y = 0; y < heat.rows; ++y) {
    for (int x = 0; x < heat.cols; ++x) {
      const float v = credibility.at<float>(y, x);
      bgr.at<cv::Vec3b>(y, x) = std::isnan(v) ? cv::Vec3b(128, 128, 128) : heat.at<cv::Vec3b>(y, x);
    }
  }
  return bgr;
}

}  // namespace compnn
