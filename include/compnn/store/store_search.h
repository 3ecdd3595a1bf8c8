// Searching a feature store's layer for a query's matches: the global prefilter, the user's
// restriction of the database, then exact search, HyperPatch-Match or projected search over the
// candidates' maps
// (read through the memory mapping, so memory follows the candidates, not the store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "compnn/core/ranks.h"
#include "compnn/core/search_method.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/feature_store.h"

namespace compnn {

struct StoreSearchOptions {
  SearchMethod method = SearchMethod::kHyperPatchMatch;
  int topk_images = 16;  // candidates kept by the global prefilter; 0: no prefilter
  // Every random choice of the search: HyperPatch-Match's initial field and random images,
  // projected search's sample (their own seeds must stay 0: Check refuses another).
  std::uint64_t seed = 0;
  std::vector<int> allowed;          // the database images the user allows; empty: all
  PatchMatchOptions patch_match;     // its hyperpatch and candidates are set from the store
  ProjectedSearchOptions projected;  // likewise
  int threads = 0;                   // 0: every core (rules over patch_match.threads)
  // The hyperpatch compared around each cell; empty: the layer's (recorded at index time). A
  // larger one covers more of the context the next layers read.
  std::optional<HyperpatchShape> hyperpatch;
  // Matches kept per query cell, best first (rules over patch_match.top_k and projected.top_k;
  // a projected shortlist shorter than k grows to k).
  int k = 1;
  // Exact search split across these ranks (core/ranks.h): each searches a run of the candidates
  // and the field is merged on rank 0, the same to the bit as one process's; every rank must
  // search. Null (or one rank): this process searches alone. Other methods ignore it.
  const Ranks* ranks = nullptr;
  // A search over every image of the store (no prefilter, no restriction) uses the layer's cell
  // index (store/cell_index.h) when the store has one for the hyperpatch compared, whatever the
  // method; the method searches as it would without one when it is missing or stale, which
  // `note` is told (one line) when every image was asked for (topk_images 0).
  bool use_cell_index = true;
  CellIndexSearchOptions cell_index;  // a shortlist shorter than k grows to k
  std::function<void(const std::string&)> note;

  // Throws OptionError naming the field (patch_match's as patch_match.FIELD, projected's as
  // projected.FIELD).
  void Check() const;
};

struct StoreSearchResult {
  CorrespondenceField field;    // with ranks: complete on rank 0; the others hold their own part
  std::vector<int> candidates;  // store image indices searched, most similar globally first
  HyperpatchShape hyperpatch;   // the shape compared
  int iterations = 0;           // HyperPatch-Match iterations run
  // What found the field: the method's name ("hpm", "exact", "projected"), or the cell index
  // with its settings (CellIndex::Describe).
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

}  // namespace compnn
