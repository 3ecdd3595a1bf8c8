// The global reconstruction's choice (store_search.h): one pass over a layer's maps for a batch
// of queries, images in parallel, each similarity in float blocks summed in double.
#include <span>
#include <vector>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/half.h"
#include "compnn/store/store_search.h"
#include "store_query_checks.h"

namespace compnn {
namespace {

// Values summed in float (vectorised) before they join the double sums: short enough that float
// rounding stays far below the gaps between images' similarities.
constexpr std::size_t kBlock = 4096;

float Dot(const float* a, const float* b, std::size_t count) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < count; ++i) sum += a[i] * b[i];
  return sum;
}

// One stored map against every query: each query's dot product and the map's squared norm.
struct MapSums {
  std::vector<double> dots;
  double norm = 0.0;
};

// The map's values from `at` on, as floats: in place (float32) or converted into `block`.
const float* BlockOf(const float* map, std::size_t at, std::size_t, std::vector<float>&) {
  return map + at;
}
const float* BlockOf(const std::uint16_t* map, std::size_t at, std::size_t count,
                     std::vector<float>& block) {
  HalvesToFloats(map + at, block.data(), count);
  return block.data();
}

template <typename Value>
MapSums SumsWith(const std::vector<MapView>& queries, std::size_t length, const Value* map) {
  thread_local std::vector<float> block(kBlock);
  MapSums sums{std::vector<double>(queries.size(), 0.0)};
  for (std::size_t at = 0; at < length; at += kBlock) {
    const std::size_t count = std::min(kBlock, length - at);
    const float* values = BlockOf(map, at, count, block);
    sums.norm += Dot(values, values, count);
    for (std::size_t q = 0; q < queries.size(); ++q)
      sums.dots[q] += Dot(queries[q].data + at, values, count);
  }
  return sums;
}

// For each query, the allowed image of the highest cosine (-1 where none is finite).
template <typename Maps>
std::vector<int> Nearest(const std::vector<MapView>& queries, const Maps& maps,
                         const std::vector<int>& allowed) {
  const std::size_t length =
      static_cast<std::size_t>(queries.front().cells()) * queries.front().depth;
  std::vector<double> query_norms;
  for (const MapView& q : queries) query_norms.push_back(Dot(q.data, q.data, length));
  std::vector<MapSums> sums(allowed.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t i = 0; i < allowed.size(); ++i)
    sums[i] = SumsWith(queries, length, maps[allowed[i]].data);
  std::vector<int> best(queries.size(), -1);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    double best_similarity = -2.0;
    for (std::size_t i = 0; i < allowed.size(); ++i) {
      const double similarity = CosineOfSums(sums[i].dots[q], query_norms[q], sums[i].norm);
      if (similarity > best_similarity) {  // false for NaN
        best_similarity = similarity;
        best[q] = allowed[i];
      }
    }
  }
  return best;
}

}  // namespace

std::vector<int> NearestByWholeMap(const FeatureStore& store, const std::string& layer_name,
                                   const std::vector<MapView>& queries,
                                   const std::vector<int>& allowed_in) {
  const StoreLayer& layer = store.manifest().layer(layer_name);
  for (const MapView& query : queries) {
    RequireSameDepth(store, layer, query);
    COMPNN_CHECK(query.height == layer.height && query.width == layer.width, "the query's map at ",
                 layer_name, " is ", query.height, " x ", query.width, ", the store's ",
                 layer.height, " x ", layer.width);
  }
  if (queries.empty()) return {};
  const std::vector<int> allowed = AllowedOrAll(store, allowed_in);
  // Both read the memory-mapped file in place: nothing of the layer is copied.
  const std::vector<int> best =
      layer.dtype == DType::kFloat16
          ? Nearest(queries, store.HalfMaps(layer_name, allowed), allowed)
          : Nearest(queries, store.Maps(layer_name, allowed).database, allowed);
  for (int b : best)
    COMPNN_CHECK(b >= 0, "no finite similarity at ", layer_name, " (NaN or Inf activations)");
  return best;
}

int NearestByWholeMap(const FeatureStore& store, const std::string& layer, const MapView& query,
                      const std::vector<int>& allowed) {
  return NearestByWholeMap(store, layer, std::vector<MapView>{query}, allowed).front();
}

}  // namespace compnn
