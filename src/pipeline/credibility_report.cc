// CredibilityReport's forms: JSON, markdown tables and the risk-coverage plot.
#include <algorithm>
#include <cmath>

#include "compnn/core/strings.h"
#include "compnn/explain/line_chart.h"
#include "compnn/pipeline/credibility_eval.h"

namespace compnn {
namespace {

std::string Measured(double value) { return value >= 0 ? Format("%.3f", value) : "-"; }

}  // namespace

nlohmann::json CredibilityReport::ToJson() const {
  nlohmann::json rows_json = nlohmann::json::array();
  for (const ConfidenceRow& r : rows)
    rows_json.push_back({{"name", r.name},
                         {"auroc", r.auroc},
                         {"average_precision", r.average_precision},
                         {"risk", r.risk}});
  return {{"layers", layers},
          {"k", k},
          {"searched_by", searched_by},
          {"calibration", {{"images", calibration_images}, {"pixels", calibration_pixels}}},
          {"evaluated", {{"images", evaluated_images}, {"pixels", evaluated_pixels}}},
          {"network_error_rate", error_rate},
          {"coverages", coverages},
          {"confidences", rows_json},
          {"calibration_check", {{"levels", levels}, {"true_class_at_most", true_class_below}}},
          {"credibility_quartiles", quartiles},
          {"ood", {{"images", ood_images}, {"credibility_quartiles", ood_quartiles}}},
          {"seconds", seconds}};
}

std::string CredibilityReport::ToMarkdown() const {
  std::string md =
      "Credibility of the network's prediction from the labels of the " + std::to_string(k) +
      " nearest training cells at " + Join(layers) + " (searched by " + searched_by +
      "), calibrated on " + std::to_string(calibration_images) + " images (" +
      std::to_string(calibration_pixels) + " pixels), evaluated on " +
      std::to_string(evaluated_images) + " others (" + std::to_string(evaluated_pixels) +
      " pixels; the network is wrong on " + Format("%.3f", error_rate) + " of them).\n\n";
  md +=
      "Finding the network's errors (the least confident pixels first):\n\n"
      "| confidence | AUROC | average precision | error rate at 50 % coverage | at 80 % | at "
      "100 % |\n|---|---|---|---|---|---|\n";
  const auto at = [&](const ConfidenceRow& r, double coverage) {
    for (std::size_t i = 0; i < coverages.size(); ++i)
      if (std::abs(coverages[i] - coverage) < 1e-9) return Format("%.4f", r.risk[i]);
    return std::string("-");
  };
  for (const ConfidenceRow& r : rows)
    md += "| " + r.name + " | " + Measured(r.auroc) + " | " + Measured(r.average_precision) +
          " | " + at(r, 0.5) + " | " + at(r, 0.8) + " | " + at(r, 1.0) + " |\n";
  md +=
      "\nCalibration on the evaluated images (never used to calibrate): the share of pixels whose "
      "true class has a credibility at most each level (a calibrated p-value: about the level)."
      "\n\n| level |";
  for (double l : levels) md.append(" ").append(Format("%.2f", l)).append(" |");
  md += "\n|---|";
  for (std::size_t i = 0; i < levels.size(); ++i) md += "---|";
  md += "\n| share |";
  for (double b : true_class_below) md.append(" ").append(Format("%.3f", b)).append(" |");
  md +=
      "\n\nCredibility of the network's prediction, quartiles (25 %, median, 75 %):\n\n"
      "| images | 25 % | median | 75 % |\n|---|---|---|---|\n";
  const auto quartile_row = [&](const std::string& name, const std::vector<double>& q) {
    return "| " + name + " | " + Format("%.3f", q[0]) + " | " + Format("%.3f", q[1]) + " | " +
           Format("%.3f", q[2]) + " |\n";
  };
  md += quartile_row("evaluated (" + std::to_string(evaluated_images) + ")", quartiles);
  if (!ood_quartiles.empty())
    md += quartile_row("out of distribution (" + std::to_string(ood_images) + ")", ood_quartiles);
  md += Format("\nTook %.1f s.\n", seconds);
  return md;
}

cv::Mat CredibilityReport::RiskCoveragePlot() const {
  LineChart chart;
  chart.title = "error rate of the pixels kept";
  chart.x_caption = "coverage (share of pixels kept, most confident first)";
  chart.y_format = "%.3f";
  chart.y_max = 0;
  for (const ConfidenceRow& r : rows)
    for (double v : r.risk) chart.y_max = std::max(chart.y_max, v);
  chart.y_max = std::max(chart.y_max * 1.1, 1e-3);
  for (int t = 0; t <= 4; ++t) chart.x_ticks.push_back({t / 4.0, Format("%.2f", t / 4.0)});
  const cv::Scalar colours[] = {{40, 40, 220}, {200, 120, 0}, {0, 160, 0}, {160, 0, 160}};
  for (std::size_t r = 0; r < rows.size(); ++r)
    chart.curves.push_back({rows[r].name, colours[r % 4], coverages, rows[r].risk});
  return chart.Draw();
}

}  // namespace compnn
