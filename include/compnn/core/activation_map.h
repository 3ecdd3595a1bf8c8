// Activation maps and the database of training-image maps that the search engine reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace compnn {

// A read-only view of one activation map: height x width cells of `depth` channels each,
// channels last, row-major and contiguous. The memory belongs to the caller (often a
// memory-mapped feature store), so views are cheap to copy.
struct MapView {
  const float* data = nullptr;
  int height = 0;
  int width = 0;
  int depth = 0;

  int cells() const { return height * width; }
  const float* cell(int y, int x) const {
    return data + (static_cast<std::ptrdiff_t>(y) * width + x) * depth;
  }
};

// A map of float16 values (IEEE binary16, as float16 feature stores hold them), laid out as
// MapView. HyperPatch-Match reads such maps in place, converting only the cells it compares, so
// a search needs no float32 copy of its candidates.
struct HalfMapView {
  const std::uint16_t* data = nullptr;
  int height = 0;
  int width = 0;
  int depth = 0;

  int cells() const { return height * width; }
  const std::uint16_t* cell(int y, int x) const {
    return data + (static_cast<std::ptrdiff_t>(y) * width + x) * depth;
  }
};

// A map that owns its values (a query's activations, say).
struct OwnedMap {
  int height = 0, width = 0, depth = 0;
  std::vector<float> values;  // height * width * depth, channels last

  OwnedMap() = default;
  OwnedMap(int h, int w, int d)
      : height(h), width(w), depth(d), values(static_cast<std::size_t>(h) * w * d) {}
  float& at(int y, int x, int c) { return values[(std::size_t(y) * width + x) * depth + c]; }
  float at(int y, int x, int c) const { return values[(std::size_t(y) * width + x) * depth + c]; }
  MapView view() const { return {values.data(), height, width, depth}; }
};

// Throws std::invalid_argument, naming `what`, when the view is empty or malformed.
void ValidateMap(const MapView& map, const char* what);
void ValidateMap(const HalfMapView& map, const char* what);

// Throws std::invalid_argument, naming `what`, when a value is NaN or infinite.
void RequireFinite(const MapView& map, const char* what);

// The maps of the N database (training) images for one layer, as float32 (Database) or float16
// (HalfDatabase) views. Map sizes may differ between images; the depth may not.
template <typename View>
class MapDatabase {
 public:
  MapDatabase() = default;
  // Throws std::invalid_argument when a map is malformed or the depths differ.
  explicit MapDatabase(std::vector<View> maps);

  int size() const { return static_cast<int>(maps_.size()); }
  int depth() const { return maps_.empty() ? 0 : maps_.front().depth; }
  const View& operator[](int image) const { return maps_[image]; }

 private:
  std::vector<View> maps_;
};
using Database = MapDatabase<MapView>;
using HalfDatabase = MapDatabase<HalfMapView>;

// The images a search may use: `requested` sorted and de-duplicated, or every image when it is
// empty. Throws std::invalid_argument for an index outside the database or an empty database.
template <typename View>
std::vector<int> ResolveCandidates(const MapDatabase<View>& database,
                                   const std::vector<int>& requested);

// What every search checks before it starts: a non-empty finite query, a hyperpatch of at least
// 1 x 1, known candidates, and a query as deep as the database. Returns the resolved candidates;
// throws std::invalid_argument naming the problem.
struct HyperpatchShape;
template <typename View>
std::vector<int> CheckSearchInputs(const MapView& query, const MapDatabase<View>& database,
                                   const HyperpatchShape& hyperpatch,
                                   const std::vector<int>& requested_candidates);

}  // namespace compnn
