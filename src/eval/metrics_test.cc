#include "compnn/eval/metrics.h"

#include <gtest/gtest.h>

namespace compnn {
namespace {

TEST(ConfusionMatrix, HandComputedCase) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2      class 3 appears in neither and is ignored
  const std::uint8_t truth[] = {0, 0, 0, 1, 1, 2}, predicted[] = {0, 0, 1, 1, 2, 2};
  ConfusionMatrix m(4);
  m.Add(predicted, truth, 6);
  EXPECT_DOUBLE_EQ(m.PixelAccuracy(), 4.0 / 6);
  // per class accuracy: 2/3, 1/2, 1/1
  EXPECT_DOUBLE_EQ(m.MeanPixelAccuracy(), (2.0 / 3 + 0.5 + 1.0) / 3);
  // IoU: class 0: 2 / 3; class 1: 1 / 3 (truth {3,4}, pred {2,3}); class 2: 1 / 2
  EXPECT_DOUBLE_EQ(m.MeanIoU(), (2.0 / 3 + 1.0 / 3 + 0.5) / 3);
  EXPECT_EQ(m.at(0, 1), 1);
}

TEST(ConfusionMatrix, ClassOnlyPredictedCountsInIoUNotInAccuracy) {
  const std::uint8_t truth[] = {0, 0}, predicted[] = {0, 1};
  ConfusionMatrix m(2);
  m.Add(predicted, truth, 2);
  EXPECT_DOUBLE_EQ(m.MeanPixelAccuracy(), 0.5);
  EXPECT_DOUBLE_EQ(m.MeanIoU(), (0.5 + 0.0) / 2);
  const std::uint8_t bad[] = {2};
  EXPECT_THROW(m.Add(bad, truth, 1), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
