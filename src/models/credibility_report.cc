// CredibilityReport's forms: JSON, markdown tables and the risk-coverage plot.
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "compnn/core/strings.h"
#include "compnn/models/credibility_eval.h"

namespace compnn {
namespace {

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

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
  const int width = 640, height = 420, left = 70, right = 250, top = 30, bottom = 50;
  cv::Mat plot(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  double top_risk = 0;
  for (const ConfidenceRow& r : rows)
    for (double v : r.risk) top_risk = std::max(top_risk, v);
  top_risk = std::max(top_risk * 1.1, 1e-3);
  const int plot_w = width - left - right, plot_h = height - top - bottom;
  const auto point = [&](double coverage, double risk) {
    return cv::Point(left + static_cast<int>(coverage * plot_w),
                     top + plot_h - static_cast<int>(risk / top_risk * plot_h));
  };
  const cv::Scalar black(0, 0, 0), grey(200, 200, 200);
  for (int t = 0; t <= 4; ++t) {
    const double risk = top_risk * t / 4;
    cv::line(plot, point(0, risk), point(1, risk), grey, 1);
    cv::putText(plot, Format("%.3f", risk), cv::Point(8, point(0, risk).y + 4),
                cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
    cv::putText(plot, Format("%.2f", t / 4.0), cv::Point(point(t / 4.0, 0).x - 12, height - 30),
                cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
  }
  cv::rectangle(plot, point(0, top_risk), point(1, 0), black, 1);
  cv::putText(plot, "coverage (share of pixels kept, most confident first)",
              cv::Point(left, height - 10), cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1, cv::LINE_AA);
  cv::putText(plot, "error rate of the pixels kept", cv::Point(left, 18), cv::FONT_HERSHEY_SIMPLEX,
              0.45, black, 1, cv::LINE_AA);
  const cv::Scalar colours[] = {{40, 40, 220}, {200, 120, 0}, {0, 160, 0}, {160, 0, 160}};
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const cv::Scalar colour = colours[r % 4];
    for (std::size_t i = 1; i < coverages.size(); ++i)
      cv::line(plot, point(coverages[i - 1], rows[r].risk[i - 1]),
               point(coverages[i], rows[r].risk[i]), colour, 2, cv::LINE_AA);
    const int y = top + 20 + static_cast<int>(r) * 22;
    cv::line(plot, cv::Point(width - right + 10, y - 4), cv::Point(width - right + 30, y - 4),
             colour, 2, cv::LINE_AA);
    cv::putText(plot, rows[r].name, cv::Point(width - right + 36, y), cv::FONT_HERSHEY_SIMPLEX, 0.4,
                black, 1, cv::LINE_AA);
  }
  return plot;
}

}  // namespace compnn
