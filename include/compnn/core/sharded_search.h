// Exact search split over ranks (core/ranks.h): each rank searches a contiguous run of the
// candidate images, and rank 0 merges the fields. Since a pair's similarity does not depend on
// the other images searched (exact_search.h), the merged field is bit-identical to one process's.
#pragma once

#include <cstdint>
#include <vector>

#include "compnn/core/exact_search.h"
#include "compnn/core/ranks.h"

namespace compnn {

// The part of `candidates` that `rank` of `ranks` searches: a contiguous run of them sorted and
// de-duplicated (so every rank, given them in any order, agrees), run lengths differing by at
// most one. Empty when there are more ranks than candidates.
std::vector<int> ShardCandidates(std::vector<int> candidates, int rank, int ranks);

struct ShardedSearchResult {
  CorrespondenceField field;    // on rank 0, the search over all shards; elsewhere unspecified
  std::int64_t bytes_sent = 0;  // what this rank sent to merge the fields
};

// Searches `shard` (this rank's ShardCandidates, possibly empty) with `options` (whose candidates
// are ignored), then merges every rank's field on rank 0. The database needs maps of the shard's
// images only. Every rank must call it. Throws what ExactSearch throws; on rank 0, also
// OptionError (top_k) when all the shards together hold fewer cells than options.top_k.
ShardedSearchResult ShardedExactSearch(const MapView& query, const Database& database,
                                       const std::vector<int>& shard, ExactSearchOptions options,
                                       const Ranks& ranks);

}  // namespace compnn
