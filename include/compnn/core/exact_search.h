// Exhaustive search (paper, section 3.2): every query cell against every cell of the candidates.
#pragma once

#include <functional>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

struct ExactSearchOptions {
  HyperpatchShape hyperpatch;
  // Matches kept per query cell, best first.
  int top_k = 1;
  // Database images to search; empty means all of them.
  std::vector<int> candidates;
  // Worker threads; 0 means every core OpenMP offers.
  int threads = 0;
  // Bytes of packed database hyperpatches held at once; bounds the search's working memory.
  std::size_t block_bytes = std::size_t{8} << 20;
  // Called after each block of database cells with (cells done, cells in all).
  std::function<void(long long, long long)> progress;

  // Throws OptionError naming the field: top_k < 1, threads < 0.
  void Check() const;
};

// Best matches of every query cell over all cells of the candidate images, by blocked dense
// products (BLAS sgemm) with the arg-max fused into the scan of each product tile, so memory stays
// bounded by the block size. Throws std::invalid_argument on malformed input or non-finite values.
CorrespondenceField ExactSearch(const MapView& query, const Database& database,
                                const ExactSearchOptions& options = {});

}  // namespace compnn
