#include "compnn/evaluation.h"

#include <cstdio>
#include <map>
#include <set>

#include "compnn/explainer.h"
#include "compnn/global_prefilter.h"
#include "compnn/metrics.h"
#include "compnn/stopwatch.h"

namespace compnn {
namespace {

// One row's running totals.
struct RowAccumulator {
  explicit RowAccumulator(int classes) : truth(classes), network(classes) {}
  ConfusionMatrix truth, network;
  bool has_network = false;
  double seconds = 0;
  int queries = 0;

  void Add(const cv::Mat& predicted, const cv::Mat& truth_classes, const cv::Mat* network_classes,
           double query_seconds) {
    truth.Add(predicted.data, truth_classes.data, predicted.total());
    if (network_classes) {
      network.Add(predicted.data, network_classes->data, predicted.total());
      has_network = true;
    }
    seconds += query_seconds;
    ++queries;
  }
  EvalRow Row(const std::string& approach) const {
    EvalRow r;
    r.approach = approach;
    r.mean_pixel_accuracy = truth.MeanPixelAccuracy();
    r.mean_iou = truth.MeanIoU();
    r.pixel_accuracy = truth.PixelAccuracy();
    r.agreement = has_network ? network.PixelAccuracy() : -1;
    r.seconds_per_query = queries ? seconds / queries : 0;
    return r;
  }
};

// Cells where HyperPatch-Match found exactly the exact search's match, and the ratio of mean
// similarities, for one query.
std::pair<double, double> CompareWithExact(const CorrespondenceField& hpm,
                                           const CorrespondenceField& exact) {
  int same = 0;
  for (std::size_t i = 0; i < hpm.matches.size(); ++i) {
    const Match &a = hpm.matches[i], &b = exact.matches[i];
    same += a.image == b.image && a.y == b.y && a.x == b.x;
  }
  return {static_cast<double>(same) / hpm.matches.size(),
          hpm.MeanSimilarity() / std::max(1e-12, exact.MeanSimilarity())};
}

}  // namespace

nlohmann::json EvalRow::ToJson() const {
  nlohmann::json j = {{"approach", approach},
                      {"mean_pixel_accuracy", mean_pixel_accuracy},
                      {"mean_iou", mean_iou},
                      {"pixel_accuracy", pixel_accuracy},
                      {"seconds_per_query", seconds_per_query}};
  if (agreement >= 0) j["agreement_with_network"] = agreement;
  return j;
}

nlohmann::json EvalReport::ToJson() const {
  nlohmann::json j = {{"model", model},   {"store", store},     {"split", split},
                      {"method", method}, {"queries", queries}, {"seconds", seconds}};
  for (const EvalRow& r : baselines) j["baselines"].push_back(r.ToJson());
  for (const LayerEval& l : layers) {
    nlohmann::json layer = {{"layer", l.layer}, {"stride", l.stride}};
    for (const EvalRow& r : l.output_rows) layer["output_reconstructions"].push_back(r.ToJson());
    for (const EvalRow& r : l.input_rows) layer["input_reconstructions"].push_back(r.ToJson());
    if (l.quality_queries > 0) {
      layer["search_quality"] = {{"queries", l.quality_queries},
                                 {"hpm_similarity_over_exact", l.similarity_ratio},
                                 {"hpm_exact_cell_fraction", l.exact_cell_fraction},
                                 {"exact_seconds_per_query", l.exact_seconds},
                                 {"hpm_seconds_per_query", l.hpm_seconds}};
    }
    j["layers"].push_back(layer);
  }
  return j;
}

std::string EvalReport::ToMarkdown() const {
  std::string md;
  char line[512];
  std::snprintf(line, sizeof line, "compnn eval: %s on %d %s images, store %s, search %s\n\n",
                model.c_str(), queries, split.c_str(), store.c_str(), method.c_str());
  md += line;
  const EvalRow* base = baselines.empty() ? nullptr : &baselines.front();
  auto row = [&](const EvalRow& r, bool relative) {
    const double mpa = relative && base ? r.mean_pixel_accuracy - base->mean_pixel_accuracy
                                        : r.mean_pixel_accuracy;
    const double iou = relative && base ? r.mean_iou - base->mean_iou : r.mean_iou;
    char agreement[32] = "-";
    if (r.agreement >= 0) std::snprintf(agreement, sizeof agreement, "%.3f", r.agreement);
    std::snprintf(line, sizeof line, "| %s | %s%.3f | %s%.3f | %.3f | %s | %.3f |\n",
                  r.approach.c_str(), relative && mpa >= 0 ? "+" : "", mpa,
                  relative && iou >= 0 ? "+" : "", iou, r.pixel_accuracy, agreement,
                  r.seconds_per_query);
    md += line;
  };
  if (label_targets) {
    md +=
        "Output reconstructions against the ground-truth labels (Table 1). Baseline in absolute "
        "numbers, the others as differences from it.\n\n";
    for (const LayerEval& l : layers) {
      md += "Layer " + l.layer + " (stride " + std::to_string(l.stride) + ")\n\n";
      md += "| approach | MPA | mIoU | pixel acc. | agreement with network | s / query |\n";
      md += "|---|---|---|---|---|---|\n";
      for (std::size_t i = 0; i < baselines.size(); ++i) row(baselines[i], i > 0);
      for (const EvalRow& r : l.output_rows) row(r, true);
      md += "\n";
    }
  }
  if (label_inputs) {
    md += "Input reconstructions against the input labels (Table 2), absolute numbers.\n\n";
    for (const LayerEval& l : layers) {
      md += "Layer " + l.layer + " (stride " + std::to_string(l.stride) + ")\n\n";
      md += "| approach | MPA | mIoU | pixel acc. | agreement with network | s / query |\n";
      md += "|---|---|---|---|---|---|\n";
      for (const EvalRow& r : l.input_rows) row(r, false);
      md += "\n";
    }
  }
  bool any = false;
  for (const LayerEval& l : layers) {
    if (l.quality_queries == 0) continue;
    if (!any) {
      md += "HyperPatch-Match against exact search (same prefiltered images)\n\n";
      md +=
          "| layer | queries | mean similarity / exact | cells with the exact match | s / query "
          "(hpm) | s / query (exact) |\n|---|---|---|---|---|---|\n";
      any = true;
    }
    std::snprintf(line, sizeof line, "| %s | %d | %.4f | %.3f | %.3f | %.3f |\n", l.layer.c_str(),
                  l.quality_queries, l.similarity_ratio, l.exact_cell_fraction, l.hpm_seconds,
                  l.exact_seconds);
    md += line;
  }
  std::snprintf(line, sizeof line, "%sEvaluation took %.1f s.\n", any ? "\n" : "", seconds);
  md += line;
  return md;
}

EvalReport Evaluate(Explainer& explainer, const EvalOptions& o) {
  const auto start = Clock::now();
  const FeatureStore& store = explainer.store();
  EvalReport report;
  report.store = store.dir();
  report.split = o.split;
  report.method = o.search.method;
  report.label_targets = explainer.target_is_labels();
  report.label_inputs = explainer.input_is_labels();
  if (!report.label_targets && !report.label_inputs)
    throw std::runtime_error("the dataset has no label images on either side: nothing to score");
  std::vector<std::string> layers = o.layers;
  if (layers.empty()) layers.push_back(LastDecoderLayer(store));
  for (const std::string& l : layers) store.manifest().layer(l);  // checks the names
  const std::string penultimate = o.penultimate.empty() ? LastDecoderLayer(store) : o.penultimate;
  store.manifest().layer(penultimate);
  const Palette& palette = explainer.dataset().palette();
  const int classes = palette.size();
  TrainingImages& training = explainer.training();

  std::vector<std::string> names = explainer.dataset().Names(o.split);
  if (o.count > 0 && static_cast<int>(names.size()) > o.count) names.resize(o.count);
  if (names.empty()) throw std::runtime_error("the " + o.split + " split holds no images");
  report.queries = static_cast<int>(names.size());

  RowAccumulator baseline(classes), gr_bottleneck(classes), gr_penultimate(classes);
  // Per layer: OR and IR accumulators per top-k, and the search-quality sums.
  struct LayerState {
    std::vector<RowAccumulator> output, input;
    int quality = 0;
    double same = 0, ratio = 0, exact_seconds = 0, hpm_seconds = 0;
  };
  std::vector<LayerState> state(layers.size());
  for (LayerState& s : state) {
    s.output.assign(o.topk.size(), RowAccumulator(classes));
    s.input.assign(o.topk.size(), RowAccumulator(classes));
  }
  std::vector<std::string> wanted = layers;
  wanted.push_back(penultimate);

  for (int q = 0; q < report.queries; ++q) {
    const Query query = LoadSplitQuery(explainer.dataset(), explainer.direction(),
                                       explainer.input_size(), o.split, names[q]);
    const auto forward_start = Clock::now();
    const QueryRun run = explainer.Run(query, wanted);
    const double forward = SecondsSince(forward_start);
    cv::Mat truth, network, input_classes;
    if (report.label_targets) {
      truth = palette.Classes(query.truth, false, names[q]);
      network = palette.Classes(run.output, true, "network output");
      baseline.Add(network, truth, nullptr, forward);
      // Global reconstructions: the whole target of the nearest training image.
      auto t = Clock::now();
      const OwnedMap& global = run.maps.at(store.manifest().global_layer);
      const int nearest = GlobalTopK(global.values, store.Globals(), 1).front();
      gr_bottleneck.Add(training.TargetClasses(nearest), truth, &network, SecondsSince(t));
      t = Clock::now();
      const int nearest_map =
          NearestByWholeMap(store, penultimate, run.maps.at(penultimate).view());
      gr_penultimate.Add(training.TargetClasses(nearest_map), truth, &network, SecondsSince(t));
    }
    if (report.label_inputs) input_classes = palette.Classes(query.input, false, names[q]);

    for (std::size_t l = 0; l < layers.size(); ++l) {
      const StoreLayer& info = store.manifest().layer(layers[l]);
      const PasteGeometry geometry{info.stride,
                                   o.overlapping_blocks ? info.hyperpatch : HyperpatchShape{1, 1}};
      for (std::size_t k = 0; k < o.topk.size(); ++k) {
        StoreSearchOptions search = o.search;
        search.topk_images = o.topk[k];
        const auto t = Clock::now();
        const StoreSearchResult found =
            SearchStore(store, layers[l], run.maps.at(layers[l]).view(),
                        run.maps.at(store.manifest().global_layer).values, search);
        const double search_seconds = SecondsSince(t);
        const std::vector<int> used = UsedImages(found.field);
        if (report.label_targets) {
          const auto r = Clock::now();
          const cv::Mat out =
              ReconstructLabels(found.field, training.TargetClassMaps(used), geometry, classes);
          state[l].output[k].Add(out, truth, &network, search_seconds + SecondsSince(r));
        }
        if (report.label_inputs) {
          const auto r = Clock::now();
          const cv::Mat in =
              ReconstructLabels(found.field, training.InputClassMaps(used), geometry, classes);
          state[l].input[k].Add(in, input_classes, nullptr, search_seconds + SecondsSince(r));
        }
        // Search quality on the first queries, at the quality top-k.
        if (o.search.method == "hpm" && q < o.quality_queries && o.topk[k] == o.quality_topk) {
          StoreSearchOptions exact = search;
          exact.method = "exact";
          const StoreSearchResult reference =
              SearchStore(store, layers[l], run.maps.at(layers[l]).view(),
                          run.maps.at(store.manifest().global_layer).values, exact);
          const auto [same, ratio] = CompareWithExact(found.field, reference.field);
          LayerState& s = state[l];
          ++s.quality;
          s.same += same;
          s.ratio += ratio;
          s.exact_seconds += reference.search_seconds;
          s.hpm_seconds += found.search_seconds;
        }
      }
    }
    if (o.progress) o.progress(q + 1, report.queries);
  }

  if (report.label_targets) {
    report.baselines = {baseline.Row("Baseline CNN"), gr_bottleneck.Row("GR (bottleneck)"),
                        gr_penultimate.Row("GR (penultimate: " + penultimate + ")")};
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    LayerEval e;
    e.layer = layers[l];
    e.stride = store.manifest().layer(layers[l]).stride;
    for (std::size_t k = 0; k < o.topk.size(); ++k) {
      const std::string top = "(top " + std::to_string(o.topk[k]) + ")";
      if (report.label_targets) e.output_rows.push_back(state[l].output[k].Row("OR " + top));
      if (report.label_inputs) e.input_rows.push_back(state[l].input[k].Row("IR " + top));
    }
    const LayerState& s = state[l];
    if (s.quality > 0) {
      e.quality_queries = s.quality;
      e.exact_cell_fraction = s.same / s.quality;
      e.similarity_ratio = s.ratio / s.quality;
      e.exact_seconds = s.exact_seconds / s.quality;
      e.hpm_seconds = s.hpm_seconds / s.quality;
    }
    report.layers.push_back(e);
  }
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace compnn
