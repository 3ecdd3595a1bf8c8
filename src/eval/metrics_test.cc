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

TEST(ConfusionMatrix, PerClassScoresOfTheHandComputedCase) {
  const std::uint8_t truth[] = {0, 0, 0, 1, 1, 2}, predicted[] = {0, 0, 1, 1, 2, 2};
  ConfusionMatrix m(4);
  m.Add(predicted, truth, 6);
  const std::vector<ClassScore> s = m.PerClass();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].pixels, 3);
  EXPECT_DOUBLE_EQ(s[0].accuracy, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s[1].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(s[1].iou, 1.0 / 3);
  EXPECT_DOUBLE_EQ(s[2].iou, 0.5);
  EXPECT_EQ(s[3].pixels, 0);  // in neither: undefined
  EXPECT_EQ(s[3].accuracy, -1);
  EXPECT_EQ(s[3].iou, -1);
}

TEST(PhotoFidelity, HandComputedErrors) {
  const std::uint8_t a[] = {0, 10, 200, 255}, b[] = {0, 20, 190, 255};
  EXPECT_DOUBLE_EQ(MeanAbsoluteError(a, b, 4), 5.0);  // (0 + 10 + 10 + 0) / 4
  // mean squared error 50: 10 log10(65025 / 50)
  EXPECT_NEAR(PeakSignalToNoise(a, b, 4), 31.1411, 1e-4);
  EXPECT_DOUBLE_EQ(PeakSignalToNoise(a, a, 4), kMaxPsnr);
  EXPECT_THROW(MeanAbsoluteError(a, b, 0), std::invalid_argument);
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

TEST(ConfusionMatrix, IgnoreTruthIsNotCounted) {
  constexpr std::uint8_t kI = kIgnoreClass;
  // truth:     0 0 I I 1
  // predicted: 0 1 0 1 1      the two ignore pixels count nowhere, right or wrong
  const std::uint8_t truth[] = {0, 0, kI, kI, 1}, predicted[] = {0, 1, 0, 1, 1};
  ConfusionMatrix m(2);
  m.Add(predicted, truth, 5);
  EXPECT_DOUBLE_EQ(m.PixelAccuracy(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.MeanPixelAccuracy(), (0.5 + 1.0) / 2);
  // IoU: class 0: 1 / 2; class 1: 1 / 2 (truth {4}, pred {1, 4})
  EXPECT_DOUBLE_EQ(m.MeanIoU(), (0.5 + 0.5) / 2);
}

TEST(ConfusionMatrix, PredictedIgnoreIsWrongForTheTrueClass) {
  constexpr std::uint8_t kI = kIgnoreClass;
  const std::uint8_t truth[] = {0, 0, 1, 1}, predicted[] = {0, kI, 1, kI};
  ConfusionMatrix m(2);
  m.Add(predicted, truth, 4);
  EXPECT_DOUBLE_EQ(m.PixelAccuracy(), 0.5);
  EXPECT_DOUBLE_EQ(m.MeanPixelAccuracy(), 0.5);
  // IoU: class 0: 1 / 2 (truth {0, 1}, pred {0}); class 1 alike
  EXPECT_DOUBLE_EQ(m.MeanIoU(), 0.5);
}

TEST(ConfusionMatrix, ScoredMapLeavesOutItsIgnorePixels) {
  constexpr std::uint8_t kI = kIgnoreClass;
  // Agreement of a reconstruction with a network: pixels the ground truth ignores are left out.
  const std::uint8_t network[] = {0, 1, 1, 0}, reconstruction[] = {0, 0, 1, 1},
                     ground_truth[] = {0, kI, 1, kI};
  ConfusionMatrix m(2);
  m.Add(reconstruction, network, 4, ground_truth);
  EXPECT_DOUBLE_EQ(m.PixelAccuracy(), 1.0);
  const std::uint8_t bad[] = {7, 7, 7, 7};
  EXPECT_THROW(m.Add(reconstruction, network, 4, bad), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
