// --html for explain, sweep and control: the explanations of a run gathered into one explorer
// page, OUT/explorer.html (see compnn/explain/explorer.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "compnn/explain/explorer.h"
#include "compnn/models/explainer.h"

namespace compnn::cli {

struct HtmlOptions {
  bool html = false;
  std::vector<std::string> links;  // TEXT=HREF
};

// Registers --html and --html-link.
void AddHtmlOptions(CLI::App* cmd, HtmlOptions* o);

// Collects the queries and fields of a run when --html was given; does nothing otherwise.
class ExplorerOutput {
 public:
  ExplorerOutput(const HtmlOptions& options, std::string title, std::string first_layer);
  bool enabled() const { return enabled_; }

  // A query and the network's output on it; the fields added next belong to it.
  void AddQuery(const Query& query, const cv::Mat& output);
  // One explanation of the last query added at `layer`, against `database` (empty: all training
  // images).
  void AddField(const std::string& layer, const std::string& database, const LayerExplanation& e);
  // The credibility of the last query added, and the neighbours behind it.
  void AddCredibility(ExplorerCredibility credibility);
  // Writes OUT/explorer.html with the training images the fields use, and says where.
  void Write(Explainer& explainer, const std::string& out);

 private:
  bool enabled_ = false;
  ExplorerPage page_;
};

}  // namespace compnn::cli
