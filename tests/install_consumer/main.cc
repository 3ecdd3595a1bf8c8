// Exact search through an installed compnn (compnn::core, include/compnn/core): a tiny query
// against a database of two tiny maps, checked cell by cell against a brute force written here.
#include <cmath>
#include <cstdio>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/searcher.h"

namespace {

// Deterministic, irregular values in [-1, 1) (no library random numbers: the same on every
// platform), so that near ties are unlikely.
float Value(unsigned& state) {
  state = state * 1664525u + 1013904223u;
  return static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.0f;
}

compnn::OwnedMap MakeMap(int height, int width, int depth, unsigned seed) {
  compnn::OwnedMap map(height, width, depth);
  for (float& v : map.values) v = Value(seed);
  return map;
}

// The hyperpatch of cell (y, x): the hp_h x hp_w block whose top-left cell is
// (y - (hp_h - 1) / 2, x - (hp_w - 1) / 2), cells outside the map clamped to its border.
std::vector<double> Hyperpatch(const compnn::OwnedMap& map, int hp_h, int hp_w, int y, int x) {
  std::vector<double> values;
  for (int dy = 0; dy < hp_h; ++dy) {
    for (int dx = 0; dx < hp_w; ++dx) {
      int cy = y - (hp_h - 1) / 2 + dy, cx = x - (hp_w - 1) / 2 + dx;
      cy = cy < 0 ? 0 : (cy >= map.height ? map.height - 1 : cy);
      cx = cx < 0 ? 0 : (cx >= map.width ? map.width - 1 : cx);
      for (int c = 0; c < map.depth; ++c) values.push_back(map.at(cy, cx, c));
    }
  }
  return values;
}

double Cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 0.0;
}

}  // namespace

int main() {
  const int hp_h = 2, hp_w = 2, depth = 5;
  const compnn::OwnedMap query = MakeMap(4, 5, depth, 1);
  const std::vector<compnn::OwnedMap> maps = {MakeMap(6, 4, depth, 2), MakeMap(3, 7, depth, 3)};
  std::vector<compnn::MapView> views;
  for (const compnn::OwnedMap& map : maps) views.push_back(map.view());

  compnn::SearchRequest request;
  request.hyperpatch = {hp_h, hp_w};
  request.threads = 1;
  const compnn::CorrespondenceField field =
      compnn::MakeSearcher("exact")->Search(query.view(), compnn::Database(views), request).field;
  if (field.height != query.height || field.width != query.width) {
    std::printf("FAIL: field is %d x %d, query %d x %d\n", field.height, field.width, query.height,
                query.width);
    return 1;
  }

  int failures = 0, exact = 0;
  for (int y = 0; y < query.height; ++y) {
    for (int x = 0; x < query.width; ++x) {
      // Brute force: every cell of every database map, the first best kept.
      const std::vector<double> q = Hyperpatch(query, hp_h, hp_w, y, x);
      int best_image = -1, best_y = 0, best_x = 0;
      double best = -2.0, runner_up = -2.0;
      for (int i = 0; i < static_cast<int>(maps.size()); ++i) {
        for (int my = 0; my < maps[i].height; ++my) {
          for (int mx = 0; mx < maps[i].width; ++mx) {
            const double s = Cosine(q, Hyperpatch(maps[i], hp_h, hp_w, my, mx));
            if (s > best) {
              runner_up = best;
              best = s;
              best_image = i, best_y = my, best_x = mx;
            } else if (s > runner_up) {
              runner_up = s;
            }
          }
        }
      }
      const compnn::Match& got = field.at(y, x);
      const bool same_cell = got.image == best_image && got.y == best_y && got.x == best_x;
      // Float rounding may swap near ties; the similarity must match the brute force's anyway.
      const bool ok =
          std::fabs(got.similarity - best) < 1e-4 && (same_cell || best - runner_up < 1e-4);
      exact += same_cell;
      if (!ok) {
        ++failures;
        std::printf(
            "FAIL: cell (%d, %d): compnn (%d, %d, %d) %.6f, brute force (%d, %d, %d) %.6f\n", y, x,
            got.image, got.y, got.x, got.similarity, best_image, best_y, best_x, best);
      }
    }
  }
  std::printf("%d of %d cells match the brute force (%d the very same cell)\n",
              query.view().cells() - failures, query.view().cells(), exact);
  return failures == 0 && exact > query.view().cells() / 2 ? 0 : 1;
}
