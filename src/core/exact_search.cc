#include "compnn/core/exact_search.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <stdexcept>
#include <string>

#include "checked_request.h"
#include "compnn/core/check.h"
#include "compnn/core/thread_limit.h"
#include "threads.h"

namespace compnn {

void ExactParams::Check() const {
  COMPNN_CHECK_OPTION(block_bytes >= 1, "block_bytes", "must be at least 1, got ", block_bytes);
}
namespace {

// Rows of query hyperpatches and of database hyperpatches multiplied at once. A tile of products
// (kQueryTile x kDatabaseTile floats, 1 MiB) stays in cache while its arg-max is taken.
constexpr int kQueryTile = 256;
constexpr int kDatabaseTile = 1024;

// One product tile's database rows: `count` consecutive cells of one image from `first_cell`.
struct DatabaseTile {
  int row = 0;  // first row in the block
  int count = 0;
};

// A block of database hyperpatches packed as unit rows, in ascending (image, y, x) order, so that
// scanning rows in order and replacing only on a strictly greater similarity keeps ties at the
// lowest (image, y, x).
//
// Tiles never span images and start at multiples of kDatabaseTile within their image, so every
// product is computed by the same sgemm call, on the same operands, whichever other images are
// searched (a candidate subset, a rank's shard) and whatever the thread count: a (query cell,
// database cell) similarity is bit-identical across all of them, and fields found over disjoint
// shards merge into exactly the field of one search over their union.
struct DatabaseBlock {
  std::vector<float> rows;
  std::vector<Match> origin;  // image, y, x of each row
  std::vector<DatabaseTile> tiles;
  int size = 0;
};

// Walks the candidates' cells in order, one block of whole tiles at a time.
class BlockFiller {
 public:
  BlockFiller(const Database& database, const std::vector<int>& candidates,
              const HyperpatchShape& shape, int capacity)
      : database_(database), candidates_(candidates), shape_(shape), capacity_(capacity) {}

  // Fills `block` with the next tiles; returns false when none are left.
  bool Next(DatabaseBlock& block, int threads) {
    block.size = 0;
    block.tiles.clear();
    block.origin.resize(capacity_);
    while (next_candidate_ < candidates_.size()) {
      const int image = candidates_[next_candidate_];
      const MapView& map = database_[image];
      const int take = std::min(kDatabaseTile, map.cells() - next_cell_);
      if (block.size + take > capacity_) break;
      for (int i = 0; i < take; ++i) {
        const int cell = next_cell_ + i;
        block.origin[block.size + i] = Match{image, cell / map.width, cell % map.width, 0.0f};
      }
      block.tiles.push_back({block.size, take});
      block.size += take;
      next_cell_ += take;
      if (next_cell_ == map.cells()) {
        next_cell_ = 0;
        ++next_candidate_;
      }
    }
    if (block.size == 0) return false;

    const int length = shape_.length(database_.depth());
    block.rows.resize(static_cast<std::size_t>(capacity_) * length);
    std::atomic<int> bad_row{-1};
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int r = 0; r < block.size; ++r) {
      const Match& o = block.origin[r];
      const MapView& map = database_[o.image];
      if (!PackUnitHyperpatches(map, shape_, o.y * map.width + o.x, 1,
                                block.rows.data() + static_cast<std::size_t>(r) * length)) {
        bad_row.store(r);
      }
    }
    if (bad_row.load() >= 0) {
      const Match& o = block.origin[bad_row.load()];
      throw std::invalid_argument("database image " + std::to_string(o.image) +
                                  ": non-finite activation near cell (" + std::to_string(o.y) +
                                  ", " + std::to_string(o.x) + ")");
    }
    return true;
  }

 private:
  const Database& database_;
  const std::vector<int>& candidates_;
  HyperpatchShape shape_;
  int capacity_;
  std::size_t next_candidate_ = 0;
  int next_cell_ = 0;
};

// Folds one row of products into the best match (top_k == 1).
inline void ScanBest(const float* products, int count, const Match* origin, Match& best) {
  float row_max = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : row_max)
  for (int j = 0; j < count; ++j) row_max = std::max(row_max, products[j]);
  if (!(row_max > best.similarity)) return;
  const int j = static_cast<int>(std::find(products, products + count, row_max) - products);
  best = origin[j];
  best.similarity = row_max;
}

// Folds one row of products into the k best matches, kept sorted best first.
inline void ScanTopK(const float* products, int count, const Match* origin, Match* best, int k) {
  float row_max = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : row_max)
  for (int j = 0; j < count; ++j) row_max = std::max(row_max, products[j]);
  if (!(row_max > best[k - 1].similarity)) return;
  for (int j = 0; j < count; ++j) {
    if (!(products[j] > best[k - 1].similarity)) continue;
    Match candidate = origin[j];
    candidate.similarity = products[j];
    int position = k - 1;
    while (position > 0 && candidate.BetterThan(best[position - 1])) {
      best[position] = best[position - 1];
      --position;
    }
    best[position] = candidate;
  }
}

// Folds the products of every query row with one block of database rows into `field`.
void ScanBlock(const DatabaseBlock& block, const std::vector<float>& query_unit, int query_rows,
               int length, int capacity, int threads, CorrespondenceField& field) {
  const int k = field.k;
  // Smaller query tiles for small queries, so that several threads get work. A function of the
  // query alone (not of the thread count), so that the products are the same sgemm calls always.
  const int query_tile = std::clamp((query_rows + 7) / 8, 16, kQueryTile);
  const int query_tiles = (query_rows + query_tile - 1) / query_tile;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> products(static_cast<std::size_t>(query_tile) *
                                std::min(kDatabaseTile, capacity));
    // Each task owns a range of query rows, so no two threads update the same match.
#pragma omp for schedule(dynamic)
    for (int qt = 0; qt < query_tiles; ++qt) {
      const int q0 = qt * query_tile;
      const int rows = std::min(query_tile, query_rows - q0);
      for (const DatabaseTile& tile : block.tiles) {
        const int d0 = tile.row;
        const int cols = tile.count;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, length, 1.0f,
                    query_unit.data() + static_cast<std::size_t>(q0) * length, length,
                    block.rows.data() + static_cast<std::size_t>(d0) * length, length, 0.0f,
                    products.data(), cols);
        for (int i = 0; i < rows; ++i) {
          const float* row = products.data() + static_cast<std::size_t>(i) * cols;
          Match* best = &field.matches[static_cast<std::size_t>(q0 + i) * k];
          if (k == 1) {
            ScanBest(row, cols, block.origin.data() + d0, *best);
          } else {
            ScanTopK(row, cols, block.origin.data() + d0, best, k);
          }
        }
      }
    }
  }
}

}  // namespace

ExactSearcher::ExactSearcher(ExactParams params) : params_(params) { params_.Check(); }

SearcherTraits ExactSearcher::traits() const {
  return {.exact = true, .reads_float16 = false, .splits_across_ranks = true, .uses_seed = false};
}

nlohmann::json ExactSearcher::Parameters() const { return nlohmann::json::object(); }

SearcherEntry ExactSearcherEntry() {
  return {"exact", "exhaustive search", {}, [](const nlohmann::json&) {
            return std::make_shared<const ExactSearcher>();
          }};
}

SearchResult ExactSearcher::Search(const MapView& query, const Database& database,
                                   const SearchRequest& options) const {
  const internal::CheckedRequest checked = internal::CheckRequest(query, database, options);
  const std::vector<int>& candidates = checked.candidates;
  const long long total_cells = checked.cells;

  const int threads = internal::ResolveThreads(options.threads);
  internal::SingleThreadedBlas single_threaded_blas;
  const HyperpatchShape& shape = options.hyperpatch;
  const int length = shape.length(query.depth);
  const int query_rows = query.cells();
  const int k = options.k;

  const std::vector<float> query_unit = UnitHyperpatchRows(query, shape, threads);

  CorrespondenceField field(query.height, query.width, k);
  for (Match& m : field.matches) m.similarity = -std::numeric_limits<float>::infinity();

  // No larger than the candidates need: zeroing an 8 MiB block for a few cells was most of a
  // small search's time (the blocks' contents do not change the result).
  const int capacity = static_cast<int>(
      std::min<long long>(std::clamp<std::size_t>(params_.block_bytes / (sizeof(float) * length),
                                                  kDatabaseTile, 1 << 20),
                          total_cells));
  BlockFiller filler(database, candidates, shape, capacity);
  DatabaseBlock block;
  long long done_cells = 0;
  while (filler.Next(block, threads)) {
    ScanBlock(block, query_unit, query_rows, length, capacity, threads, field);
    done_cells += block.size;
    if (options.progress) options.progress(done_cells, total_cells);
  }
  return {std::move(field), {}};
}

}  // namespace compnn
