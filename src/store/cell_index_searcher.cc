#include "compnn/store/cell_index_searcher.h"

#include <algorithm>
#include <stdexcept>

#include "compnn/core/check.h"

namespace compnn {

CellIndexSearcher::CellIndexSearcher(std::shared_ptr<const CellIndex> index,
                                     CellIndexSearchOptions options)
    : index_(std::move(index)), options_(options) {
  if (!index_) throw std::invalid_argument("a cell index searcher needs an index");
  options_.Check();
}

SearcherTraits CellIndexSearcher::traits() const {
  return {.exact = false, .reads_float16 = true, .splits_across_ranks = false, .uses_seed = false};
}

nlohmann::json CellIndexSearcher::Parameters() const {
  return {{"probes", options_.probes}, {"shortlist", options_.shortlist}};
}

std::string CellIndexSearcher::Describe() const { return index_->Describe(options_); }

template <typename Database_>
SearchResult CellIndexSearcher::SearchIn(const MapView& query, const Database_& database,
                                         const SearchRequest& request) const {
  request.Check();
  COMPNN_CHECK_OPTION(request.hyperpatch == index_->hyperpatch(), "hyperpatch",
                      "must be the cell index's ", index_->hyperpatch().height, " x ",
                      index_->hyperpatch().width, ", got ", request.hyperpatch.height, " x ",
                      request.hyperpatch.width);
  COMPNN_CHECK_OPTION(
      request.candidates.empty() || static_cast<int>(request.candidates.size()) == database.size(),
      "candidates", "must be every image: a cell index searches them all");
  CellIndexSearchOptions options = options_;
  options.shortlist = std::max(options.shortlist, request.k);
  return {index_->Search(query, database, request.k, options, request.threads), {}};
}

SearchResult CellIndexSearcher::Search(const MapView& query, const Database& database,
                                       const SearchRequest& request) const {
  return SearchIn(query, database, request);
}

SearchResult CellIndexSearcher::Search(const MapView& query, const HalfDatabase& database,
                                       const SearchRequest& request) const {
  return SearchIn(query, database, request);
}

}  // namespace compnn
