// SanityReport's forms: JSON, a markdown table and a plot of the shares changed.
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "compnn/models/sanity_check.h"

namespace compnn {
namespace {

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string StepName(const SanityStep& s, std::size_t i) {
  return i == 0 ? std::string("trained network") : "+ " + s.randomised;
}

}  // namespace

nlohmann::json SanityReport::ToJson() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const SanityStep& s : steps)
    rows.push_back({{"randomised", s.randomised},
                    {"changed_matches", s.changed_matches},
                    {"changed_sources", s.changed_sources},
                    {"changed_reconstruction", s.changed_reconstruction},
                    {"changed_network", s.changed_network},
                    {"agreement", s.agreement},
                    {"mean_similarity", s.mean_similarity}});
  return {{"layer", layer}, {"queries", queries}, {"topk_images", topk_images}, {"steps", rows}};
}

std::string SanityReport::ToMarkdown() const {
  std::string md = "Cascading randomisation at " + layer +
                   ": the network's modules given random "
                   "weights one after another from the output down, " +
                   std::to_string(queries) + " queries, each searched over the same " +
                   std::to_string(topk_images) +
                   " training images throughout. Shares are against the trained network's "
                   "explanation.\n\n"
                   "| randomised | cells matched elsewhere | from another image | output "
                   "reconstruction changed | network output changed | OR agreement with this "
                   "network | mean similarity |\n|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const SanityStep& s = steps[i];
    md += "| " + StepName(s, i) + " | " + Format("%.3f", s.changed_matches) + " | " +
          Format("%.3f", s.changed_sources) + " | " + Format("%.3f", s.changed_reconstruction) +
          " | " + Format("%.3f", s.changed_network) + " | " + Format("%.3f", s.agreement) + " | " +
          Format("%.4f", s.mean_similarity) + " |\n";
  }
  return md;
}

cv::Mat SanityReport::Plot() const {
  const int width = 720, height = 400, left = 50, right = 230, top = 30, bottom = 110;
  cv::Mat plot(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  const int plot_w = width - left - right, plot_h = height - top - bottom;
  const double last = std::max<double>(1, static_cast<double>(steps.size()) - 1);
  const auto point = [&](double step, double share) {
    return cv::Point(left + static_cast<int>(step / last * plot_w),
                     top + plot_h - static_cast<int>(share * plot_h));
  };
  const cv::Scalar black(0, 0, 0), grey(210, 210, 210);
  for (int t = 0; t <= 4; ++t) {
    cv::line(plot, point(0, t / 4.0), point(last, t / 4.0), grey, 1);
    cv::putText(plot, Format("%.2f", t / 4.0), cv::Point(8, point(0, t / 4.0).y + 4),
                cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    // Step names written downwards under their tick.
    const std::string name = i == 0 ? "trained" : steps[i].randomised;
    cv::Mat text(16, 110, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(text, name, cv::Point(2, 12), cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
    cv::Mat turned;
    cv::rotate(text, turned, cv::ROTATE_90_CLOCKWISE);
    const cv::Point at = point(static_cast<double>(i), 0);
    const cv::Rect where(at.x - 8, at.y + 4, turned.cols, std::min(turned.rows, bottom - 8));
    if (where.x >= 0 && where.x + where.width <= width)
      turned(cv::Rect(0, 0, where.width, where.height)).copyTo(plot(where));
  }
  cv::rectangle(plot, point(0, 1), point(last, 0), black, 1);
  cv::putText(plot, "share changed against the trained network, as modules are randomised",
              cv::Point(left, 18), cv::FONT_HERSHEY_SIMPLEX, 0.42, black, 1, cv::LINE_AA);
  struct Curve {
    const char* name;
    double SanityStep::*value;
    cv::Scalar colour;
  };
  const Curve curves[] = {
      {"cells matched elsewhere", &SanityStep::changed_matches, {40, 40, 220}},
      {"from another image", &SanityStep::changed_sources, {0, 140, 255}},
      {"reconstruction changed", &SanityStep::changed_reconstruction, {200, 120, 0}},
      {"network output changed", &SanityStep::changed_network, {0, 160, 0}},
      {"OR agreement", &SanityStep::agreement, {160, 0, 160}}};
  int row = 0;
  for (const Curve& c : curves) {
    for (std::size_t i = 1; i < steps.size(); ++i)
      cv::line(plot, point(static_cast<double>(i - 1), steps[i - 1].*c.value),
               point(static_cast<double>(i), steps[i].*c.value), c.colour, 2, cv::LINE_AA);
    const int y = top + 16 + row++ * 22;
    cv::line(plot, cv::Point(width - right + 10, y - 4), cv::Point(width - right + 30, y - 4),
             c.colour, 2, cv::LINE_AA);
    cv::putText(plot, c.name, cv::Point(width - right + 36, y), cv::FONT_HERSHEY_SIMPLEX, 0.4,
                black, 1, cv::LINE_AA);
  }
  return plot;
}

}  // namespace compnn
