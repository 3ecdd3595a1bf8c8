#include "compnn/explain/eval_report.h"

#include <algorithm>
#include <cstdio>

#include "compnn/core/check.h"

namespace compnn {
namespace {

// printf into a string. The 512-character buffer is the one the tables have always been written
// with: a longer line (an absurdly long path) is cut as it always was.
template <typename... Args>
std::string Format(const char* format, Args... args) {
  char line[512];
  std::snprintf(line, sizeof line, format, args...);
  return line;
}

// One table row. `relative`: MPA and mIoU signed, as differences from `base` (the paper's style)
// when there is one.
std::string MarkdownRow(const EvalRow& r, const EvalRow* base, bool relative) {
  const bool difference = relative && base;
  const double mpa =
      difference ? r.mean_pixel_accuracy - base->mean_pixel_accuracy : r.mean_pixel_accuracy;
  const double iou = difference ? r.mean_iou - base->mean_iou : r.mean_iou;
  const std::string agreement = r.agreement >= 0 ? Format("%.3f", r.agreement) : "-";
  return Format("| %s | %s%.3f | %s%.3f | %.3f | %s | %.3f |\n", r.approach.c_str(),
                relative && mpa >= 0 ? "+" : "", mpa, relative && iou >= 0 ? "+" : "", iou,
                r.pixel_accuracy, agreement.c_str(), r.seconds_per_query);
}

std::string LayerTableHead(const LayerEval& l) {
  return "Layer " + l.layer + " (stride " + std::to_string(l.stride) + ")\n\n" +
         "| approach | MPA | mIoU | pixel acc. | agreement with network | s / query |\n"
         "|---|---|---|---|---|---|\n";
}

// Table 1 per layer: the baseline in absolute numbers, then every other row relative to it.
std::string OutputTables(const EvalReport& report) {
  std::string md =
      "Output reconstructions against the ground-truth labels (Table 1). Baseline in absolute "
      "numbers, the others as differences from it.\n\n";
  const EvalRow* base = report.baselines.empty() ? nullptr : &report.baselines.front();
  for (const LayerEval& l : report.layers) {
    md += LayerTableHead(l);
    for (std::size_t i = 0; i < report.baselines.size(); ++i) {
      md += MarkdownRow(report.baselines[i], base, i > 0);
    }
    for (const EvalRow& r : l.output_rows) md += MarkdownRow(r, base, true);
    md += "\n";
  }
  return md;
}

// Table 2 per layer: input reconstructions have no baseline, so absolute numbers.
std::string InputTables(const EvalReport& report) {
  std::string md =
      "Input reconstructions against the input labels (Table 2), absolute numbers.\n\n";
  for (const LayerEval& l : report.layers) {
    md += LayerTableHead(l);
    for (const EvalRow& r : l.input_rows) md += MarkdownRow(r, nullptr, false);
    md += "\n";
  }
  return md;
}

// One line per layer where HyperPatch-Match was measured; "" when it was measured nowhere.
std::string SearchQualityTable(const EvalReport& report) {
  std::string md;
  for (const LayerEval& l : report.layers) {
    if (l.quality_queries == 0) continue;
    if (md.empty()) {
      md +=
          "HyperPatch-Match against exact search (same prefiltered images)\n\n"
          "| layer | queries | mean similarity / exact | cells with the exact match | s / query "
          "(hpm) | s / query (exact) |\n|---|---|---|---|---|---|\n";
    }
    md += Format("| %s | %d | %.4f | %.3f | %.3f | %.3f |\n", l.layer.c_str(), l.quality_queries,
                 l.similarity_ratio, l.exact_cell_fraction, l.hpm_seconds, l.exact_seconds);
  }
  return md;
}

nlohmann::json SearchQualityJson(const LayerEval& l) {
  return {{"queries", l.quality_queries},
          {"hpm_similarity_over_exact", l.similarity_ratio},
          {"hpm_exact_cell_fraction", l.exact_cell_fraction},
          {"exact_seconds_per_query", l.exact_seconds},
          {"hpm_seconds_per_query", l.hpm_seconds}};
}

void RequireClassMap(const cv::Mat& map, const cv::Mat& predicted, const char* what) {
  COMPNN_CHECK(map.type() == CV_8UC1 && map.isContinuous(), "the ", what,
               " class map is not a continuous CV_8UC1 image");
  COMPNN_CHECK(map.size() == predicted.size(), "the ", what, " class map is ", map.cols, " x ",
               map.rows, ", the predicted one ", predicted.cols, " x ", predicted.rows);
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
    if (l.quality_queries > 0) layer["search_quality"] = SearchQualityJson(l);
    j["layers"].push_back(layer);
  }
  return j;
}

std::string EvalReport::ToMarkdown() const {
  std::string md = Format("compnn eval: %s on %d %s images, store %s, search %s\n\n", model.c_str(),
                          queries, split.c_str(), store.c_str(), method.c_str());
  if (label_targets) md += OutputTables(*this);
  if (label_inputs) md += InputTables(*this);
  const std::string quality = SearchQualityTable(*this);
  md += quality;
  md += Format("%sEvaluation took %.1f s.\n", quality.empty() ? "" : "\n", seconds);
  return md;
}

RowAccumulator::RowAccumulator(int classes) : reference_(classes), network_(classes) {}

void RowAccumulator::Add(const cv::Mat& predicted, const cv::Mat& reference, const cv::Mat* network,
                         double seconds) {
  RequireClassMap(predicted, predicted, "predicted");
  RequireClassMap(reference, predicted, "reference");
  reference_.Add(predicted.data, reference.data, predicted.total());
  if (network) {
    RequireClassMap(*network, predicted, "network's");
    // Pixels the ground truth ignores do not count towards the agreement either.
    network_.Add(predicted.data, network->data, predicted.total(), reference.data);
    has_network_ = true;
  }
  seconds_ += seconds;
  ++queries_;
}

EvalRow RowAccumulator::Row(const std::string& approach) const {
  EvalRow r;
  r.approach = approach;
  r.mean_pixel_accuracy = reference_.MeanPixelAccuracy();
  r.mean_iou = reference_.MeanIoU();
  r.pixel_accuracy = reference_.PixelAccuracy();
  r.agreement = has_network_ ? network_.PixelAccuracy() : -1;
  r.seconds_per_query = queries_ ? seconds_ / queries_ : 0;
  return r;
}

ExactComparison CompareWithExact(const CorrespondenceField& hpm, const CorrespondenceField& exact) {
  // The floor keeps an all-zero exact field (similarity 0 everywhere) from dividing by zero.
  return {SameMatchFraction(hpm, exact),
          hpm.MeanSimilarity() / std::max(1e-12, exact.MeanSimilarity())};
}

void SearchQualityAccumulator::Add(const StoreSearchResult& hpm, const StoreSearchResult& exact) {
  const ExactComparison c = CompareWithExact(hpm.field, exact.field);
  ++queries_;
  exact_cells_ += c.exact_cell_fraction;
  similarity_ratio_ += c.similarity_ratio;
  exact_seconds_ += exact.search_seconds;
  hpm_seconds_ += hpm.search_seconds;
}

void SearchQualityAccumulator::FillIn(LayerEval& layer) const {
  if (queries_ == 0) return;
  layer.quality_queries = queries_;
  layer.exact_cell_fraction = exact_cells_ / queries_;
  layer.similarity_ratio = similarity_ratio_ / queries_;
  layer.exact_seconds = exact_seconds_ / queries_;
  layer.hpm_seconds = hpm_seconds_ / queries_;
}

BaselineAccumulators::BaselineAccumulators(int classes)
    : network(classes), gr_bottleneck(classes), gr_penultimate(classes) {}

std::vector<EvalRow> BaselineAccumulators::Rows(const std::string& penultimate) const {
  return {network.Row("Baseline CNN"), gr_bottleneck.Row("GR (bottleneck)"),
          gr_penultimate.Row("GR (penultimate: " + penultimate + ")")};
}

LayerAccumulators::LayerAccumulators(int classes, std::size_t topk_count)
    : output(topk_count, RowAccumulator(classes)), input(topk_count, RowAccumulator(classes)) {}

LayerEval LayerAccumulators::Result(const StoreLayer& layer, const std::vector<int>& topk,
                                    bool label_targets, bool label_inputs) const {
  LayerEval e;
  e.layer = layer.name;
  e.stride = layer.stride;
  for (std::size_t k = 0; k < topk.size(); ++k) {
    const std::string top = "(top " + std::to_string(topk[k]) + ")";
    if (label_targets) e.output_rows.push_back(output[k].Row("OR " + top));
    if (label_inputs) e.input_rows.push_back(input[k].Row("IR " + top));
  }
  quality.FillIn(e);
  return e;
}

}  // namespace compnn
