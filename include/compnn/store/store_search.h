// Searching a feature store's layer for a query's matches: the global prefilter, the user's
// restriction of the database, then a searcher (core/searcher.h) over the candidates' maps (read
// through the memory mapping, so memory follows the candidates, not the store), or the layer's
// cell index over every image.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compnn/core/ranks.h"
#include "compnn/core/searcher.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/feature_store.h"

namespace compnn {

struct StoreSearchOptions {
  // The method, with its own parameters (core/searcher.h).
  std::shared_ptr<const Searcher> searcher = DefaultSearcher();
  // What every search takes: matches per cell (k), the seed and threads. Its hyperpatch and
  // candidates are the store search's to set, from `hyperpatch` below (or the layer's) and from
  // the prefilter over `allowed`: Check refuses candidates given there.
  SearchRequest search;
  int topk_images = 16;      // candidates kept by the global prefilter; 0: no prefilter
  std::vector<int> allowed;  // the database images the user allows; empty: all
  // The hyperpatch compared around each cell; empty: the layer's (recorded at index time). A
  // larger one covers more of the context the next layers read.
  std::optional<HyperpatchShape> hyperpatch;
  // A searcher that splits across ranks (SearcherTraits: exact search) split across these
  // (core/ranks.h): each searches a run of the candidates and the field is merged on rank 0, the
  // same to the bit as one process's; every rank must search. Null (or one rank): this process
  // searches alone. Other searchers ignore it.
  const Ranks* ranks = nullptr;
  // A search over every image of the store (no prefilter, no restriction) uses the layer's cell
  // index (store/cell_index.h) when the store has one for the hyperpatch compared, whatever the
  // method; the method searches as it would without one when it is missing or stale, which
  // `note` is told (one line) when every image was asked for (topk_images 0).
  bool use_cell_index = true;
  CellIndexSearchOptions cell_index;  // a shortlist shorter than search.k grows to it
  std::function<void(const std::string&)> note;

  // Throws OptionError naming the field (search's as search.FIELD, e.g. search.k).
  void Check() const;

  // Whether a search with these options splits each query across `ranks`.
  bool SplitsAcross(const Ranks& ranks) const;
};

struct StoreSearchResult {
  CorrespondenceField field;    // with ranks: complete on rank 0; the others hold their own part
  std::vector<int> candidates;  // store image indices searched, most similar globally first
  HyperpatchShape hyperpatch;   // the shape compared
  int iterations = 0;           // HyperPatch-Match iterations run
  // What found the field: the options' searcher, or the layer's cell index in its stead; and it
  // described (Searcher::Describe).
  std::shared_ptr<const Searcher> searcher;
  std::string searched_by;
  bool used_cell_index = false;
  double prefilter_seconds = 0, load_seconds = 0, search_seconds = 0;
};

// Throws OptionError for options out of range (see Check), std::runtime_error for a layer the
// store lacks, a query whose depth differs from the layer's (a store built from another model),
// an empty allowed set, or a global descriptor of the wrong length.
StoreSearchResult SearchStore(const FeatureStore& store, const std::string& layer,
                              const MapView& query, std::span<const float> query_global,
                              const StoreSearchOptions& options);

// The layer explanations default to (core/layer_choice.h): after the bottleneck, the last stored
// layer of the finest stride (decoder2 in pix2pix: the paper's best, and the penultimate layer of
// Table 1's GR). Throws std::runtime_error listing the layers when no stored layer follows the
// bottleneck.
std::string DefaultExplainLayer(const FeatureStore& store);

// The global reconstruction's choice (paper, Table 1): the allowed image whose whole map at
// `layer`, flattened, is most similar (cosine) to the query's. Reads the store in chunks.
int NearestByWholeMap(const FeatureStore& store, const std::string& layer, const MapView& query,
                      const std::vector<int>& allowed = {});
// The same for several queries at once, in one pass over the layer (which a query's choice reads
// whole): the nearest image of each, in the queries' order.
std::vector<int> NearestByWholeMap(const FeatureStore& store, const std::string& layer,
                                   const std::vector<MapView>& queries,
                                   const std::vector<int>& allowed = {});

}  // namespace compnn
