// Activation maps and the database of training-image maps that the search engine reads.
#pragma once

#include <cstddef>
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

// Throws std::invalid_argument, naming `what`, when a value is NaN or infinite.
void RequireFinite(const MapView& map, const char* what);

// The maps of the N database (training) images for one layer. Map sizes may differ between
// images; the depth may not.
class Database {
 public:
  Database() = default;
  // Throws std::invalid_argument when a map is malformed or the depths differ.
  explicit Database(std::vector<MapView> maps);

  int size() const { return static_cast<int>(maps_.size()); }
  int depth() const { return maps_.empty() ? 0 : maps_.front().depth; }
  const MapView& operator[](int image) const { return maps_[image]; }

 private:
  std::vector<MapView> maps_;
};

// The images a search may use: `requested` sorted and de-duplicated, or every image when it is
// empty. Throws std::invalid_argument for an index outside the database or an empty database.
std::vector<int> ResolveCandidates(const Database& database, const std::vector<int>& requested);

// What every search checks before it starts: a non-empty finite query, a hyperpatch of at least
// 1 x 1, known candidates, and a query as deep as the database. Returns the resolved candidates;
// throws std::invalid_argument naming the problem.
struct HyperpatchShape;
std::vector<int> CheckSearchInputs(const MapView& query, const Database& database,
                                   const HyperpatchShape& hyperpatch,
                                   const std::vector<int>& requested_candidates);

}  // namespace compnn
