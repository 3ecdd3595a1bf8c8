// The explorer page of a run of explanations (compnn/explain/explorer.h), gathered query by query:
// OUT/explorer.html of explain, sweep and control.
#pragma once

#include <string>
#include <vector>

#include "compnn/explain/explorer.h"
#include "compnn/pipeline/explainer.h"

namespace compnn {

class ExplorerBuilder {
 public:
  // A builder that is not `enabled` collects nothing and writes nothing, so a run calls it alike
  // with and without a page.
  ExplorerBuilder(bool enabled, std::string title, std::string first_layer,
                  std::vector<ExplorerLink> links = {});
  bool enabled() const { return enabled_; }

  // A query and the network's output on it; the fields added next belong to it.
  void AddQuery(const Query& query, const cv::Mat& output);
  // One explanation of the last query added at `layer`, against `database` (empty: all training
  // images).
  void AddField(const std::string& layer, const std::string& database, const LayerExplanation& e);
  // The credibility of the last query added, and the neighbours behind it.
  void AddCredibility(ExplorerCredibility credibility);
  // Writes OUT/explorer.html with the training images the page uses; returns its path ("" when
  // not enabled).
  std::string Write(Explainer& explainer, const std::string& out);

 private:
  bool enabled_ = false;
  ExplorerPage page_;
};

}  // namespace compnn
