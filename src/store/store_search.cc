#include "compnn/store/store_search.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/layer_choice.h"
#include "compnn/core/sharded_search.h"
#include "compnn/core/stopwatch.h"
#include "compnn/core/strings.h"
#include "compnn/core/thread_limit.h"
#include "compnn/store/cell_index_searcher.h"
#include "store_query_checks.h"

namespace compnn {

std::vector<int> AllowedOrAll(const FeatureStore& store, const std::vector<int>& allowed) {
  if (!allowed.empty()) {
    for (int i : allowed) {
      COMPNN_CHECK(i >= 0 && i < store.size(), "image index ", i, " is not in ", store.dir());
    }
    return allowed;
  }
  std::vector<int> all(store.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

void RequireSameDepth(const FeatureStore& store, const StoreLayer& layer, const MapView& query) {
  COMPNN_CHECK(query.depth == layer.depth, "the query's activations at ", layer.name, " have ",
               query.depth, " channels, but ", store.dir(), " holds ", layer.depth,
               " (was the store built from another model?)");
}

namespace {

// The searcher that serves a search of `candidates`: over every image, the layer's cell index
// when there is one, else the options' own.
std::shared_ptr<const Searcher> ServingSearcher(const FeatureStore& store, const std::string& layer,
                                                const StoreSearchOptions& o,
                                                const StoreSearchResult& result) {
  if (!o.use_cell_index || static_cast<int>(result.candidates.size()) != store.size()) {
    return o.searcher;
  }
  std::string why;
  std::shared_ptr<const CellIndex> index = CellIndex::Open(store, layer, result.hyperpatch, &why);
  if (!index) {
    // Noted only when every image was asked for: a prefilter as large as a small store is not.
    if (o.note && o.topk_images == 0) o.note(why);
    return o.searcher;
  }
  CellIndexSearchOptions options = o.cell_index;
  options.shortlist = std::max(options.shortlist, o.search.k);
  return std::make_shared<const CellIndexSearcher>(index, options);
}

// The candidates' maps searched by `searcher`: float16 ones in place when it reads them, and
// across ranks, each rank's run of the candidates only.
void SearchMaps(const FeatureStore& store, const StoreLayer& layer, const MapView& query,
                const Searcher& searcher, const StoreSearchOptions& o, StoreSearchResult& result) {
  const bool in_place = searcher.traits().reads_float16 && layer.dtype == DType::kFloat16;
  const bool sharded = searcher.traits().splits_across_ranks && o.ranks && o.ranks->size() > 1;
  const std::vector<int> shard =
      sharded ? ShardCandidates(result.candidates, o.ranks->rank(), o.ranks->size())
              : std::vector<int>{};
  const std::vector<int>& searched = sharded ? shard : result.candidates;
  auto start = Clock::now();
  // (Maps of no images would be all of them: a rank with an empty shard loads none.)
  const LayerMaps maps =
      in_place || searched.empty() ? LayerMaps{} : store.Maps(layer.name, searched);
  const HalfDatabase halves =
      in_place ? store.HalfMaps(layer.name, result.candidates) : HalfDatabase{};
  result.load_seconds = SecondsSince(start);

  start = Clock::now();
  SearchRequest request = o.search;
  request.hyperpatch = result.hyperpatch;
  request.candidates = result.candidates;
  if (sharded) {
    result.field = ShardedSearch(searcher, query, maps.database, shard, request, *o.ranks).field;
  } else {
    SearchResult found = in_place ? searcher.Search(query, halves, request)
                                  : searcher.Search(query, maps.database, request);
    result.field = std::move(found.field);
    result.iterations = static_cast<int>(found.iterations.size());
  }
  result.search_seconds = SecondsSince(start);
}

}  // namespace

void StoreSearchOptions::Check() const {
  COMPNN_CHECK_OPTION(searcher != nullptr, "searcher", "is not set");
  COMPNN_CHECK_OPTION(topk_images >= 0, "topk_images", "must not be negative, got ", topk_images);
  COMPNN_CHECK_OPTION(!hyperpatch || (hyperpatch->height >= 1 && hyperpatch->width >= 1 &&
                                      hyperpatch->height <= 64 && hyperpatch->width <= 64),
                      "hyperpatch", "sides must be in [1, 64], got ", hyperpatch->height, " x ",
                      hyperpatch->width);
  COMPNN_CHECK_OPTION(search.candidates.empty(), "search.candidates",
                      "is set by the store search: restrict the database with allowed");
  CheckNested("search", search);
  CheckNested("cell_index", cell_index);
}

bool StoreSearchOptions::SplitsAcross(const Ranks& ranks) const {
  return ranks.size() > 1 && searcher && searcher->traits().splits_across_ranks;
}

StoreSearchResult SearchStore(const FeatureStore& store, const std::string& layer_name,
                              const MapView& query, std::span<const float> query_global,
                              const StoreSearchOptions& o) {
  o.Check();
  const StoreLayer& layer = store.manifest().layer(layer_name);
  RequireSameDepth(store, layer, query);
  StoreSearchResult result;
  result.hyperpatch = o.hyperpatch.value_or(layer.hyperpatch);
  auto start = Clock::now();
  const std::vector<int> allowed = AllowedOrAll(store, o.allowed);
  const DescriptorMatrix globals = store.Globals();
  // A descriptor given is checked even where no prefilter reads it: it says which model made it.
  COMPNN_CHECK(query_global.empty() || static_cast<int>(query_global.size()) == globals.length,
               "the query's global descriptor has ", query_global.size(), " values, but ",
               store.dir(), "/global.npy holds ", globals.length, " per image (",
               store.manifest().global_layer, ", flattened)");
  if (o.topk_images > 0 && o.topk_images < static_cast<int>(allowed.size())) {
    COMPNN_CHECK(!query_global.empty(), "the prefilter needs the query's global descriptor");
    result.candidates = GlobalTopK(query_global, globals, o.topk_images, allowed);
  } else {
    result.candidates = allowed;
  }
  result.prefilter_seconds = SecondsSince(start);
  result.searcher = ServingSearcher(store, layer_name, o, result);
  result.searched_by = result.searcher->Describe();
  result.used_cell_index = result.searcher != o.searcher;
  SearchMaps(store, layer, query, *result.searcher, o, result);
  return result;
}

std::string DefaultExplainLayer(const FeatureStore& store) {
  std::vector<std::string> names;
  std::vector<LayerShape> shapes;
  for (const StoreLayer& l : store.manifest().layers) {
    names.push_back(l.name);
    shapes.push_back({l.name, l.height, l.width, l.stride});
  }
  const std::string layer = DefaultExplainLayer(shapes, store.manifest().global_layer);
  COMPNN_CHECK(!layer.empty(), store.dir(),
               ": no stored layer follows the bottleneck, so there is no default layer; name one "
               "(it has ",
               Join(names), ")");
  return layer;
}

}  // namespace compnn
