// compnn eval: the paper's quantitative evaluation (section 4.1, Tables 1 and 2) and what a user
// also needs: how faithful each reconstruction is to the network's own output, how long it takes,
// and how close HyperPatch-Match comes to exact search.
//
// Metrics are accumulated over all queries (one confusion matrix per row), then:
//   mean pixel accuracy (MPA) = mean over classes present in the truth of per-class accuracy
//   mean IoU                  = mean over classes present in prediction or truth of IoU
//   agreement                 = pixel accuracy of a reconstruction against the network's output
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/store_search.h"

namespace compnn {

class Explainer;

struct EvalOptions {
  std::string split = "test";
  int count = 0;                    // first N images of the split; 0: all
  std::vector<std::string> layers;  // empty: the last decoder layer
  std::vector<int> topk = {1, 16, 32, 64};
  StoreSearchOptions search;        // method, iterations, seed, threads (topk is set per row)
  bool overlapping_blocks = false;  // paste whole hyperpatches, voted (see PasteGeometry)
  std::string penultimate;          // GR (penultimate) layer; empty: the last decoder layer
  int quality_queries = 8;          // HyperPatch-Match against exact search on this many queries
  int quality_topk = 16;            // ... over this many prefiltered images
  std::function<void(int, int)> progress;  // (queries done, queries)
};

struct EvalRow {
  std::string approach;
  double mean_pixel_accuracy = 0, mean_iou = 0, pixel_accuracy = 0;
  double agreement = -1;  // with the network's output; -1 when not measured
  double seconds_per_query = 0;
  nlohmann::json ToJson() const;
};

struct LayerEval {
  std::string layer;
  int stride = 1;
  std::vector<EvalRow> output_rows;  // OR (top k) against the ground truth (label targets)
  std::vector<EvalRow> input_rows;   // IR (top k) against the input labels (label inputs)
  // HyperPatch-Match against exact search on `quality_queries` queries.
  int quality_queries = 0;
  double similarity_ratio = 0, exact_cell_fraction = 0;
  double exact_seconds = 0, hpm_seconds = 0;
};

struct EvalReport {
  std::string model, store, split, method;
  int queries = 0;
  bool label_targets = false, label_inputs = false;
  std::vector<EvalRow> baselines;  // Baseline CNN, GR (bottleneck), GR (penultimate)
  std::vector<LayerEval> layers;
  double seconds = 0;

  nlohmann::json ToJson() const;
  // The tables as Markdown, reconstruction rows shown as differences from the baseline.
  std::string ToMarkdown() const;
};

// Throws std::runtime_error for a split without ground truth, unknown layers, or a store that
// does not fit the model.
EvalReport Evaluate(Explainer& explainer, const EvalOptions& options);

}  // namespace compnn
