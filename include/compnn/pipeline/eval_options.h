// What compnn eval measures, and the decisions taken from its options before any query runs:
// which layers, which queries, and where an approximate search is compared with exact search. None
// of it needs the network, so it is checked (and tested) without one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compnn/explain/reconstruction.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/store_search.h"

namespace compnn {

struct EvalOptions {
  std::string split = "test";
  int count = 0;                    // first N images of the split; 0: all
  std::vector<std::string> layers;  // empty: the finest layer after the bottleneck
  // Training images kept by the global prefilter, a row each (0: every image, no prefilter).
  std::vector<int> topk_images = {1, 16, 32, 64};
  // Matches per cell, a row each: every prefilter is searched once with the largest, and a row of
  // a smaller k pastes the best k of those.
  std::vector<int> k = {1};
  StoreSearchOptions search;               // searcher, seed, threads (topk and k are set per row)
  PasteOptions paste;                      // overlapping blocks, vote power
  std::string penultimate;                 // GR (penultimate) layer; empty: the last decoder layer
  int quality_queries = 8;                 // the searcher against exact search on this many queries
  int quality_topk = 16;                   // ... over this many prefiltered images
  std::function<void(int, int)> progress;  // (queries done, queries)

  // Throws OptionError naming the field (search's as search.FIELD).
  void Check() const;
};

// The store layers an evaluation reads.
struct EvalLayers {
  std::vector<std::string> evaluated;  // the OR / IR rows' layers, in the order asked for
  std::string penultimate;             // the GR (penultimate) row's layer

  // The layers the network must give for every query: the evaluated ones, then the penultimate.
  std::vector<std::string> Captured() const;
};

// options.layers, or the store's default explain layer when none is named; options.penultimate,
// or the same default. Throws std::runtime_error for a layer the store lacks (naming those it
// has), or when a default is needed and the store has no decoder layer.
EvalLayers ResolveEvalLayers(const FeatureStore& store, const EvalOptions& options);

// The first options.count of a split's `names` (all when count is 0). Throws std::runtime_error
// when that leaves none.
std::vector<std::string> QueriesToEvaluate(std::vector<std::string> names,
                                           const EvalOptions& options);

// Whether query number `query`'s search over `topk` images is also run exactly, to measure the
// searcher: only for approximate ones (exact search would be compared with itself), only on the
// first quality_queries queries (exact search is slow) and only at the quality_topk row.
bool ComparesWithExactSearch(const EvalOptions& options, int query, int topk);

}  // namespace compnn
