// An index over the cells of one store layer, for searches that cover every training image: FAISS
// inverted lists of product-quantised unit hyperpatches find a shortlist of candidates per query
// cell, and the shortlist is ranked again against the stored cells (full-length cosines, as exact
// search computes them). Built once and kept beside the store:
//   STORE/cell-index/LAYER.HxW.faiss   the FAISS index (ids: image * cells per map + cell)
//   STORE/cell-index/LAYER.HxW.json    what it was built from (the layer's checksum), how, and
//                                      the .faiss file's checksum; written last
// An index whose layer file has changed since is stale, and searches go on without it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/store/feature_store.h"

namespace faiss {
struct Index;
}

namespace compnn {

struct CellIndexOptions {
  // Inverted lists: k-means cells over the unit hyperpatches; 0 chooses the power of two nearest
  // sqrt(cells) / 2.
  int lists = 0;
  // Bytes each hyperpatch is compressed to (the product quantiser's sub-vectors of 8 bits); must
  // divide the hyperpatch's length.
  int code_bytes = 16;
  // Hyperpatches, drawn at random from the whole layer, the lists and the quantiser learn from.
  int train_cells = 65536;
  std::uint64_t seed = 0;
  int threads = 0;  // 0: every core OpenMP offers; the index does not depend on it

  // Throws OptionError naming the field.
  void Check() const;
};

struct CellIndexSearchOptions {
  int probes = 1;      // inverted lists searched per query cell
  int shortlist = 64;  // candidates per query cell ranked again at full length (at least k)
  // Passes in which each cell tries its neighbours' matches, shifted, after the re-ranking (at
  // most; they stop when a pass changes nothing).
  int propagation = 4;

  // Throws OptionError naming the field.
  void Check() const;
};

struct CellIndexSummary {
  std::string file;  // the .faiss file
  double seconds = 0;
  std::uint64_t bytes = 0;
  int lists = 0, code_bytes = 0;
};

// The index files of `layer` compared at `hyperpatch`, without their extension
// (STORE/cell-index/LAYER.HxW).
std::string CellIndexStem(const FeatureStore& store, const std::string& layer,
                          const HyperpatchShape& hyperpatch);

// Builds the index of `layer` at `hyperpatch` and writes its files (each atomically, the .json
// last), replacing an older index. `progress` is called with (images added, images). Deterministic
// for a seed, whatever the thread count. Throws OptionError for options out of range and
// std::runtime_error naming the file for a layer the store lacks or a file that cannot be written.
CellIndexSummary BuildCellIndex(const FeatureStore& store, const std::string& layer,
                                const HyperpatchShape& hyperpatch, const CellIndexOptions& options,
                                const std::function<void(int, int)>& progress = {});

class CellIndex {
 public:
  // The index of `layer` at `hyperpatch`, read once per process and kept; nullptr when it is
  // missing or stale, with one line in `why` that says which (and how to build one). Throws
  // std::runtime_error naming the file when the files are there but damaged.
  static std::shared_ptr<const CellIndex> Open(const FeatureStore& store, const std::string& layer,
                                               const HyperpatchShape& hyperpatch, std::string* why);
  ~CellIndex();

  // How it was built, as the .json records it; and a search with it described:
  // "cell index IVF1024,PQ16 (1 lists probed, 64 re-ranked, 4 propagation passes)".
  const nlohmann::json& record() const { return record_; }
  std::string Describe(const CellIndexSearchOptions& options) const;
  const HyperpatchShape& hyperpatch() const { return hyperpatch_; }

 private:
  // Searched through CellIndexSearcher (cell_index_searcher.h): the k best matches of every query
  // cell among the shortlist, best first, with full-length similarities computed from `database`
  // (the layer's maps, float16 in place or float32: every image). The same field whatever the
  // thread count.
  friend class CellIndexSearcher;
  CorrespondenceField Search(const MapView& query, const HalfDatabase& database, int k,
                             const CellIndexSearchOptions& options, int threads) const;
  CorrespondenceField Search(const MapView& query, const Database& database, int k,
                             const CellIndexSearchOptions& options, int threads) const;

  CellIndex() = default;
  template <typename Database_>
  CorrespondenceField SearchIn(const MapView& query, const Database_& database, int k,
                               const CellIndexSearchOptions& options, int threads) const;

  std::unique_ptr<faiss::Index> index_;
  nlohmann::json record_;
  HyperpatchShape hyperpatch_;
  int height_ = 0, width_ = 0, images_ = 0;
};

}  // namespace compnn
