#include "compnn/core/sharded_search.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "compnn/core/check.h"

namespace compnn {

std::vector<int> ShardCandidates(std::vector<int> candidates, int rank, int ranks) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const IndexRange range = ShardOf(static_cast<int>(candidates.size()), rank, ranks);
  return {candidates.begin() + range.begin, candidates.begin() + range.end};
}

ShardedSearchResult ShardedSearch(const Searcher& searcher, const MapView& query,
                                  const Database& database, const std::vector<int>& shard,
                                  SearchRequest request, const Ranks& ranks) {
  if (!searcher.traits().splits_across_ranks) {
    throw std::invalid_argument(searcher.name() +
                                " search does not split across ranks; only exact search does");
  }
  request.Check();
  const int k = request.k;
  ShardedSearchResult result;
  // Slots a shard cannot fill (fewer cells than k, or no images at all) stay unmatched: image -1,
  // similarity -inf, which every real match beats in the merge.
  result.field = CorrespondenceField(query.height, query.width, k);
  for (Match& m : result.field.matches) m.similarity = -std::numeric_limits<float>::infinity();
  if (!shard.empty()) {
    long long cells = 0;
    for (int image : shard) cells += database[image].cells();
    request.candidates = shard;
    request.k = static_cast<int>(std::min<long long>(k, cells));
    const CorrespondenceField found = searcher.Search(query, database, request).field;
    for (std::size_t cell = 0; cell < found.matches.size() / found.k; ++cell) {
      std::copy_n(found.matches.begin() + cell * found.k, found.k,
                  result.field.matches.begin() + cell * k);
    }
  }
  result.bytes_sent = ranks.ReduceField(result.field);
  if (ranks.is_root()) {
    const bool filled = std::all_of(result.field.matches.begin(), result.field.matches.end(),
                                    [](const Match& m) { return m.image >= 0; });
    COMPNN_CHECK_OPTION(filled, "k", "must not exceed the candidate images' cells, got ", k);
  }
  return result;
}

}  // namespace compnn
