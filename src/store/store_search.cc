#include "compnn/store/store_search.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/layer_choice.h"
#include "compnn/core/search.h"
#include "compnn/core/sharded_search.h"
#include "compnn/core/stopwatch.h"
#include "compnn/core/strings.h"
#include "compnn/core/thread_limit.h"

namespace compnn {
namespace {

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

// The search over every image through the cell index: its shortlists ranked against the stored
// cells, float16 ones read in place.
void SearchWithCellIndex(const FeatureStore& store, const StoreLayer& layer, const MapView& query,
                         const CellIndex& index, const StoreSearchOptions& o,
                         StoreSearchResult& result) {
  CellIndexSearchOptions search = o.cell_index;
  search.shortlist = std::max(search.shortlist, o.search.k);
  auto start = Clock::now();
  const bool half = layer.dtype == DType::kFloat16;
  const HalfDatabase halves = half ? store.HalfMaps(layer.name) : HalfDatabase{};
  const LayerMaps maps = half ? LayerMaps{} : store.Maps(layer.name);
  result.load_seconds = SecondsSince(start);
  start = Clock::now();
  const int k = o.search.k, threads = o.search.threads;
  result.field = half ? index.Search(query, halves, k, search, threads)
                      : index.Search(query, maps.database, k, search, threads);
  result.search_seconds = SecondsSince(start);
  result.searched_by = index.Describe(search);
  result.used_cell_index = true;
}

}  // namespace

void StoreSearchOptions::Check() const {
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
  if (o.topk_images > 0 && o.topk_images < static_cast<int>(allowed.size())) {
    const DescriptorMatrix globals = store.Globals();
    COMPNN_CHECK(static_cast<int>(query_global.size()) == globals.length,
                 "the query's global descriptor has ", query_global.size(), " values, but ",
                 store.dir(), "/global.npy holds ", globals.length, " per image");
    result.candidates = GlobalTopK(query_global, globals, o.topk_images, allowed);
  } else {
    result.candidates = allowed;
  }
  result.prefilter_seconds = SecondsSince(start);

  // Over every image, the cell index serves when there is one.
  std::shared_ptr<const CellIndex> cell_index;
  if (o.use_cell_index && static_cast<int>(result.candidates.size()) == store.size()) {
    std::string why;
    cell_index = CellIndex::Open(store, layer_name, result.hyperpatch, &why);
    // Noted only when every image was asked for: a prefilter as large as a small store is not.
    if (!cell_index && o.note && o.topk_images == 0) o.note(why);
  }
  if (cell_index) {
    SearchWithCellIndex(store, layer, query, *cell_index, o, result);
    return result;
  }
  result.searched_by = ToString(o.search.method);

  // HyperPatch-Match reads float16 layers in place; exact search multiplies float32 copies.
  const bool in_place =
      o.search.method == SearchMethod::kHyperPatchMatch && layer.dtype == DType::kFloat16;
  // Across ranks, each loads and searches its run of the candidates only.
  const bool sharded = o.search.method == SearchMethod::kExact && o.ranks && o.ranks->size() > 1;
  const std::vector<int> shard =
      sharded ? ShardCandidates(result.candidates, o.ranks->rank(), o.ranks->size())
              : std::vector<int>{};
  const std::vector<int>& searched = sharded ? shard : result.candidates;
  start = Clock::now();
  // (Maps of no images would be all of them: a rank with an empty shard loads none.)
  const LayerMaps maps =
      in_place || searched.empty() ? LayerMaps{} : store.Maps(layer_name, searched);
  const HalfDatabase halves =
      in_place ? store.HalfMaps(layer_name, result.candidates) : HalfDatabase{};
  result.load_seconds = SecondsSince(start);

  start = Clock::now();
  SearchOptions search = o.search;
  search.hyperpatch = result.hyperpatch;
  search.candidates = result.candidates;
  if (sharded) {
    result.field =
        ShardedExactSearch(query, maps.database, shard, search.ForExact(), *o.ranks).field;
  } else {
    SearchResult found =
        in_place ? Search(query, halves, search) : Search(query, maps.database, search);
    result.field = std::move(found.field);
    result.iterations = static_cast<int>(found.iterations.size());
  }
  result.search_seconds = SecondsSince(start);
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

int NearestByWholeMap(const FeatureStore& store, const std::string& layer_name,
                      const MapView& query, const std::vector<int>& allowed_in) {
  const StoreLayer& layer = store.manifest().layer(layer_name);
  RequireSameDepth(store, layer, query);
  COMPNN_CHECK(query.height == layer.height && query.width == layer.width, "the query's map at ",
               layer_name, " is ", query.height, " x ", query.width, ", the store's ", layer.height,
               " x ", layer.width);
  const std::vector<int> allowed = AllowedOrAll(store, allowed_in);
  const std::size_t length = static_cast<std::size_t>(query.cells()) * query.depth;
  const std::span<const float> q(query.data, length);
  int best = -1;
  double best_similarity = -2.0;
  constexpr std::size_t kChunk = 32;  // images converted at once (float16 stores)
  for (std::size_t begin = 0; begin < allowed.size(); begin += kChunk) {
    const std::vector<int> chunk(allowed.begin() + begin,
                                 allowed.begin() + std::min(allowed.size(), begin + kChunk));
    const LayerMaps maps = store.Maps(layer_name, chunk);
    for (int image : chunk) {
      const double similarity =
          Cosine(q, std::span<const float>(maps.database[image].data, length));
      if (similarity > best_similarity) {
        best_similarity = similarity;
        best = image;
      }
    }
  }
  COMPNN_CHECK(best >= 0, "no finite similarity at ", layer_name, " (NaN or Inf activations)");
  return best;
}

}  // namespace compnn
