#include "compnn/core/sharded_search.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

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

}  // namespace
}  // namespace compnn
