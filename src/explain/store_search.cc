#include "compnn/store_search.h"

#include <numeric>
#include <stdexcept>

#include "compnn/exact_search.h"
#include "compnn/global_prefilter.h"
#include "compnn/stopwatch.h"

namespace compnn {
namespace {

std::vector<int> AllowedOrAll(const FeatureStore& store, const std::vector<int>& allowed) {
  if (!allowed.empty()) {
    for (int i : allowed) {
      if (i < 0 || i >= store.size())
        throw std::runtime_error("image index " + std::to_string(i) + " is not in the store");
    }
    return allowed;
  }
  std::vector<int> all(store.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

void RequireSameDepth(const FeatureStore& store, const StoreLayer& layer, const MapView& query) {
  if (query.depth != layer.depth)
    throw std::runtime_error("the query's activations at " + layer.name + " have " +
                             std::to_string(query.depth) + " channels, but " + store.dir() +
                             " holds " + std::to_string(layer.depth) +
                             " (was the store built from another model?)");
}

}  // namespace

StoreSearchResult SearchStore(const FeatureStore& store, const std::string& layer_name,
                              const MapView& query, std::span<const float> query_global,
                              const StoreSearchOptions& o) {
  const StoreLayer& layer = store.manifest().layer(layer_name);
  RequireSameDepth(store, layer, query);
  if (o.method != "hpm" && o.method != "exact")
    throw std::runtime_error("--method must be hpm or exact, got '" + o.method + "'");
  if (o.topk_images < 0) throw std::runtime_error("--topk-images must not be negative");
  StoreSearchResult result;
  auto start = Clock::now();
  const std::vector<int> allowed = AllowedOrAll(store, o.allowed);
  if (o.topk_images > 0 && o.topk_images < static_cast<int>(allowed.size())) {
    const DescriptorMatrix globals = store.Globals();
    if (static_cast<int>(query_global.size()) != globals.length)
      throw std::runtime_error("the query's global descriptor has " +
                               std::to_string(query_global.size()) + " values, but " + store.dir() +
                               "/global.npy holds " + std::to_string(globals.length) +
                               " per image");
    result.candidates = GlobalTopK(query_global, globals, o.topk_images, allowed);
  } else {
    result.candidates = allowed;
  }
  result.prefilter_seconds = SecondsSince(start);

  start = Clock::now();
  const LayerMaps maps = store.Maps(layer_name, result.candidates);
  result.load_seconds = SecondsSince(start);

  start = Clock::now();
  if (o.method == "exact") {
    ExactSearchOptions exact;
    exact.hyperpatch = layer.hyperpatch;
    exact.candidates = result.candidates;
    exact.threads = o.threads;
    result.field = ExactSearch(query, maps.database, exact);
  } else {
    PatchMatchOptions hpm = o.patch_match;
    hpm.hyperpatch = layer.hyperpatch;
    hpm.candidates = result.candidates;
    hpm.threads = o.threads;
    PatchMatchResult found = HyperPatchMatch(query, maps.database, hpm);
    result.field = std::move(found.field);
    result.iterations = static_cast<int>(found.iterations.size());
  }
  result.search_seconds = SecondsSince(start);
  return result;
}

std::string LastDecoderLayer(const FeatureStore& store) {
  std::string layer;
  for (const StoreLayer& l : store.manifest().layers) {
    if (l.name.starts_with("decoder")) layer = l.name;
  }
  if (layer.empty()) throw std::runtime_error(store.dir() + " has no decoder layer; name a layer");
  return layer;
}

int NearestByWholeMap(const FeatureStore& store, const std::string& layer_name,
                      const MapView& query, const std::vector<int>& allowed_in) {
  const StoreLayer& layer = store.manifest().layer(layer_name);
  RequireSameDepth(store, layer, query);
  if (query.height != layer.height || query.width != layer.width)
    throw std::runtime_error("the query's map at " + layer_name + " is " +
                             std::to_string(query.height) + " x " + std::to_string(query.width) +
                             ", the store's " + std::to_string(layer.height) + " x " +
                             std::to_string(layer.width));
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
  if (best < 0)
    throw std::runtime_error("no finite similarity at " + layer_name + " (NaN or Inf activations)");
  return best;
}

}  // namespace compnn
