// compnn control (paper, Figure 8b): a query's output reconstruction from databases restricted by
// dataset attributes or image lists, beside the one from every training image.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "compnn/pipeline/explainer.h"
#include "compnn/pipeline/explorer_builder.h"

namespace compnn {

struct ControlOptions {
  std::string layer;  // empty: DefaultExplainLayer
  // A database each: the training images whose attributes satisfy a condition
  // (explain/attribute_filter.h), or those named in a list.
  std::vector<std::string> where;
  std::vector<std::vector<std::string>> images;
  StoreSearchOptions search;  // its `allowed` is set for each database
  PasteOptions paste;
  bool html = false;  // also OUT/explorer.html
  std::vector<ExplorerLink> links;

  // Throws OptionError naming the field: no database, an empty condition or list, and search's
  // own.
  void Check() const;
};

// One query's databases, for progress reports.
struct ControlledQuery {
  std::string name, folder;  // folder: OUT/<folder>/control.png
  std::size_t databases = 0;
};

// A property control's options checked and its databases resolved against the store (and the
// dataset's attributes) before any query is loaded, so that errors come first.
class PropertyControl {
 public:
  // Throws OptionError for options out of range, std::runtime_error for an unknown layer, a
  // restriction that allows no image or names an image the store lacks.
  PropertyControl(Explainer& explainer, ControlOptions options);

  // Writes OUT/<SafeName(query)>/{control.png, summary.json, output-reconstruction-D.png,
  // database-D-nnf.npy, database-D-similarity.npy} (each folder whole, or not at all),
  // OUT/summary.json, and with html the explorer page, whose path it returns ("" without html).
  std::string Run(const std::vector<Query>& queries, const std::string& out,
                  const std::function<void(int, int, const ControlledQuery&)>& progress = {});

 private:
  Explainer& explainer_;
  ControlOptions options_;  // layer resolved
  // Each database's name and images (store indices; empty: all), every training image first.
  std::vector<std::pair<std::string, std::vector<int>>> databases_;
};

}  // namespace compnn
