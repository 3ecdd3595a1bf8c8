#include "match_propagation.h"

#include <atomic>
#include <limits>

#include "stored_cosine.h"

namespace compnn::internal {
namespace {

// The neighbours a cell takes matches from, as (dy, dx).
constexpr int kOffsets[4][2] = {{0, -1}, {0, 1}, {-1, 0}, {1, 0}};

// Offers a stored cell to a cell's k matches (best first, distinct); returns whether it entered.
template <typename Database_>
bool Offer(const float* q, const Database_& database, const HyperpatchShape& hyperpatch, int image,
           int y, int x, int k, Match* best, float* buffer) {
  for (int r = 0; r < k; ++r)
    if (best[r].image == image && best[r].y == y && best[r].x == x) return false;
  const Match candidate{image, y, x, CosineAt(q, database[image], hyperpatch, y, x, buffer)};
  if (!candidate.BetterThan(best[k - 1])) return false;
  int r = k - 1;
  for (; r > 0 && candidate.BetterThan(best[r - 1]); --r) best[r] = best[r - 1];
  best[r] = candidate;
  return true;
}

}  // namespace

template <typename Database_>
int PropagateMatches(const std::vector<float>& unit_rows, const Database_& database,
                     const HyperpatchShape& hyperpatch, int passes, int threads,
                     CorrespondenceField* field) {
  const int height = field->height, width = field->width, k = field->k;
  const int depth = database.depth();
  const std::size_t length = static_cast<std::size_t>(hyperpatch.length(depth));
  // Unfilled slots lose to every match.
  for (Match& m : field->matches)
    if (m.image < 0) m.similarity = -std::numeric_limits<float>::infinity();
  int pass = 0;
  while (pass < passes) {
    ++pass;
    const std::vector<Match> before = field->matches;
    std::atomic<long long> changed{0};
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> buffer(depth);
#pragma omp for schedule(static)
      for (int cell = 0; cell < height * width; ++cell) {
        const int y = cell / width, x = cell % width;
        Match* best = &field->matches[static_cast<std::size_t>(cell) * k];
        const float* q = unit_rows.data() + static_cast<std::size_t>(cell) * length;
        bool improved = false;
        for (const auto& [dy, dx] : kOffsets) {
          const int ny = y + dy, nx = x + dx;
          if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
          const Match* theirs = &before[(static_cast<std::size_t>(ny) * width + nx) * k];
          for (int r = 0; r < k; ++r) {
            if (theirs[r].image < 0) continue;
            const auto& map = database[theirs[r].image];
            improved |=
                Offer(q, database, hyperpatch, theirs[r].image,
                      std::clamp(theirs[r].y - dy, 0, map.height - 1),
                      std::clamp(theirs[r].x - dx, 0, map.width - 1), k, best, buffer.data());
          }
        }
        if (improved) changed.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (changed.load() == 0) break;
  }
  return pass;
}

template int PropagateMatches(const std::vector<float>&, const Database&, const HyperpatchShape&,
                              int, int, CorrespondenceField*);
template int PropagateMatches(const std::vector<float>&, const HalfDatabase&,
                              const HyperpatchShape&, int, int, CorrespondenceField*);

}  // namespace compnn::internal
