#include "compnn/pipeline/explorer_builder.h"

namespace compnn {

ExplorerBuilder::ExplorerBuilder(bool enabled, std::string title, std::string first_layer,
                                 std::vector<ExplorerLink> links)
    : enabled_(enabled) {
  page_.title = std::move(title);
  page_.first_layer = std::move(first_layer);
  page_.links = std::move(links);
}

void ExplorerBuilder::AddQuery(const Query& query, const cv::Mat& output) {
  if (enabled_) page_.queries.push_back({query.name, query.input, query.truth, output, {}, {}});
}

void ExplorerBuilder::AddField(const std::string& layer, const std::string& database,
                               const LayerExplanation& e) {
  if (!enabled_) return;
  page_.queries.back().fields.push_back({layer, database, e.stride, e.search.hyperpatch,
                                         e.search.field, e.input_reconstruction,
                                         e.output_reconstruction, e.output_agreement});
}

void ExplorerBuilder::AddCredibility(ExplorerCredibility credibility) {
  if (enabled_) page_.queries.back().credibility = std::move(credibility);
}

std::string ExplorerBuilder::Write(Explainer& explainer, const std::string& out) {
  if (!enabled_) return "";
  page_.names = explainer.store().manifest().images;
  std::vector<int> used = ExplorerSourceImages(page_.queries);
  const std::vector<int> evidence = ExplorerEvidenceImages(page_.queries);
  used.insert(used.end(), evidence.begin(), evidence.end());
  page_.source_inputs = explainer.training().Inputs(used);
  page_.source_targets = explainer.training().Targets(used);
  const std::string path = out + "/explorer.html";
  WriteExplorer(path, page_);
  return path;
}

}  // namespace compnn
