#include "compnn/core/patch_match.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include "checked_request.h"
#include "compnn/core/check.h"
#include "compnn/core/thread_limit.h"
#include "counter_rng.h"
#include "searcher_params.h"
#include "threads.h"
#include "wavefront.h"

namespace compnn {

void PatchMatchParams::Check() const {
  // Upper bounds: each count is work per cell and iteration, and past them a search would run for
  // days (2 000 000 000 random images hung it) instead of refusing.
  COMPNN_CHECK_OPTION(max_iterations >= 0 && max_iterations <= kMaxPatchMatchIterations,
                      "max_iterations", "must be in [0, ", kMaxPatchMatchIterations, "], got ",
                      max_iterations);
  COMPNN_CHECK_OPTION(min_improved_fraction >= 0 && min_improved_fraction <= 1,
                      "min_improved_fraction", "must be in [0, 1], got ", min_improved_fraction);
  for (const auto& [count, field] :
       {std::pair{random_images, "random_images"}, std::pair{long_range, "long_range"},
        std::pair{initial_samples, "initial_samples"}}) {
    COMPNN_CHECK_OPTION(count >= 0 && count <= kMaxPatchMatchTries, field, "must be in [0, ",
                        kMaxPatchMatchTries, "], got ", count);  // initial_samples 0 draws one
  }
  COMPNN_CHECK_OPTION(search_matches >= 1 && search_matches <= kMaxMatchesPerCell, "search_matches",
                      "must be in [1, ", kMaxMatchesPerCell, "], got ", search_matches);
}

PatchMatchSearcher::PatchMatchSearcher(PatchMatchParams params) : params_(params) {
  params_.Check();
}

SearcherTraits PatchMatchSearcher::traits() const {
  return {.exact = false, .reads_float16 = true, .splits_across_ranks = false, .uses_seed = true};
}

nlohmann::json PatchMatchSearcher::Parameters() const {
  return {{"max_iterations", params_.max_iterations},
          {"search_matches", params_.search_matches},
          {"min_improved_fraction", params_.min_improved_fraction},
          {"random_images", params_.random_images},
          {"long_range", params_.long_range},
          {"initial_samples", params_.initial_samples}};
}

SearcherEntry PatchMatchSearcherEntry() {
  return {"hpm",
          "HyperPatch-Match",
          {{"max_iterations", "iteration cap"},
           {"search_matches",
            "matches kept per cell while searching (at least k); 2 finds better best matches at "
            "some extra cost"},
           {"min_improved_fraction",
            "stop once fewer than this fraction of cells improve in an iteration", false},
           {"random_images", "random cells of other candidate images tried per cell and iteration"},
           {"long_range",
            "matches of random other query cells, shifted, tried per cell and "
            "iteration"},
           {"initial_samples", "random cells tried per cell at initialisation"}},
          [](const nlohmann::json& values) {
            PatchMatchParams p;
            internal::ReadParam(values, "max_iterations", p.max_iterations);
            internal::ReadParam(values, "search_matches", p.search_matches);
            internal::ReadParam(values, "min_improved_fraction", p.min_improved_fraction);
            internal::ReadParam(values, "random_images", p.random_images);
            internal::ReadParam(values, "long_range", p.long_range);
            internal::ReadParam(values, "initial_samples", p.initial_samples);
            return std::make_shared<const PatchMatchSearcher>(p);
          }};
}

namespace {

using internal::CounterRng;

// What one run reads: the request and the method's parameters.
struct PatchMatchRun {
  const SearchRequest& request;
  const PatchMatchParams& params;
};

// A database cell: image, row, column.
struct Position {
  int image, y, x;
};

// Asks the processor to start loading the hyperpatch at (y, x) of `map`, as CosineToCell will
// read it (clamped at the borders).
template <typename View>
void PrefetchHyperpatch(const View& map, const HyperpatchShape& shape, int y, int x) {
  constexpr int kLine = 64;
  const int first_x = std::clamp(x - shape.left(), 0, map.width - 1);
  const int last_x = std::clamp(x - shape.left() + shape.width - 1, 0, map.width - 1);
  for (int dy = 0; dy < shape.height; ++dy) {
    const int cy = std::clamp(y - shape.top() + dy, 0, map.height - 1);
    const char* begin = reinterpret_cast<const char*>(map.cell(cy, first_x));
    const char* end = reinterpret_cast<const char*>(map.cell(cy, last_x) + map.depth);
    for (const char* p = begin; p < end; p += kLine) __builtin_prefetch(p);
  }
}

// The state of one HyperPatch-Match run: the query's unit hyperpatches and the current field.
// `View` is the database's map type: float32 (MapView) or float16 (HalfMapView).
template <typename View>
class PatchMatcher {
 public:
  PatchMatcher(const MapView& query, const MapDatabase<View>& database,
               const PatchMatchRun& options, std::vector<int> candidates, int threads,
               int matches_kept)
      : query_(query),
        database_(database),
        options_(options),
        candidates_(std::move(candidates)),
        length_(options.request.hyperpatch.length(query.depth)),
        query_unit_(UnitHyperpatchRows(query, options.request.hyperpatch, threads)),
        cell_norms_(database.size()),
        k_(matches_kept),
        field_(query.height, query.width, k_),
        changed_at_(query.cells(), 0) {
    // Each candidate cell is visited many times: its squared norm is computed once, so that a
    // cosine costs one dot product.
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (std::size_t i = 0; i < candidates_.size(); ++i)
      cell_norms_[candidates_[i]] = CellSquaredNorms(database_[candidates_[i]]);
  }

  // Random initialisation: the best of `initial_samples` random cells of random candidates (at
  // least top_k of them). Slots that random draws left empty (draws can repeat a cell) take the
  // first candidate cells in order.
  void Initialise(int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int cell = 0; cell < query_.cells(); ++cell) {
      CounterRng rng(options_.request.seed, 0, cell);
      Match* best = Matches(cell);
      for (int r = 0; r < k_; ++r) {
        best[r] = Match{};
        best[r].similarity = -2.0f;  // below any cosine
      }
      for (int s = 0; s < std::max({1, options_.params.initial_samples, k_}); ++s)
        TryRandomImage(cell, best, rng);
      const auto unfilled = [&] {
        return best[k_ - 1].image < 0 && non_finite_image_.load(std::memory_order_relaxed) < 0;
      };
      for (std::size_t i = 0; i < candidates_.size() && unfilled(); ++i) {
        const View& map = database_[candidates_[i]];
        for (int c = 0; c < map.cells() && unfilled(); ++c)
          Try(cell, best, candidates_[i], c / map.width, c % map.width);
      }
    }
    ThrowIfNonFinite();
  }

  // One propagation + random-search pass; returns how many cells improved. Odd iterations scan
  // forward (taking matches from the left and upper neighbours), even ones backward (right and
  // lower). A tile needs only its two neighbours in scan order done, so tiles run in parallel as
  // soon as those are (internal::RunWavefront), and the result is the sequential scan's.
  long long Pass(int iteration, int threads) {
    const bool forward = iteration % 2 == 1;
    // Several tiles per thread on every anti-diagonal, so that a thread set aside by the operating
    // system leaves the others work.
    const int tile = std::clamp(std::min(query_.height, query_.width) / (4 * threads), 2, 16);
    const int tiles_y = (query_.height + tile - 1) / tile;
    const int tiles_x = (query_.width + tile - 1) / tile;
    snapshot_ = field_.matches;
    std::atomic<long long> improved{0};
    internal::RunWavefront(tiles_y, tiles_x, threads, [&](int ty, int tx) {
      if (!forward) ty = tiles_y - 1 - ty, tx = tiles_x - 1 - tx;
      improved.fetch_add(VisitTile(iteration, forward, ty * tile, tx * tile, tile),
                         std::memory_order_relaxed);
    });
    ThrowIfNonFinite();
    return improved.load();
  }

  const CorrespondenceField& field() const { return field_; }

 private:
  Match* Matches(int cell) { return &field_.matches[static_cast<std::size_t>(cell) * k_]; }

  float* QueryUnit(int cell) {
    return query_unit_.data() + static_cast<std::size_t>(cell) * length_;
  }

  long long VisitTile(int iteration, bool forward, int y0, int x0, int tile) {
    const int y1 = std::min(y0 + tile, query_.height);
    const int x1 = std::min(x0 + tile, query_.width);
    long long improved = 0;
    if (forward) {
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) improved += VisitCell(iteration, y, x, +1);
    } else {
      for (int y = y1 - 1; y >= y0; --y)
        for (int x = x1 - 1; x >= x0; --x) improved += VisitCell(iteration, y, x, -1);
    }
    return improved;
  }

  bool VisitCell(int iteration, int y, int x, int direction) {
    const int cell = y * query_.width + x;
    Match* best = Matches(cell);
    thread_local std::vector<Match> start;
    start.assign(best, best + k_);
    Propagate(iteration, cell, y, x, direction, best);
    TryAtRandom(iteration, cell, y, x, best);

    // The matches only ever change to better ones.
    bool changed = false;
    for (int r = 0; r < k_ && !changed; ++r)
      changed =
          best[r].image != start[r].image || best[r].y != start[r].y || best[r].x != start[r].x;
    if (changed) changed_at_[cell] = iteration;
    // Improvement is counted on the best match, as with one match per cell.
    return best[0].image != start[0].image || best[0].y != start[0].y || best[0].x != start[0].x;
  }

  void Propagate(int iteration, int cell, int y, int x, int direction, Match* best) {
    // Propagation: a neighbour's matches, shifted by the neighbour's offset to this cell. The same
    // scan two iterations ago already tried them, unless the neighbour's matches have changed
    // since (the neighbour is visited before this cell in this scan order, so that means in the
    // last pass or in this one); and a match that lost then loses now, since `best` only improves.
    const auto unchanged_since_tried = [&](int neighbour) {
      return iteration > 2 && changed_at_[neighbour] < iteration - 1;
    };
    const int nx = x - direction;
    if (nx >= 0 && nx < query_.width && !unchanged_since_tried(cell - direction)) {
      for (int r = 0; r < k_; ++r) {
        const Match& n = field_.at(y, nx, r);
        const View& map = database_[n.image];
        Try(cell, best, n.image, n.y, std::clamp(n.x + direction, 0, map.width - 1));
      }
    }
    const int ny = y - direction;
    if (ny >= 0 && ny < query_.height && !unchanged_since_tried(cell - direction * query_.width)) {
      for (int r = 0; r < k_; ++r) {
        const Match& n = field_.at(ny, x, r);
        const View& map = database_[n.image];
        Try(cell, best, n.image, std::clamp(n.y + direction, 0, map.height - 1), n.x);
      }
    }
  }

  void TryAtRandom(int iteration, int cell, int y, int x, Match* best) {
    // The random tries below do not depend on each other's outcome: all are drawn first and
    // their cells fetched from memory together, then compared in the order drawn (the best of
    // them does not depend on the order anyway). Fetching one at a time left the search waiting
    // on every try's cache misses in turn.
    thread_local std::vector<Position> tries;
    tries.clear();
    CounterRng rng(options_.request.seed, iteration, cell);
    // Random search in an exponentially shrinking window around each current match, best first.
    thread_local std::vector<Match> centres;
    centres.assign(best, best + k_);
    for (const Match& centre : centres) {
      const int image = centre.image;
      const View& map = database_[image];
      const int cy = centre.y, cx = centre.x;
      for (int radius = std::max(map.height, map.width); radius >= 1; radius /= 2) {
        // Column first, then row: the order every earlier version drew them in.
        const int tx = rng.Between(std::max(0, cx - radius), std::min(map.width - 1, cx + radius));
        tries.push_back(
            {image, rng.Between(std::max(0, cy - radius), std::min(map.height - 1, cy + radius)),
             tx});
      }
    }
    // Exploration: random cells of random candidate images.
    for (int s = 0; s < options_.params.random_images; ++s) tries.push_back(RandomCell(rng));
    // Long-range propagation from the best matches of random cells of the query, read from the
    // snapshot so that the result does not depend on the order in which threads visit cells.
    for (int s = 0; s < options_.params.long_range; ++s) {
      const int other = rng.Below(query_.cells());
      const Match& m = snapshot_[static_cast<std::size_t>(other) * k_];
      const View& source = database_[m.image];
      tries.push_back({m.image, std::clamp(m.y + y - other / query_.width, 0, source.height - 1),
                       std::clamp(m.x + x - other % query_.width, 0, source.width - 1)});
    }
    for (const Position& t : tries)
      PrefetchHyperpatch(database_[t.image], options_.request.hyperpatch, t.y, t.x);
    for (const Position& t : tries) Try(cell, best, t.image, t.y, t.x);
  }

  // A random cell of a uniformly drawn candidate image.
  Position RandomCell(CounterRng& rng) const {
    const int image = candidates_[rng.Below(static_cast<int>(candidates_.size()))];
    const View& map = database_[image];
    const int x = rng.Below(map.width);  // column first, then row, as in the random search
    return {image, rng.Below(map.height), x};
  }

  void TryRandomImage(int cell, Match* best, CounterRng& rng) {
    const Position p = RandomCell(rng);
    Try(cell, best, p.image, p.y, p.x);
  }

  // Offers a database cell to a cell's matches (best first, distinct): it takes its place in
  // the ranking if it beats the last one.
  void Try(int cell, Match* best, int image, int y, int x) {
    for (int r = 0; r < k_; ++r)
      if (image == best[r].image && y == best[r].y && x == best[r].x) return;
    Match candidate{image, y, x,
                    CosineToCell(QueryUnit(cell), database_[image], cell_norms_[image].data(),
                                 options_.request.hyperpatch, y, x)};
    if (candidate.similarity != candidate.similarity) {
      non_finite_image_.store(image, std::memory_order_relaxed);
      return;
    }
    if (!candidate.BetterThan(best[k_ - 1])) return;
    int r = k_ - 1;
    for (; r > 0 && candidate.BetterThan(best[r - 1]); --r) best[r] = best[r - 1];
    best[r] = candidate;
  }

  void ThrowIfNonFinite() const {
    const int image = non_finite_image_.load();
    if (image >= 0) {
      throw std::invalid_argument("database image " + std::to_string(image) +
                                  ": non-finite activations");
    }
  }

  const MapView& query_;
  const MapDatabase<View>& database_;
  const PatchMatchRun options_;
  const std::vector<int> candidates_;
  const int length_;
  std::vector<float> query_unit_;
  std::vector<std::vector<double>> cell_norms_;  // per database image; filled for candidates
  const int k_;                                  // matches per cell
  CorrespondenceField field_;
  std::vector<Match> snapshot_;  // the field at the start of the current pass
  std::vector<int> changed_at_;  // per query cell: the last iteration its match changed (0: none)
  std::atomic<int> non_finite_image_{-1};
};

}  // namespace

namespace {

template <typename View>
SearchResult RunPatchMatch(const MapView& query, const MapDatabase<View>& database,
                           const SearchRequest& request, const PatchMatchParams& params) {
  internal::CheckedRequest checked = internal::CheckRequest(query, database, request);
  std::vector<int> candidates = std::move(checked.candidates);
  const long long candidate_cells = checked.cells;
  // Searching with more matches than the candidates hold cannot fill them: search with all.
  const int matches_kept = static_cast<int>(
      std::min<long long>(std::max(request.k, params.search_matches), candidate_cells));

  const int threads = internal::ResolveThreads(request.threads);
  PatchMatcher<View> matcher(query, database, PatchMatchRun{request, params}, std::move(candidates),
                             threads, matches_kept);
  matcher.Initialise(threads);

  SearchResult result;
  for (int iteration = 1; iteration <= params.max_iterations; ++iteration) {
    const long long improved = matcher.Pass(iteration, threads);
    SearchIteration stats{iteration, static_cast<double>(improved) / query.cells(),
                          matcher.field().MeanSimilarity()};
    result.iterations.push_back(stats);
    if (request.progress) request.progress(iteration, params.max_iterations);
    if (stats.improved_fraction < params.min_improved_fraction) break;
  }
  result.field = BestMatches(matcher.field(), request.k);
  return result;
}

}  // namespace

SearchResult PatchMatchSearcher::Search(const MapView& query, const Database& database,
                                        const SearchRequest& request) const {
  return RunPatchMatch(query, database, request, params_);
}

SearchResult PatchMatchSearcher::Search(const MapView& query, const HalfDatabase& database,
                                        const SearchRequest& request) const {
  return RunPatchMatch(query, database, request, params_);
}

}  // namespace compnn
