// Plainly written references that the engine is checked against: every hyperpatch gathered cell
// by cell, cosines in double precision, every database cell visited in order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "compnn/core/activation_map.h"

namespace compnn::testing {

using compnn::OwnedMap;

inline OwnedMap RandomMap(int h, int w, int d, std::mt19937& rng) {
  OwnedMap map(h, w, d);
  std::normal_distribution<float> normal;
  for (float& v : map.values) v = normal(rng);
  return map;
}

// Smooth, ReLU-like maps: sums of random low-frequency waves per channel, clipped at 0 for about a
// third of the values, as real activations are.
inline OwnedMap SmoothMap(int h, int w, int d, std::mt19937& rng) {
  OwnedMap map(h, w, d);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int c = 0; c < d; ++c) {
    for (int wave = 0; wave < 3; ++wave) {
      const float fy = 0.05f + 0.25f * uniform(rng), fx = 0.05f + 0.25f * uniform(rng);
      const float phase = 6.28f * uniform(rng), amplitude = uniform(rng);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          map.at(y, x, c) += amplitude * std::sin(fy * y + fx * x + phase);
    }
  }
  for (float& v : map.values) v = std::max(0.0f, v + 0.4f);
  return map;
}

inline std::vector<double> ReferenceHyperpatch(const MapView& map, int hp_h, int hp_w, int y,
                                               int x) {
  std::vector<double> out;
  for (int dy = 0; dy < hp_h; ++dy) {
    for (int dx = 0; dx < hp_w; ++dx) {
      int cy = y - (hp_h - 1) / 2 + dy;
      int cx = x - (hp_w - 1) / 2 + dx;
      cy = cy < 0 ? 0 : (cy >= map.height ? map.height - 1 : cy);
      cx = cx < 0 ? 0 : (cx >= map.width ? map.width - 1 : cx);
      for (int c = 0; c < map.depth; ++c)
        out.push_back(map.data[(cy * map.width + cx) * map.depth + c]);
    }
  }
  return out;
}

inline double ReferenceCosine(const std::vector<double>& a, const std::vector<double>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return (aa > 0 && bb > 0) ? dot / std::sqrt(aa * bb) : 0.0;
}

// A database of maps and a query map, owned, as search tests build them.
struct SearchCase {
  std::vector<OwnedMap> maps;
  OwnedMap query{1, 1, 1};
  std::vector<MapView> views() const {
    std::vector<MapView> v;
    for (const OwnedMap& m : maps) v.push_back(m.view());
    return v;
  }
};

struct ReferenceMatch {
  int image = -1, y = 0, x = 0;
  double similarity = -2.0;
  double runner_up = -2.0;  // best similarity at any other cell
};

// Best match of query cell (qy, qx) over all cells of the given images, ties to the lowest
// (image, y, x) because candidates are visited in that order and only a greater value wins.
inline ReferenceMatch ReferenceBest(const MapView& query, const std::vector<MapView>& database,
                                    const std::vector<int>& images, int hp_h, int hp_w, int qy,
                                    int qx) {
  const std::vector<double> q = ReferenceHyperpatch(query, hp_h, hp_w, qy, qx);
  ReferenceMatch best;
  for (int image : images) {
    const MapView& map = database[image];
    for (int y = 0; y < map.height; ++y) {
      for (int x = 0; x < map.width; ++x) {
        const double s = ReferenceCosine(q, ReferenceHyperpatch(map, hp_h, hp_w, y, x));
        if (s > best.similarity) {
          best.runner_up = best.similarity;
          best = ReferenceMatch{image, y, x, s, best.runner_up};
        } else if (s > best.runner_up) {
          best.runner_up = s;
        }
      }
    }
  }
  return best;
}

// The similarities of query cell (qy, qx) to every cell of the given images, best first: the
// reference for a top-k search's k similarities.
inline std::vector<double> ReferenceRankedSimilarities(const MapView& query,
                                                       const std::vector<MapView>& database,
                                                       const std::vector<int>& images, int hp_h,
                                                       int hp_w, int qy, int qx) {
  const std::vector<double> q = ReferenceHyperpatch(query, hp_h, hp_w, qy, qx);
  std::vector<double> all;
  for (int image : images) {
    const MapView& map = database[image];
    for (int y = 0; y < map.height; ++y)
      for (int x = 0; x < map.width; ++x)
        all.push_back(ReferenceCosine(q, ReferenceHyperpatch(map, hp_h, hp_w, y, x)));
  }
  std::sort(all.rbegin(), all.rend());
  return all;
}

}  // namespace compnn::testing
