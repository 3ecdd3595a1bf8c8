#include "compnn/pipeline/eval_options.h"

#include "compnn/core/check.h"

namespace compnn {

void EvalOptions::Check() const {
  COMPNN_CHECK_OPTION(!split.empty(), "split", "must name a split");
  COMPNN_CHECK_OPTION(count >= 0, "count", "must not be negative, got ", count);
  COMPNN_CHECK_OPTION(!topk_images.empty(), "topk_images",
                      "must list at least one number of images");
  for (int k : topk_images) {
    COMPNN_CHECK_OPTION(k >= 0, "topk_images", "must not be negative, got ", k);
  }
  COMPNN_CHECK_OPTION(!k.empty(), "k", "must list at least one number of matches per cell");
  for (int v : k) {
    SearchRequest each;  // the range of matches per cell is the search's rule
    each.k = v;
    each.Check();
  }
  CheckNested("paste", paste);
  COMPNN_CHECK_OPTION(quality_queries >= 0, "quality_queries", "must not be negative, got ",
                      quality_queries);
  COMPNN_CHECK_OPTION(quality_topk >= 0, "quality_topk", "must not be negative, got ",
                      quality_topk);
  CheckNested("search", search);
}

std::vector<std::string> EvalLayers::Captured() const {
  std::vector<std::string> captured = evaluated;
  captured.push_back(penultimate);
  return captured;
}

EvalLayers ResolveEvalLayers(const FeatureStore& store, const EvalOptions& options) {
  EvalLayers layers;
  // StoreManifest::layer throws for a name the store lacks, listing the names it has.
  layers.evaluated = options.layers;
  if (layers.evaluated.empty()) layers.evaluated.push_back(DefaultExplainLayer(store));
  for (const std::string& l : layers.evaluated) store.manifest().layer(l);
  layers.penultimate =
      options.penultimate.empty() ? DefaultExplainLayer(store) : options.penultimate;
  store.manifest().layer(layers.penultimate);
  return layers;
}

std::vector<std::string> QueriesToEvaluate(std::vector<std::string> names,
                                           const EvalOptions& options) {
  if (options.count > 0 && static_cast<int>(names.size()) > options.count) {
    names.resize(options.count);
  }
  COMPNN_CHECK(!names.empty(), "the ", options.split, " split holds no images");
  return names;
}

bool ComparesWithExactSearch(const EvalOptions& options, int query, int topk) {
  return !options.search.searcher->traits().exact && query < options.quality_queries &&
         topk == options.quality_topk;
}

}  // namespace compnn
