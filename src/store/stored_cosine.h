// Cosines of a query's unit hyperpatch with stored cells, read in place (internal to compnn_store).
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "compnn/core/activation_map.h"
#include "compnn/core/half.h"
#include "compnn/core/hyperpatch.h"

namespace compnn::internal {

// The stored cell's cosine with the unit query row `q`: the hyperpatch gathered with the border
// clamped, as exact search compares it. `buffer` holds a cell's depth values (float16 cells are
// converted in bulk into it).
template <typename View>
float CosineAt(const float* q, const View& map, const HyperpatchShape& shape, int y, int x,
               float* buffer) {
  float dot = 0, norm = 0;
  const int depth = map.depth;
  for (int dy = 0; dy < shape.height; ++dy) {
    const int yy = std::clamp(y - shape.top() + dy, 0, map.height - 1);
    for (int dx = 0; dx < shape.width; ++dx) {
      const int xx = std::clamp(x - shape.left() + dx, 0, map.width - 1);
      const float* cell;
      if constexpr (std::is_same_v<View, HalfMapView>) {
        HalvesToFloats(map.cell(yy, xx), buffer, depth);
        cell = buffer;
      } else {
        cell = map.cell(yy, xx);
      }
      for (int c = 0; c < depth; ++c) {
        dot += q[c] * cell[c];
        norm += cell[c] * cell[c];
      }
      q += depth;
    }
  }
  return norm > 0 ? dot / std::sqrt(norm) : 0.0f;
}

}  // namespace compnn::internal
