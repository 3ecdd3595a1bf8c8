#include "compnn/core/sharded_search.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>
#include <random>
#include <stdexcept>
#include <tuple>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"

namespace compnn {
namespace {

TEST(ShardOf, ContiguousInRankOrderSizesDifferingByAtMostOne) {
  // 7 over 3: 3, 2, 2 (hand-computed).
  EXPECT_EQ(ShardOf(7, 0, 3).begin, 0);
  EXPECT_EQ(ShardOf(7, 0, 3).end, 3);
  EXPECT_EQ(ShardOf(7, 1, 3).begin, 3);
  EXPECT_EQ(ShardOf(7, 1, 3).end, 5);
  EXPECT_EQ(ShardOf(7, 2, 3).begin, 5);
  EXPECT_EQ(ShardOf(7, 2, 3).end, 7);
  // More ranks than items: the last are empty.
  EXPECT_EQ(ShardOf(2, 2, 3).size(), 0);
  EXPECT_TRUE(ShardOf(0, 0, 1).empty());
  for (int count : {0, 1, 5, 64, 1001}) {
    for (int ranks : {1, 2, 3, 7}) {
      int next = 0;
      for (int r = 0; r < ranks; ++r) {
        const IndexRange range = ShardOf(count, r, ranks);
        EXPECT_EQ(range.begin, next);
        EXPECT_LE(range.size(), count / ranks + 1);
        EXPECT_GE(range.size(), count / ranks);
        next = range.end;
      }
      EXPECT_EQ(next, count);
    }
  }
  EXPECT_THROW(ShardOf(4, 2, 2), std::invalid_argument);
  EXPECT_THROW(ShardOf(-1, 0, 1), std::invalid_argument);
  EXPECT_THROW(ShardOf(4, 0, 0), std::invalid_argument);
}

TEST(ShardCandidates, SplitsThePositionsNotTheIndices) {
  const std::vector<int> candidates = {2, 9, 10, 40, 41};
  EXPECT_EQ(ShardCandidates(candidates, 0, 2), (std::vector<int>{2, 9, 10}));
  EXPECT_EQ(ShardCandidates(candidates, 1, 2), (std::vector<int>{40, 41}));
  EXPECT_TRUE(ShardCandidates({3}, 1, 2).empty());
  // Given in any order and with repeats, every rank agrees on the same runs.
  EXPECT_EQ(ShardCandidates({41, 9, 2, 40, 10, 9}, 0, 2), (std::vector<int>{2, 9, 10}));
}

TEST(MergeFields, KeepsTheKBestTiesToTheLowestCellUnfilledSlotsLast) {
  constexpr float kNone = -std::numeric_limits<float>::infinity();
  CorrespondenceField a(1, 1, 3), b(1, 1, 3);
  // a: two matches and an unfilled slot; b: a tie with a's best, from a lower image.
  a.at(0, 0, 0) = {5, 0, 0, 0.9f};
  a.at(0, 0, 1) = {5, 1, 0, 0.2f};
  a.at(0, 0, 2) = {-1, 0, 0, kNone};
  b.at(0, 0, 0) = {3, 2, 2, 0.9f};
  b.at(0, 0, 1) = {-1, 0, 0, kNone};
  b.at(0, 0, 2) = {-1, 0, 0, kNone};
  MergeFields(a, b);
  EXPECT_EQ(a.at(0, 0, 0).image, 3);
  EXPECT_EQ(a.at(0, 0, 1).image, 5);
  EXPECT_EQ(a.at(0, 0, 1).y, 0);
  EXPECT_EQ(a.at(0, 0, 2).image, 5);
  EXPECT_EQ(a.at(0, 0, 2).y, 1);
  // Merging in the other order gives the same list.
  CorrespondenceField c = b;
  CorrespondenceField a0(1, 1, 3);
  a0.at(0, 0, 0) = {5, 0, 0, 0.9f};
  a0.at(0, 0, 1) = {5, 1, 0, 0.2f};
  a0.at(0, 0, 2) = {-1, 0, 0, kNone};
  MergeFields(c, a0);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(c.at(0, 0, r).image, a.at(0, 0, r).image);
    EXPECT_EQ(c.at(0, 0, r).y, a.at(0, 0, r).y);
  }
  EXPECT_THROW(MergeFields(a, CorrespondenceField(1, 2, 3)), std::invalid_argument);
}

// Rank `rank` of `size`, each in this one process: the reduction leaves a rank's field as it is,
// and the test merges them itself.
class FakeRanks : public Ranks {
 public:
  FakeRanks(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }

 private:
  int rank_, size_;
};

TEST(ShardedSearch, RanksMergeIntoTheOneProcessSearchBitForBit) {
  std::mt19937 rng(12);
  testing::SearchCase c;
  for (auto [h, w] : {std::pair{9, 7}, {5, 8}, {9, 7}, {6, 6}, {3, 4}}) {
    c.maps.push_back(testing::SmoothMap(h, w, 6, rng));
  }
  c.maps[2] = c.maps[0];  // ties across a shard boundary
  c.query = testing::SmoothMap(7, 6, 6, rng);
  const Database db(c.views());
  const ExactSearcher exact;
  const std::vector<int> candidates = {4, 0, 2, 3, 1};
  for (int k : {1, 2}) {
    SearchRequest request;
    request.k = k;
    request.candidates = candidates;
    const CorrespondenceField expected = exact.Search(c.query.view(), db, request).field;
    // One rank: the shard is every candidate.
    const ShardedSearchResult alone = ShardedSearch(
        exact, c.query.view(), db, ShardCandidates(candidates, 0, 1), request, Ranks());
    for (int ranks : {2, 3, 7}) {  // 7: more ranks than images, some shards empty
      SCOPED_TRACE("k " + std::to_string(k) + ", " + std::to_string(ranks) + " ranks");
      CorrespondenceField merged =
          ShardedSearch(exact, c.query.view(), db, ShardCandidates(candidates, ranks - 1, ranks),
                        request, FakeRanks(ranks - 1, ranks))
              .field;
      for (int r = 0; r < ranks - 1; ++r) {
        MergeFields(merged,
                    ShardedSearch(exact, c.query.view(), db, ShardCandidates(candidates, r, ranks),
                                  request, FakeRanks(r, ranks))
                        .field);
      }
      ASSERT_EQ(merged.k, k);
      for (std::size_t i = 0; i < expected.matches.size(); ++i) {
        const Match &e = expected.matches[i], &m = merged.matches[i], &a = alone.field.matches[i];
        ASSERT_EQ(std::bit_cast<std::uint32_t>(m.similarity),
                  std::bit_cast<std::uint32_t>(e.similarity))
            << "match " << i;
        ASSERT_EQ(std::tie(m.image, m.y, m.x), std::tie(e.image, e.y, e.x)) << "match " << i;
        ASSERT_EQ(std::tie(a.image, a.y, a.x, a.similarity),
                  std::tie(e.image, e.y, e.x, e.similarity))
            << "match " << i;
      }
    }
  }
}

TEST(ShardedSearch, RefusesSearchersThatDoNotSplitAndMoreMatchesThanCells) {
  std::mt19937 rng(13);
  const OwnedMap map = testing::RandomMap(3, 3, 4, rng), query = testing::RandomMap(3, 3, 4, rng);
  const Database db({map.view()});
  SearchRequest request;
  for (const SearcherEntry& entry : Searchers()) {
    const std::shared_ptr<const Searcher> searcher = MakeSearcher(entry.name);
    if (searcher->traits().splits_across_ranks) continue;
    EXPECT_THROW(ShardedSearch(*searcher, query.view(), db, {0}, request, Ranks()),
                 std::invalid_argument)
        << entry.name;
  }
  EXPECT_THROW(ShardedSearch(PatchMatchSearcher(), query.view(), db, {0}, request, Ranks()),
               std::invalid_argument);
  EXPECT_THROW(ShardedSearch(ProjectedSearcher(), query.view(), db, {0}, request, Ranks()),
               std::invalid_argument);
  request.k = 10;  // the one image holds 9 cells
  try {
    ShardedSearch(ExactSearcher(), query.view(), db, {0}, request, Ranks());
    ADD_FAILURE() << "searched for 10 matches among 9 cells";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "k");
  }
  request.k = 0;
  try {
    ShardedSearch(ExactSearcher(), query.view(), db, {0}, request, Ranks());
    ADD_FAILURE() << "searched with k 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "k");
  }
}

}  // namespace
}  // namespace compnn
