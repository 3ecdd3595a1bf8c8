#include "compnn/core/hyperpatch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "cell_dot.h"
#include "compnn/core/half.h"

namespace compnn {

void ValidateHyperpatch(const HyperpatchShape& shape) {
  if (shape.height < 1 || shape.width < 1) {
    throw std::invalid_argument("hyperpatch must be at least 1 x 1, got " +
                                std::to_string(shape.height) + " x " + std::to_string(shape.width));
  }
}

void ValidateHyperpatch(const HyperpatchShape& shape, int map_height, int map_width, int depth) {
  ValidateHyperpatch(shape);
  if (shape.height > std::max(2, map_height) || shape.width > std::max(2, map_width)) {
    throw std::invalid_argument("hyperpatch " + std::to_string(shape.height) + " x " +
                                std::to_string(shape.width) + " is larger than the " +
                                std::to_string(map_height) + " x " + std::to_string(map_width) +
                                " map");
  }
  if (static_cast<std::int64_t>(shape.height) * shape.width * depth >
      std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument("hyperpatch " + std::to_string(shape.height) + " x " +
                                std::to_string(shape.width) + " of " + std::to_string(depth) +
                                " channels holds more than 2^31 values");
  }
}

void GatherHyperpatch(const MapView& map, const HyperpatchShape& shape, int y, int x, float* out) {
  const int y0 = y - shape.top();
  const int x0 = x - shape.left();
  for (int dy = 0; dy < shape.height; ++dy) {
    const int cy = std::clamp(y0 + dy, 0, map.height - 1);
    for (int dx = 0; dx < shape.width; ++dx) {
      const int cx = std::clamp(x0 + dx, 0, map.width - 1);
      std::memcpy(out, map.cell(cy, cx), sizeof(float) * map.depth);
      out += map.depth;
    }
  }
}

bool PackUnitHyperpatches(const MapView& map, const HyperpatchShape& shape, int first_cell,
                          int count, float* out) {
  const int length = shape.length(map.depth);
  bool finite = true;
  for (int i = 0; i < count; ++i) {
    const int cell = first_cell + i;
    float* row = out + static_cast<std::ptrdiff_t>(i) * length;
    GatherHyperpatch(map, shape, cell / map.width, cell % map.width, row);
    double squared = 0.0;
#pragma omp simd reduction(+ : squared)
    for (int j = 0; j < length; ++j) squared += static_cast<double>(row[j]) * row[j];
    if (!std::isfinite(squared)) finite = false;
    // A zero block stays zero: its cosine with anything is then 0, never NaN. Blocks of denormal
    // activations (1e-42), whose scale a float cannot hold, are scaled in double.
    const double scale = squared > 0.0 ? 1.0 / std::sqrt(squared) : 0.0;
    const float float_scale = static_cast<float>(scale);
    if (std::isfinite(float_scale)) {
      for (int j = 0; j < length; ++j) row[j] *= float_scale;
    } else {
      for (int j = 0; j < length; ++j) row[j] = static_cast<float>(row[j] * scale);
    }
  }
  return finite;
}

std::vector<float> UnitHyperpatchRows(const MapView& map, const HyperpatchShape& shape,
                                      int threads) {
  const std::size_t length = shape.length(map.depth);
  std::vector<float> rows(static_cast<std::size_t>(map.cells()) * length);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int cell = 0; cell < map.cells(); ++cell) {
    PackUnitHyperpatches(map, shape, cell, 1, rows.data() + cell * length);
  }
  return rows;
}

namespace {

// A cell's values as floats: a float32 map's own, or a float16 map's converted into `buffer`
// (depth floats). Both then go through the same arithmetic, so a float16 map's norms are exactly
// those of its float32 copy.
inline const float* CellValues(const MapView& map, int y, int x, float*) { return map.cell(y, x); }
inline const float* CellValues(const HalfMapView& map, int y, int x, float* buffer) {
  HalvesToFloats(map.cell(y, x), buffer, map.depth);
  return buffer;
}

template <typename View>
constexpr bool kConverts = std::is_same_v<View, HalfMapView>;

// In double: the squares of large activations (1e20) overflow a float and those of denormal ones
// (1e-42) vanish in it.
template <typename View>
std::vector<double> AnyCellSquaredNorms(const View& map) {
  std::vector<double> norms(static_cast<std::size_t>(map.cells()));
  std::vector<float> buffer(kConverts<View> ? map.depth : 0);
  for (int cell = 0; cell < map.cells(); ++cell) {
    const float* v = CellValues(map, cell / map.width, cell % map.width, buffer.data());
    double squared = 0.0;
#pragma omp simd reduction(+ : squared)
    for (int c = 0; c < map.depth; ++c) squared += static_cast<double>(v[c]) * v[c];
    norms[cell] = squared;
  }
  return norms;
}

template <typename View>
float AnyCosineToCell(const float* unit_query, const View& map, const double* cell_squared_norms,
                      const HyperpatchShape& shape, int y, int x) {
  const int depth = map.depth;
  const int y0 = y - shape.top();
  const int x0 = x - shape.left();
  internal::HyperpatchDot accumulator;
  double squared = 0.0;
  for (int dy = 0; dy < shape.height; ++dy) {
    const int cy = std::clamp(y0 + dy, 0, map.height - 1);
    for (int dx = 0; dx < shape.width; ++dx) {
      const int cx = std::clamp(x0 + dx, 0, map.width - 1);
      squared += cell_squared_norms[cy * map.width + cx];
      accumulator.Add(unit_query, map.cell(cy, cx), depth);
      unit_query += depth;
    }
  }
  const float dot = accumulator.Sum();
  if (!std::isfinite(dot) || !std::isfinite(squared)) return NAN;
  return squared > 0.0 ? static_cast<float>(dot / std::sqrt(squared)) : 0.0f;
}

}  // namespace

std::vector<double> CellSquaredNorms(const MapView& map) { return AnyCellSquaredNorms(map); }
std::vector<double> CellSquaredNorms(const HalfMapView& map) { return AnyCellSquaredNorms(map); }

float CosineToCell(const float* unit_query, const MapView& map, const double* cell_squared_norms,
                   const HyperpatchShape& shape, int y, int x) {
  return AnyCosineToCell(unit_query, map, cell_squared_norms, shape, y, x);
}
float CosineToCell(const float* unit_query, const HalfMapView& map,
                   const double* cell_squared_norms, const HyperpatchShape& shape, int y, int x) {
  return AnyCosineToCell(unit_query, map, cell_squared_norms, shape, y, x);
}

}  // namespace compnn
