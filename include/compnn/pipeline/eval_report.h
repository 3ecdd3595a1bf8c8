// compnn eval's results and the running totals they come from. The tables (paper, Tables 1 and 2)
// score class maps, so everything here works on class maps and correspondence fields and needs no
// network: a query's maps are added to accumulators, and the accumulators give the rows.
//
// Metrics are accumulated over all queries (one confusion matrix per row), then:
//   mean pixel accuracy (MPA) = mean over classes present in the truth of per-class accuracy
//   mean IoU                  = mean over classes present in prediction or truth of IoU
//   agreement                 = pixel accuracy of a reconstruction against the network's output
// Photo targets are scored by mean absolute error (0..255) and PSNR (dB), per query then averaged,
// against the ground truth and against the network's output.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/core/field_coherence.h"
#include "compnn/eval/metrics.h"
#include "compnn/store/store_search.h"

namespace compnn {

struct EvalRow {
  std::string approach;
  double mean_pixel_accuracy = 0, mean_iou = 0, pixel_accuracy = 0;
  double agreement = -1;  // with the network's output; -1 when not measured
  double seconds_per_query = 0;
  int topk = -1, k = 1;  // reconstruction rows: their prefilter (0: all images) and matches a cell
  // Label rows: every class's scores against the truth, and against the network's output (its
  // accuracy is the class's agreement); empty when not measured.
  std::vector<ClassScore> classes, classes_network;
  // Photo rows: fidelity to the ground truth and to the network's output; -1 when not measured.
  double l1_truth = -1, psnr_truth = -1, l1_network = -1, psnr_network = -1;
  // Reconstruction rows: the field's coherence (core/field_coherence.h), averaged over the
  // queries: share of the cells from its 5 largest source images, mean same-source region size in
  // cells; -1 when not measured.
  double top5_source_share = -1, mean_region_cells = -1;
  // Reconstruction rows: what searched them (StoreSearchResult::searched_by); empty when unknown.
  std::string searched_by;
  bool is_photo() const { return l1_truth >= 0 || l1_network >= 0; }
  nlohmann::json ToJson() const;
  nlohmann::json ToJson(const std::vector<std::string>& class_names) const;
};

struct LayerEval {
  std::string layer;
  int stride = 1;
  std::vector<EvalRow> output_rows;      // OR rows: pasted training targets
  std::vector<EvalRow> prediction_rows;  // PR rows: pasted network outputs (stores that keep them)
  std::vector<EvalRow> input_rows;       // IR rows against the input labels (label inputs)
  // Which rows the per-class table shows: those of this prefilter (the quality one when
  // evaluated, else the first).
  int per_class_topk = 0;
  // HyperPatch-Match against exact search on `quality_queries` queries.
  int quality_queries = 0;
  double similarity_ratio = 0, exact_cell_fraction = 0;
  double exact_seconds = 0, hpm_seconds = 0;
};

struct EvalReport {
  std::string model, store, split, method;  // method: the searcher's name
  int queries = 0;
  bool label_targets = false, label_inputs = false;
  std::vector<std::string> class_names;  // label datasets: by class id
  std::vector<int> k;                    // matches per cell of the rows, as evaluated
  double vote_power = 1.0;
  std::vector<EvalRow> baselines;  // Baseline CNN, GR (bottleneck), GR (penultimate)
  // Label targets, stores that keep the training targets and the network's outputs on them (as
  // compnn index does by default): per class, the share of the pixels
  // the network gives the class on its training images that are labelled so. Pasting training
  // labels, an output reconstruction can follow the network's class about that often at most:
  // a network that paints a thin class wider than its labels cannot be followed there. -1 where
  // the network never gives the class; empty when not measured.
  std::vector<double> training_precision;
  std::vector<LayerEval> layers;
  double seconds = 0;
  int ranks = 1;  // processes that shared the queries (recorded when more than one)

  nlohmann::json ToJson() const;
  // The tables as Markdown, reconstruction rows shown as differences from the baseline.
  std::string ToMarkdown() const;
};

// One row's running totals over the queries: a confusion matrix against the reference labels, one
// against the network's output (for the agreement), photo errors, and the time.
class RowAccumulator {
 public:
  explicit RowAccumulator(int classes);

  // One query's class maps (CV_8UC1, all of one size). `network` null: the row measures no
  // agreement (the baseline is the network itself; input reconstructions have no network side).
  // Throws std::runtime_error for maps of different sizes or types.
  void Add(const cv::Mat& predicted, const cv::Mat& reference, const cv::Mat* network,
           double seconds);
  // One query's photos (CV_8UC3, all of one size); `truth` may be empty (a query without its
  // pair), `network` null (the baseline is the network itself).
  void AddPhoto(const cv::Mat& image, const cv::Mat& truth, const cv::Mat* network, double seconds);
  // One query's field coherence (a reconstruction row's search), alongside Add or AddPhoto.
  void AddCoherence(const FieldCoherence& coherence);
  // The row's metrics so far; seconds_per_query is 0 before the first query.
  EvalRow Row(const std::string& approach) const;

  // The totals, to carry to another process (exact through a binary JSON such as CBOR), and the
  // totals of queries evaluated after this one's appended: a row over both sets of queries, the
  // same to the last bit as if one accumulator had taken them all in that order.
  nlohmann::json State() const;
  void Append(const nlohmann::json& state);

 private:
  ConfusionMatrix reference_, network_;
  bool has_labels_ = false, has_network_ = false;
  double seconds_ = 0;
  int queries_ = 0;
  // Photo errors per query, summed in query order when a row is made.
  std::vector<double> l1_truth_, psnr_truth_, l1_network_, psnr_network_;
  std::vector<double> top5_share_, region_cells_;  // per query, as the photo errors
};

// How close one query's HyperPatch-Match field came to exact search's over the same candidates.
struct ExactComparison {
  double exact_cell_fraction = 0;  // cells whose match is exactly the exact search's
  double similarity_ratio = 0;     // mean similarity / exact search's mean similarity
};
// Fields of the same size. Throws std::runtime_error otherwise.
ExactComparison CompareWithExact(const CorrespondenceField& hpm, const CorrespondenceField& exact);

// HyperPatch-Match against exact search, summed over the queries where both ran.
class SearchQualityAccumulator {
 public:
  void Add(const StoreSearchResult& hpm, const StoreSearchResult& exact);
  int queries() const { return queries_; }
  // Sets `layer`'s quality fields to the means over the queries; leaves them alone when none.
  void FillIn(LayerEval& layer) const;
  // As RowAccumulator's.
  nlohmann::json State() const;
  void Append(const nlohmann::json& state);

 private:
  int queries_ = 0;
  std::vector<double> exact_cells_, similarity_ratio_;  // per query, summed in order
  double exact_seconds_ = 0, hpm_seconds_ = 0;
};

// Table 1's reference rows, which do not depend on the evaluated layer.
struct BaselineAccumulators {
  explicit BaselineAccumulators(int classes);
  RowAccumulator network;         // the network against the ground truth
  RowAccumulator gr_bottleneck;   // the nearest training target by global descriptor
  RowAccumulator gr_penultimate;  // ... by the whole penultimate layer

  // "Baseline CNN", "GR (bottleneck)", "GR (penultimate: LAYER)".
  std::vector<EvalRow> Rows(const std::string& penultimate) const;
  // As RowAccumulator's.
  nlohmann::json State() const;
  void Append(const nlohmann::json& state);
};

// The rows of one evaluated layer: one per prefilter size (topk) and matches per cell (k),
// topk-major. Row names say "(top T)" when k is only 1, "(top T, k K)" otherwise.
struct RowGrid {
  std::vector<int> topk, k;
  std::size_t size() const { return topk.size() * k.size(); }
  std::size_t index(std::size_t t, std::size_t k_index) const { return t * k.size() + k_index; }
  std::string Name(const std::string& kind, std::size_t row) const;
};

// One evaluated layer's totals: OR, PR and IR rows (see RowGrid), and the search quality.
struct LayerAccumulators {
  LayerAccumulators(int classes, std::size_t rows);
  std::vector<RowAccumulator> output, prediction, input;  // indexed like the RowGrid
  SearchQualityAccumulator quality;
  // Per prefilter (the RowGrid's topk): what searched it, as the first query's search said.
  std::vector<std::string> searched_by;

  // OR rows always (labels or photos, as the targets are), PR rows with `predictions`, IR rows
  // when the inputs are labels.
  LayerEval Result(const StoreLayer& layer, const RowGrid& grid, bool label_inputs,
                   bool predictions, int per_class_topk) const;
  // As RowAccumulator's.
  nlohmann::json State() const;
  void Append(const nlohmann::json& state);
};

}  // namespace compnn
