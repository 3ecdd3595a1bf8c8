// compnn sweep (paper, Figures 5 and 6): each query explained at every chosen layer, its input and
// output reconstructions in one labelled grid beside the query, the network's output and the
// ground truth.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compnn/pipeline/explainer.h"
#include "compnn/pipeline/explorer_builder.h"

namespace compnn {

struct SweepOptions {
  std::vector<std::string> layers;  // empty: every stored layer, in the store's order
  StoreSearchOptions search;
  PasteOptions paste;
  bool html = false;  // also OUT/explorer.html
  std::vector<ExplorerLink> links;

  // Throws OptionError naming the field (search's as search.FIELD).
  void Check() const;
};

// One query's sweep, for progress reports.
struct SweptQuery {
  std::string name, folder;  // folder: OUT/<folder>/sweep.png
  std::size_t layers = 0;
  double seconds = 0;
};

// A sweep's options checked and its layers resolved against the store before any query is
// loaded, so that a bad option or layer name is reported first.
class LayerSweep {
 public:
  // Throws OptionError for options out of range, std::runtime_error for a layer the store lacks.
  LayerSweep(Explainer& explainer, SweepOptions options);

  // Writes OUT/<SafeName(query)>/{sweep.png, LAYER-*-reconstruction.png, LAYER-nnf.npy,
  // LAYER-similarity.npy, summary.json} (each folder whole, or not at all), OUT/summary.json, and
  // with html the explorer page, whose path it returns ("" without html). `progress` (may be
  // empty) is told of each query as it is done.
  std::string Run(const std::vector<Query>& queries, const std::string& out,
                  const std::function<void(int, int, const SweptQuery&)>& progress = {});

 private:
  Explainer& explainer_;
  SweepOptions options_;  // layers resolved
};

}  // namespace compnn
