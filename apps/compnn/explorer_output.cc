#include "explorer_output.h"

#include <cstdio>
#include <filesystem>

namespace compnn::cli {

void AddHtmlOptions(CLI::App* cmd, HtmlOptions* o) {
  cmd->add_flag("--html", o->html,
                "also write OUT/explorer.html: an interactive page (opens offline) in which "
                "hovering any pixel of the query shows the training patch it came from");
  cmd->add_option("--html-link", o->links,
                  "TEXT=HREF: a link in the explorer page's header (repeatable)")
      ->check([](const std::string& link) {
        const std::size_t eq = link.find('=');
        return eq == std::string::npos || eq == 0 || eq + 1 == link.size()
                   ? "expected TEXT=HREF, got '" + link + "'"
                   : std::string();
      });
}

ExplorerOutput::ExplorerOutput(const HtmlOptions& options, std::string title,
                               std::string first_layer)
    : enabled_(options.html) {
  page_.title = std::move(title);
  page_.first_layer = std::move(first_layer);
  for (const std::string& link : options.links) {
    const std::size_t eq = link.find('=');
    page_.links.push_back({link.substr(0, eq), link.substr(eq + 1)});
  }
}

void ExplorerOutput::AddQuery(const Query& query, const cv::Mat& output) {
  if (enabled_) page_.queries.push_back({query.name, query.input, query.truth, output, {}, {}});
}

void ExplorerOutput::AddField(const std::string& layer, const std::string& database,
                              const LayerExplanation& e) {
  if (!enabled_) return;
  page_.queries.back().fields.push_back({layer, database, e.stride, e.search.hyperpatch,
                                         e.search.field, e.input_reconstruction,
                                         e.output_reconstruction});
}

void ExplorerOutput::AddCredibility(ExplorerCredibility credibility) {
  if (enabled_) page_.queries.back().credibility = std::move(credibility);
}

void ExplorerOutput::Write(Explainer& explainer, const std::string& out) {
  if (!enabled_) return;
  page_.names = explainer.store().manifest().images;
  std::vector<int> used = ExplorerSourceImages(page_.queries);
  const std::vector<int> evidence = ExplorerEvidenceImages(page_.queries);
  used.insert(used.end(), evidence.begin(), evidence.end());
  page_.source_inputs = explainer.training().Inputs(used);
  page_.source_targets = explainer.training().Targets(used);
  const std::string path = out + "/explorer.html";
  WriteExplorer(path, page_);
  std::printf("wrote %s (%.1f MB): open it in a browser and hover over the query\n", path.c_str(),
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);
}

}  // namespace compnn::cli
