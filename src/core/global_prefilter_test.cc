#include "compnn/core/global_prefilter.h"

#include <gtest/gtest.h>

#include <cmath>

namespace compnn {
namespace {

TEST(GlobalTopK, RanksByCosineComputedByHand) {
  // Query (1, 0). Rows: (0, 1) -> 0; (1, 1) -> 0.707; (2, 0) -> 1; (-1, 0) -> -1; (2, 2) -> 0.707.
  const float rows[] = {0, 1, 1, 1, 2, 0, -1, 0, 2, 2};
  const DescriptorMatrix db{rows, 5, 2};
  const float query[] = {1, 0};
  EXPECT_EQ(GlobalTopK(query, db, 3), (std::vector<int>{2, 1, 4}));  // tie 1 / 4: lower first
  EXPECT_EQ(GlobalTopK(query, db, 5), (std::vector<int>{2, 1, 4, 0, 3}));
  EXPECT_EQ(GlobalTopK(query, db, 2, {4, 0, 3}), (std::vector<int>{4, 0}));
  EXPECT_NEAR(Cosine(std::span<const float>(query, 2), std::span<const float>(rows + 2, 2)),
              std::sqrt(0.5), 1e-12);
}

TEST(GlobalTopK, ZeroDescriptorsScoreZero) {
  const float rows[] = {0, 0, -1, -1};
  const DescriptorMatrix db{rows, 2, 2};
  const float query[] = {1, 1};
  EXPECT_EQ(GlobalTopK(query, db, 2), (std::vector<int>{0, 1}));
}

TEST(GlobalTopK, RejectsBadInput) {
  const float rows[] = {0, 1, 1, 1};
  const DescriptorMatrix db{rows, 2, 2};
  const float query[] = {1, 0};
  const float longer[] = {1, 0, 0};
  EXPECT_THROW(GlobalTopK(longer, db, 1), std::invalid_argument);
  EXPECT_THROW(GlobalTopK(query, db, 3), std::invalid_argument);
  EXPECT_THROW(GlobalTopK(query, db, 0), std::invalid_argument);
  EXPECT_THROW(GlobalTopK(query, db, 1, {2}), std::invalid_argument);
  const float nan_rows[] = {0, NAN, 1, 1};
  EXPECT_THROW(GlobalTopK(query, DescriptorMatrix{nan_rows, 2, 2}, 1), std::invalid_argument);
  const float nan_query[] = {NAN, 0};
  EXPECT_THROW(GlobalTopK(nan_query, db, 1), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
