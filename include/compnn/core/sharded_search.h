// A search split over ranks (core/ranks.h): each rank searches a contiguous run of the candidate
// images, and rank 0 merges the fields. For a searcher whose traits say it splits across ranks
// (exact search: a pair's similarity does not depend on the other images searched), the merged
// field is bit-identical to one process's.
#pragma once

#include <cstdint>
#include <vector>

#include "compnn/core/ranks.h"
#include "compnn/core/searcher.h"

namespace compnn {

// The part of `candidates` that `rank` of `ranks` searches: a contiguous run of them sorted and
// de-duplicated (so every rank, given them in any order, agrees), run lengths differing by at
// most one. Empty when there are more ranks than candidates.
std::vector<int> ShardCandidates(std::vector<int> candidates, int rank, int ranks);

struct ShardedSearchResult {
  CorrespondenceField field;    // on rank 0, the search over all shards; elsewhere unspecified
  std::int64_t bytes_sent = 0;  // what this rank sent to merge the fields
};

// Searches `shard` (this rank's ShardCandidates, possibly empty) with `request` (whose candidates
// are ignored), then merges every rank's field on rank 0. The database needs maps of the shard's
// images only. Every rank must call it. Throws std::invalid_argument for a searcher that does not
// split across ranks, what its search throws, and on rank 0 OptionError (k) when all the shards
// together hold fewer cells than request.k.
ShardedSearchResult ShardedSearch(const Searcher& searcher, const MapView& query,
                                  const Database& database, const std::vector<int>& shard,
                                  SearchRequest request, const Ranks& ranks);

}  // namespace compnn
