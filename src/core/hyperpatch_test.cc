#include "compnn/core/hyperpatch.h"

#include <gtest/gtest.h>

#include <cmath>

#include "brute_force_reference.h"

namespace compnn {
namespace {

TEST(Hyperpatch, TopLeftOffsetFollowsIntegerDivision) {
  EXPECT_EQ((HyperpatchShape{2, 2}.top()), 0);
  EXPECT_EQ((HyperpatchShape{3, 3}.top()), 1);
  EXPECT_EQ((HyperpatchShape{4, 5}.top()), 1);
  EXPECT_EQ((HyperpatchShape{4, 5}.left()), 2);
  EXPECT_EQ((HyperpatchShape{2, 3}.length(10)), 60);
}

TEST(Hyperpatch, SidesAreBoundedByTheMapAndTheLengthByInt32) {
  EXPECT_NO_THROW(ValidateHyperpatch({2, 2}, 1, 1, 512));  // pix2pix's 1 x 1 bottleneck
  EXPECT_NO_THROW(ValidateHyperpatch({8, 3}, 8, 3, 16));
  EXPECT_THROW(ValidateHyperpatch({3, 3}, 1, 1, 16), std::invalid_argument);
  EXPECT_THROW(ValidateHyperpatch({9, 1}, 8, 8, 16), std::invalid_argument);
  // 46341^2 x 16 overflowed int32 and crashed the search; the map bound refuses it first, and
  // the length bound holds where the map is as large as the hyperpatch.
  EXPECT_THROW(ValidateHyperpatch({46341, 46341}, 8, 8, 16), std::invalid_argument);
  EXPECT_THROW(ValidateHyperpatch({46341, 46341}, 46341, 46341, 1), std::invalid_argument);
  EXPECT_NO_THROW(ValidateHyperpatch({46340, 46340}, 46340, 46340, 1));
  EXPECT_THROW(ValidateHyperpatch({0, 2}, 8, 8, 16), std::invalid_argument);
}

TEST(Hyperpatch, GatherClampsToTheBorderByHand) {
  // 2 x 3 map of depth 1 holding 1..6; the 2 x 2 hyperpatch of the bottom-right cell clamps to it.
  const float values[] = {1, 2, 3, 4, 5, 6};
  const MapView map{values, 2, 3, 1};
  float out[4];
  GatherHyperpatch(map, {2, 2}, 1, 2, out);
  EXPECT_EQ(out[0], 6);
  EXPECT_EQ(out[1], 6);
  EXPECT_EQ(out[2], 6);
  EXPECT_EQ(out[3], 6);
  GatherHyperpatch(map, {2, 2}, 0, 1, out);
  EXPECT_EQ(out[0], 2);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(out[2], 5);
  EXPECT_EQ(out[3], 6);
  // 3 x 3 centred on the top-left cell: rows -1..1 and columns -1..1, clamped.
  float nine[9];
  GatherHyperpatch(map, {3, 3}, 0, 0, nine);
  const float expected[] = {1, 1, 2, 1, 1, 2, 4, 4, 5};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(nine[i], expected[i]) << i;
}

TEST(Hyperpatch, CosineToCellAgreesWithReference) {
  std::mt19937 rng(31);
  const testing::OwnedMap a = testing::RandomMap(5, 6, 7, rng),
                          b = testing::RandomMap(4, 3, 7, rng);
  const HyperpatchShape shape{3, 2};
  std::vector<float> unit(shape.length(7));
  const std::vector<double> norms = CellSquaredNorms(b.view());
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      ASSERT_TRUE(PackUnitHyperpatches(a.view(), shape, y * a.width + x, 1, unit.data()));
      for (int by = 0; by < b.height; ++by) {
        for (int bx = 0; bx < b.width; ++bx) {
          const double truth =
              testing::ReferenceCosine(testing::ReferenceHyperpatch(a.view(), 3, 2, y, x),
                                       testing::ReferenceHyperpatch(b.view(), 3, 2, by, bx));
          EXPECT_NEAR(CosineToCell(unit.data(), b.view(), norms.data(), shape, by, bx), truth,
                      1e-5);
        }
      }
    }
  }
}

TEST(Hyperpatch, ZeroBlocksGiveZeroAndNonFiniteIsFlagged) {
  std::vector<float> zeros(2 * 2 * 3, 0.0f);
  const MapView zero{zeros.data(), 2, 2, 3};
  std::vector<float> packed(4 * 3, 1.0f);
  EXPECT_TRUE(PackUnitHyperpatches(zero, {2, 2}, 0, 1, packed.data()));
  for (float v : packed) EXPECT_EQ(v, 0.0f);
  const std::vector<float> unit = {0.5f, 0.5f, 0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(CosineToCell(unit.data(), zero, CellSquaredNorms(zero).data(), {2, 2}, 0, 0), 0.0f);
  zeros[5] = NAN;
  EXPECT_FALSE(PackUnitHyperpatches(zero, {2, 2}, 0, 1, packed.data()));
  EXPECT_TRUE(
      std::isnan(CosineToCell(unit.data(), zero, CellSquaredNorms(zero).data(), {2, 2}, 0, 0)));
}

}  // namespace
}  // namespace compnn
