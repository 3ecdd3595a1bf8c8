// Exhaustive search (paper, section 3.2): every query cell against every cell of the candidates.
#pragma once

#include <cstddef>

#include "compnn/core/searcher.h"

namespace compnn {

struct ExactParams {
  // Bytes of packed database hyperpatches held at once; bounds the search's working memory.
  std::size_t block_bytes = std::size_t{8} << 20;

  // Throws OptionError naming block_bytes when it is 0.
  void Check() const;
};

// Best matches of every query cell over all cells of the candidate images, by blocked dense
// products (BLAS sgemm) with the arg-max fused into the scan of each product tile, so memory stays
// bounded by the block size. A pair's similarity does not depend on the other images searched, so
// the search splits across ranks exactly. Progress counts database cells.
class ExactSearcher final : public Searcher {
 public:
  explicit ExactSearcher(ExactParams params = {});
  std::string name() const override { return "exact"; }
  SearcherTraits traits() const override;
  nlohmann::json Parameters() const override;
  using Searcher::Search;
  SearchResult Search(const MapView& query, const Database& database,
                      const SearchRequest& request) const override;

 private:
  ExactParams params_;
};

SearcherEntry ExactSearcherEntry();

}  // namespace compnn
