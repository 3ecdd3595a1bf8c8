// SanityReport's forms: JSON, a markdown table and a plot of the shares changed.
#include <algorithm>
#include <iterator>

#include "compnn/core/strings.h"
#include "compnn/explain/line_chart.h"

#include "compnn/pipeline/sanity_check.h"

namespace compnn {
namespace {

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
  LineChart chart;
  chart.size = {720, 400};
  chart.left = 50;
  chart.right = 230;
  chart.bottom = 110;
  chart.title = "share changed against the trained network, as modules are randomised";
  chart.x_max = std::max<double>(1, static_cast<double>(steps.size()) - 1);
  chart.vertical_ticks = true;
  std::vector<double> x;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    x.push_back(static_cast<double>(i));
    chart.x_ticks.push_back({static_cast<double>(i), i == 0 ? "trained" : steps[i].randomised});
  }
  const std::pair<const char*, double SanityStep::*> curves[] = {
      {"cells matched elsewhere", &SanityStep::changed_matches},
      {"from another image", &SanityStep::changed_sources},
      {"reconstruction changed", &SanityStep::changed_reconstruction},
      {"network output changed", &SanityStep::changed_network},
      {"OR agreement", &SanityStep::agreement}};
  const cv::Scalar colours[] = {
      {40, 40, 220}, {0, 140, 255}, {200, 120, 0}, {0, 160, 0}, {160, 0, 160}};
  for (std::size_t c = 0; c < std::size(curves); ++c) {
    std::vector<double> y;
    for (const SanityStep& s : steps) y.push_back(s.*curves[c].second);
    chart.curves.push_back({curves[c].first, colours[c], x, y});
  }
  return chart.Draw();
}

}  // namespace compnn
