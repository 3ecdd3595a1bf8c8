// HyperPatch-Match written as the paper describes it, for tests: one thread, cells in plain scan
// order, every propagation tried every time. It draws the same random numbers as the library
// (counter_rng.h, keyed by seed, iteration and cell), so the library's tiled, parallel scan with
// its skipped repeats must give exactly this field.
#pragma once

#include <algorithm>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/searcher.h"
#include "counter_rng.h"

namespace compnn::testing {

// One match a cell (request.k 1, search_matches 1); the request's threads are ignored.
inline CorrespondenceField SequentialPatchMatch(const MapView& query, const Database& db,
                                                const PatchMatchParams& o,
                                                const SearchRequest& request) {
  const int length = request.hyperpatch.length(query.depth);
  const std::vector<float> unit = UnitHyperpatchRows(query, request.hyperpatch, 1);
  std::vector<std::vector<double>> norms;
  std::vector<int> candidates = request.candidates;
  for (int i = 0; i < db.size(); ++i) {
    norms.push_back(CellSquaredNorms(db[i]));
    if (request.candidates.empty()) candidates.push_back(i);
  }
  CorrespondenceField field(query.height, query.width);
  auto try_match = [&](int cell, int image, int y, int x) {
    Match& best = field.matches[cell];
    if (image == best.image && y == best.y && x == best.x) return;
    const Match m{image, y, x,
                  CosineToCell(unit.data() + static_cast<std::size_t>(cell) * length, db[image],
                               norms[image].data(), request.hyperpatch, y, x)};
    if (m.BetterThan(best)) best = m;
  };
  auto try_random_image = [&](int cell, internal::CounterRng& rng) {
    const int image = candidates[rng.Below(static_cast<int>(candidates.size()))];
    const int x = rng.Below(db[image].width);  // the column is drawn first, then the row
    try_match(cell, image, rng.Below(db[image].height), x);
  };
  for (int cell = 0; cell < query.cells(); ++cell) {
    internal::CounterRng rng(request.seed, 0, cell);
    field.matches[cell] = Match{};
    field.matches[cell].similarity = -2.0f;
    for (int s = 0; s < std::max(1, o.initial_samples); ++s) try_random_image(cell, rng);
  }
  for (int iteration = 1; iteration <= o.max_iterations; ++iteration) {
    const int d = iteration % 2 == 1 ? +1 : -1;
    const std::vector<Match> snapshot = field.matches;
    int improved = 0;
    for (int step = 0; step < query.cells(); ++step) {
      const int cell = d > 0 ? step : query.cells() - 1 - step;
      const int y = cell / query.width, x = cell % query.width;
      const Match start = field.matches[cell];
      if (x - d >= 0 && x - d < query.width) {
        const Match n = field.at(y, x - d);
        try_match(cell, n.image, n.y, std::clamp(n.x + d, 0, db[n.image].width - 1));
      }
      if (y - d >= 0 && y - d < query.height) {
        const Match n = field.at(y - d, x);
        try_match(cell, n.image, std::clamp(n.y + d, 0, db[n.image].height - 1), n.x);
      }
      internal::CounterRng rng(request.seed, iteration, cell);
      const Match around = field.matches[cell];
      const MapView& map = db[around.image];
      for (int r = std::max(map.height, map.width); r >= 1; r /= 2) {
        const int x = rng.Between(std::max(0, around.x - r), std::min(map.width - 1, around.x + r));
        try_match(cell, around.image,
                  rng.Between(std::max(0, around.y - r), std::min(map.height - 1, around.y + r)),
                  x);
      }
      for (int s = 0; s < o.random_images; ++s) try_random_image(cell, rng);
      for (int s = 0; s < o.long_range; ++s) {
        const int other = rng.Below(query.cells());
        const Match& m = snapshot[other];
        try_match(cell, m.image,
                  std::clamp(m.y + y - other / query.width, 0, db[m.image].height - 1),
                  std::clamp(m.x + x - other % query.width, 0, db[m.image].width - 1));
      }
      const Match& end = field.matches[cell];
      improved += end.image != start.image || end.y != start.y || end.x != start.x;
    }
    if (static_cast<double>(improved) / query.cells() < o.min_improved_fraction) break;
  }
  return field;
}

}  // namespace compnn::testing
