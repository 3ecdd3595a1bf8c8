#include "compnn/pipeline/eval_report.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "compnn/core/check.h"

namespace compnn {
namespace {

// The mean of per-query values, summed in query order (as running totals were).
double MeanInOrder(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

void AppendValues(std::vector<double>& values, const nlohmann::json& more) {
  for (const nlohmann::json& v : more) values.push_back(v.get<double>());
}

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

bool HasPredictionRows(const EvalReport& report) {
  return std::any_of(report.layers.begin(), report.layers.end(),
                     [](const LayerEval& l) { return !l.prediction_rows.empty(); });
}

constexpr const char* kOrAndPr =
    " OR pastes the training targets, PR the network's own outputs on the training images.";

bool HasPhotoRows(const EvalReport& report) {
  const auto photo = [](const EvalRow& r) { return r.is_photo(); };
  if (std::any_of(report.baselines.begin(), report.baselines.end(), photo)) return true;
  return std::any_of(report.layers.begin(), report.layers.end(), [&](const LayerEval& l) {
    return std::any_of(l.output_rows.begin(), l.output_rows.end(), photo);
  });
}

// "\nSearched by: top 16: hpm; all: cell index ...\n" under a layer's table: which search found
// each prefilter's rows (one line, each prefilter once); empty when not recorded.
std::string SearchedByLine(const LayerEval& l) {
  std::string line;
  int last_topk = -2;
  for (const EvalRow& r : l.output_rows) {
    if (r.searched_by.empty() || r.topk == last_topk) continue;
    last_topk = r.topk;
    line += (line.empty() ? "" : "; ") +
            (r.topk > 0 ? "top " + std::to_string(r.topk) : std::string("all")) + ": " +
            r.searched_by;
  }
  return line.empty() ? "" : "\nSearched by: " + line + ".\n";
}

// Table 1 per layer: the baseline in absolute numbers, then every other row relative to it.
std::string OutputTables(const EvalReport& report) {
  std::string md =
      "Output reconstructions against the ground-truth labels (Table 1). Baseline in absolute "
      "numbers, the others as differences from it.";
  md += HasPredictionRows(report) ? std::string(kOrAndPr) + "\n\n" : "\n\n";
  const EvalRow* base = report.baselines.empty() ? nullptr : &report.baselines.front();
  for (const LayerEval& l : report.layers) {
    md += LayerTableHead(l);
    for (std::size_t i = 0; i < report.baselines.size(); ++i) {
      md += MarkdownRow(report.baselines[i], base, i > 0);
    }
    for (const EvalRow& r : l.output_rows) md += MarkdownRow(r, base, true);
    for (const EvalRow& r : l.prediction_rows) md += MarkdownRow(r, base, true);
    md += SearchedByLine(l) + "\n";
  }
  return md;
}

std::string Measured(double value, const char* format) {
  return value >= 0 ? Format(format, value) : "-";
}

std::string PhotoRow(const EvalRow& r) {
  return Format("| %s | %s | %s | %s | %s | %.3f |\n", r.approach.c_str(),
                Measured(r.l1_network, "%.2f").c_str(), Measured(r.psnr_network, "%.2f").c_str(),
                Measured(r.l1_truth, "%.2f").c_str(), Measured(r.psnr_truth, "%.2f").c_str(),
                r.seconds_per_query);
}

// Photo targets: how close each reconstruction comes to the network's output and to the truth.
std::string PhotoTables(const EvalReport& report) {
  std::string md =
      "Output reconstructions of photos: mean absolute error (L1, 0-255) and PSNR (dB) against "
      "the network's output and against the ground truth.";
  md += HasPredictionRows(report) ? std::string(kOrAndPr) + "\n\n" : "\n\n";
  for (const LayerEval& l : report.layers) {
    md += "Layer " + l.layer + " (stride " + std::to_string(l.stride) + ")\n\n" +
          "| approach | L1 to network | PSNR to network | L1 to truth | PSNR to truth | s / query "
          "|\n|---|---|---|---|---|---|\n";
    for (const EvalRow& r : report.baselines) md += PhotoRow(r);
    for (const EvalRow& r : l.output_rows) md += PhotoRow(r);
    for (const EvalRow& r : l.prediction_rows) md += PhotoRow(r);
    md += "\n";
  }
  return md;
}

// The rows of a layer shown per class: those at its per_class_topk prefilter.
std::vector<const EvalRow*> PerClassRows(const LayerEval& l) {
  std::vector<const EvalRow*> rows;
  for (const auto* list : {&l.output_rows, &l.prediction_rows}) {
    for (const EvalRow& r : *list) {
      if (r.topk == l.per_class_topk) rows.push_back(&r);
    }
  }
  return rows;
}

// Per class: its share of the truth's pixels, the network's accuracy, and each shown row's
// accuracy and agreement with the network, so that "rare classes lose" is a table.
std::string PerClassTables(const EvalReport& report) {
  if (report.baselines.empty() || report.baselines.front().classes.empty()) return "";
  const EvalRow& cnn = report.baselines.front();
  std::int64_t total = 0;
  for (const ClassScore& c : cnn.classes) total += c.pixels;
  std::string md =
      "Per class (accuracy against the truth / agreement with the network; - where the class "
      "has no pixels)\n\n";
  if (report.training_precision.size() == cnn.classes.size())
    md +=
        "The network's precision on its training images (of the pixels it gives a class, the "
        "share labelled so) bounds how far a reconstruction that pastes training labels can "
        "follow it.\n\n";
  for (const LayerEval& l : report.layers) {
    const std::vector<const EvalRow*> rows = PerClassRows(l);
    const bool ceiling = report.training_precision.size() == cnn.classes.size();
    md += "Layer " + l.layer + "\n\n| class | share of truth | Baseline CNN |";
    std::string rule = "|---|---|---|";
    if (ceiling) {
      md += " network's precision on training images |";
      rule += "---|";
    }
    for (const EvalRow* r : rows) {
      md += " " + r->approach + " |";
      rule += "---|";
    }
    md += "\n" + rule + "\n";
    for (std::size_t c = 0; c < cnn.classes.size(); ++c) {
      const std::string name =
          c < report.class_names.size() ? report.class_names[c] : std::to_string(c);
      md += Format("| %s | %.3f | %s |", name.c_str(),
                   total ? double(cnn.classes[c].pixels) / total : 0.0,
                   Measured(cnn.classes[c].accuracy, "%.3f").c_str());
      if (ceiling) md += " " + Measured(report.training_precision[c], "%.3f") + " |";
      for (const EvalRow* r : rows) {
        const bool has = c < r->classes.size() && c < r->classes_network.size();
        md += Format(" %s / %s |", has ? Measured(r->classes[c].accuracy, "%.3f").c_str() : "-",
                     has ? Measured(r->classes_network[c].accuracy, "%.3f").c_str() : "-");
      }
      md += "\n";
    }
    md += "\n";
  }
  return md;
}

nlohmann::json ClassScoresJson(const std::vector<ClassScore>& scores,
                               const std::vector<std::string>& names) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t c = 0; c < scores.size(); ++c) {
    nlohmann::json entry = {{"class", c < names.size() ? names[c] : std::to_string(c)},
                            {"pixels", scores[c].pixels}};
    if (scores[c].accuracy >= 0) entry["accuracy"] = scores[c].accuracy;
    if (scores[c].iou >= 0) entry["iou"] = scores[c].iou;
    list.push_back(entry);
  }
  return list;
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

nlohmann::json EvalRow::ToJson() const { return ToJson({}); }

nlohmann::json EvalRow::ToJson(const std::vector<std::string>& class_names) const {
  nlohmann::json j = {{"approach", approach}, {"seconds_per_query", seconds_per_query}};
  if (topk >= 0) {
    j["topk"] = topk;
    j["k"] = k;
  }
  if (!searched_by.empty()) j["searched_by"] = searched_by;
  if (!is_photo()) {
    j["mean_pixel_accuracy"] = mean_pixel_accuracy;
    j["mean_iou"] = mean_iou;
    j["pixel_accuracy"] = pixel_accuracy;
  }
  if (!classes.empty()) j["per_class"] = ClassScoresJson(classes, class_names);
  if (agreement >= 0) j["agreement_with_network"] = agreement;
  if (!classes_network.empty())
    j["per_class_agreement"] = ClassScoresJson(classes_network, class_names);
  for (const auto& [name, value] : {std::pair{"l1_to_truth", l1_truth},
                                    {"psnr_to_truth", psnr_truth},
                                    {"l1_to_network", l1_network},
                                    {"psnr_to_network", psnr_network},
                                    {"top5_source_share", top5_source_share},
                                    {"mean_region_cells", mean_region_cells}}) {
    if (value >= 0) j[name] = value;
  }
  return j;
}

nlohmann::json EvalReport::ToJson() const {
  nlohmann::json j = {{"model", model},   {"store", store},          {"split", split},
                      {"method", method}, {"queries", queries},      {"seconds", seconds},
                      {"k", k},           {"vote_power", vote_power}};
  if (ranks > 1) j["ranks"] = ranks;
  const std::vector<std::string>& names = class_names;
  for (const EvalRow& r : baselines) j["baselines"].push_back(r.ToJson(names));
  if (!training_precision.empty()) {
    nlohmann::json precision = nlohmann::json::array();
    for (std::size_t c = 0; c < training_precision.size(); ++c) {
      nlohmann::json entry = {{"class", c < names.size() ? names[c] : std::to_string(c)}};
      if (training_precision[c] >= 0) entry["precision"] = training_precision[c];
      precision.push_back(entry);
    }
    j["network_training_precision"] = precision;
  }
  for (const LayerEval& l : layers) {
    nlohmann::json layer = {{"layer", l.layer}, {"stride", l.stride}};
    for (const EvalRow& r : l.output_rows)
      layer["output_reconstructions"].push_back(r.ToJson(names));
    for (const EvalRow& r : l.prediction_rows)
      layer["prediction_reconstructions"].push_back(r.ToJson(names));
    for (const EvalRow& r : l.input_rows) layer["input_reconstructions"].push_back(r.ToJson(names));
    if (l.quality_queries > 0) layer["search_quality"] = SearchQualityJson(l);
    j["layers"].push_back(layer);
  }
  return j;
}

namespace {

// How readable each search's explanation is: the OR rows' field coherence, one line each.
std::string CoherenceTable(const EvalReport& report) {
  std::string md;
  for (const LayerEval& l : report.layers) {
    for (const EvalRow& r : l.output_rows) {
      if (r.top5_source_share < 0) continue;
      if (md.empty()) {
        md = "Coherence of the fields (share of the cells pasted from the 5 largest source images; "
             "mean size of a same-source region, in cells)\n\n"
             "| layer | search | top-5 share | mean region (cells) |\n|---|---|---|---|\n";
      }
      md += Format("| %s | %s | %.3f | %.1f |\n", l.layer.c_str(), r.approach.c_str(),
                   r.top5_source_share, r.mean_region_cells);
    }
  }
  return md.empty() ? md : md + "\n";
}

}  // namespace

std::string EvalReport::ToMarkdown() const {
  std::string md = Format("compnn eval: %s on %d %s images, store %s, search %s\n\n", model.c_str(),
                          queries, split.c_str(), store.c_str(), method.c_str());
  if (label_targets)
    md += OutputTables(*this);
  else if (HasPhotoRows(*this))
    md += PhotoTables(*this);
  if (label_inputs) md += InputTables(*this);
  if (label_targets) md += PerClassTables(*this);
  md += CoherenceTable(*this);
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
  has_labels_ = true;
  if (network) {
    RequireClassMap(*network, predicted, "network's");
    // Pixels the ground truth ignores do not count towards the agreement either.
    network_.Add(predicted.data, network->data, predicted.total(), reference.data);
    has_network_ = true;
  }
  seconds_ += seconds;
  ++queries_;
}

void RowAccumulator::AddPhoto(const cv::Mat& image, const cv::Mat& truth, const cv::Mat* network,
                              double seconds) {
  const auto require = [&](const cv::Mat& other, const char* what) {
    COMPNN_CHECK(other.type() == CV_8UC3 && other.isContinuous() && other.size() == image.size(),
                 "the ", what, " photo is not a continuous 8-bit BGR image of the row's size");
  };
  require(image, "row's");
  const std::size_t values = image.total() * 3;
  if (!truth.empty()) {
    require(truth, "ground-truth");
    l1_truth_.push_back(MeanAbsoluteError(image.data, truth.data, values));
    psnr_truth_.push_back(PeakSignalToNoise(image.data, truth.data, values));
  }
  if (network) {
    require(*network, "network's");
    l1_network_.push_back(MeanAbsoluteError(image.data, network->data, values));
    psnr_network_.push_back(PeakSignalToNoise(image.data, network->data, values));
  }
  seconds_ += seconds;
  ++queries_;
}

void RowAccumulator::AddCoherence(const FieldCoherence& coherence) {
  top5_share_.push_back(coherence.top_sources_share);
  region_cells_.push_back(coherence.mean_region_cells);
}

EvalRow RowAccumulator::Row(const std::string& approach) const {
  EvalRow r;
  r.approach = approach;
  if (has_labels_) {
    r.mean_pixel_accuracy = reference_.MeanPixelAccuracy();
    r.mean_iou = reference_.MeanIoU();
    r.pixel_accuracy = reference_.PixelAccuracy();
    r.classes = reference_.PerClass();
  }
  if (has_network_) {
    r.agreement = network_.PixelAccuracy();
    r.classes_network = network_.PerClass();
  }
  if (!l1_truth_.empty()) {
    r.l1_truth = MeanInOrder(l1_truth_);
    r.psnr_truth = MeanInOrder(psnr_truth_);
  }
  if (!l1_network_.empty()) {
    r.l1_network = MeanInOrder(l1_network_);
    r.psnr_network = MeanInOrder(psnr_network_);
  }
  if (!top5_share_.empty()) {
    r.top5_source_share = MeanInOrder(top5_share_);
    r.mean_region_cells = MeanInOrder(region_cells_);
  }
  r.seconds_per_query = queries_ ? seconds_ / queries_ : 0;
  return r;
}

nlohmann::json RowAccumulator::State() const {
  return {{"classes", reference_.classes()},
          {"reference", reference_.counts()},
          {"network", network_.counts()},
          {"has_labels", has_labels_},
          {"has_network", has_network_},
          {"seconds", seconds_},
          {"queries", queries_},
          {"l1_truth", l1_truth_},
          {"psnr_truth", psnr_truth_},
          {"l1_network", l1_network_},
          {"psnr_network", psnr_network_},
          {"top5_share", top5_share_},
          {"region_cells", region_cells_}};
}

void RowAccumulator::Append(const nlohmann::json& state) {
  const int classes = state.at("classes").get<int>();
  reference_.Add(ConfusionMatrix::FromCounts(classes, state.at("reference")));
  network_.Add(ConfusionMatrix::FromCounts(classes, state.at("network")));
  has_labels_ = has_labels_ || state.at("has_labels").get<bool>();
  has_network_ = has_network_ || state.at("has_network").get<bool>();
  seconds_ += state.at("seconds").get<double>();
  queries_ += state.at("queries").get<int>();
  AppendValues(l1_truth_, state.at("l1_truth"));
  AppendValues(psnr_truth_, state.at("psnr_truth"));
  AppendValues(l1_network_, state.at("l1_network"));
  AppendValues(psnr_network_, state.at("psnr_network"));
  AppendValues(top5_share_, state.at("top5_share"));
  AppendValues(region_cells_, state.at("region_cells"));
}

ExactComparison CompareWithExact(const CorrespondenceField& hpm, const CorrespondenceField& exact) {
  // The floor keeps an all-zero exact field (similarity 0 everywhere) from dividing by zero.
  return {SameMatchFraction(hpm, exact),
          hpm.MeanSimilarity() / std::max(1e-12, exact.MeanSimilarity())};
}

void SearchQualityAccumulator::Add(const StoreSearchResult& hpm, const StoreSearchResult& exact) {
  const ExactComparison c = CompareWithExact(hpm.field, exact.field);
  ++queries_;
  exact_cells_.push_back(c.exact_cell_fraction);
  similarity_ratio_.push_back(c.similarity_ratio);
  exact_seconds_ += exact.search_seconds;
  hpm_seconds_ += hpm.search_seconds;
}

void SearchQualityAccumulator::FillIn(LayerEval& layer) const {
  if (queries_ == 0) return;
  layer.quality_queries = queries_;
  layer.exact_cell_fraction = MeanInOrder(exact_cells_);
  layer.similarity_ratio = MeanInOrder(similarity_ratio_);
  layer.exact_seconds = exact_seconds_ / queries_;
  layer.hpm_seconds = hpm_seconds_ / queries_;
}

nlohmann::json SearchQualityAccumulator::State() const {
  return {{"queries", queries_},
          {"exact_cells", exact_cells_},
          {"similarity_ratio", similarity_ratio_},
          {"exact_seconds", exact_seconds_},
          {"hpm_seconds", hpm_seconds_}};
}

void SearchQualityAccumulator::Append(const nlohmann::json& state) {
  queries_ += state.at("queries").get<int>();
  AppendValues(exact_cells_, state.at("exact_cells"));
  AppendValues(similarity_ratio_, state.at("similarity_ratio"));
  exact_seconds_ += state.at("exact_seconds").get<double>();
  hpm_seconds_ += state.at("hpm_seconds").get<double>();
}

BaselineAccumulators::BaselineAccumulators(int classes)
    : network(classes), gr_bottleneck(classes), gr_penultimate(classes) {}

std::vector<EvalRow> BaselineAccumulators::Rows(const std::string& penultimate) const {
  return {network.Row("Baseline CNN"), gr_bottleneck.Row("GR (bottleneck)"),
          gr_penultimate.Row("GR (penultimate: " + penultimate + ")")};
}

nlohmann::json BaselineAccumulators::State() const {
  return {{"network", network.State()},
          {"gr_bottleneck", gr_bottleneck.State()},
          {"gr_penultimate", gr_penultimate.State()}};
}

void BaselineAccumulators::Append(const nlohmann::json& state) {
  network.Append(state.at("network"));
  gr_bottleneck.Append(state.at("gr_bottleneck"));
  gr_penultimate.Append(state.at("gr_penultimate"));
}

std::string RowGrid::Name(const std::string& kind, std::size_t row) const {
  const int t = topk.at(row / k.size()), matches = k.at(row % k.size());
  const bool only_one = k.size() == 1 && k[0] == 1;
  return kind + " (" + (t > 0 ? "top " + std::to_string(t) : std::string("all")) +
         (only_one ? "" : ", k " + std::to_string(matches)) + ")";
}

LayerAccumulators::LayerAccumulators(int classes, std::size_t rows)
    : output(rows, RowAccumulator(classes)),
      prediction(rows, RowAccumulator(classes)),
      input(rows, RowAccumulator(classes)) {}

LayerEval LayerAccumulators::Result(const StoreLayer& layer, const RowGrid& grid, bool label_inputs,
                                    bool predictions, int per_class_topk) const {
  LayerEval e;
  e.layer = layer.name;
  e.stride = layer.stride;
  e.per_class_topk = per_class_topk;
  for (std::size_t row = 0; row < grid.size(); ++row) {
    const auto add = [&](std::vector<EvalRow>& rows, const RowAccumulator& totals,
                         const char* kind) {
      rows.push_back(totals.Row(grid.Name(kind, row)));
      rows.back().topk = grid.topk.at(row / grid.k.size());
      rows.back().k = grid.k.at(row % grid.k.size());
      const std::size_t t = row / grid.k.size();
      if (t < searched_by.size()) rows.back().searched_by = searched_by[t];
    };
    add(e.output_rows, output[row], "OR");
    if (predictions) add(e.prediction_rows, prediction[row], "PR");
    if (label_inputs) add(e.input_rows, input[row], "IR");
  }
  quality.FillIn(e);
  return e;
}

nlohmann::json LayerAccumulators::State() const {
  const auto rows = [](const std::vector<RowAccumulator>& accumulators) {
    nlohmann::json states = nlohmann::json::array();
    for (const RowAccumulator& a : accumulators) states.push_back(a.State());
    return states;
  };
  return {{"output", rows(output)},
          {"prediction", rows(prediction)},
          {"input", rows(input)},
          {"quality", quality.State()},
          {"searched_by", searched_by}};
}

void LayerAccumulators::Append(const nlohmann::json& state) {
  const auto rows = [](std::vector<RowAccumulator>& accumulators, const nlohmann::json& states) {
    if (states.size() != accumulators.size()) {
      throw std::invalid_argument(
          "accumulated rows of another evaluation: " + std::to_string(states.size()) +
          " rows, not " + std::to_string(accumulators.size()));
    }
    for (std::size_t i = 0; i < accumulators.size(); ++i) accumulators[i].Append(states[i]);
  };
  rows(output, state.at("output"));
  rows(prediction, state.at("prediction"));
  rows(input, state.at("input"));
  quality.Append(state.at("quality"));
  if (searched_by.empty() && state.contains("searched_by"))
    searched_by = state.at("searched_by").get<std::vector<std::string>>();
}

}  // namespace compnn
