#include "compnn/eval/credibility.h"

#include <gtest/gtest.h>

#include <cmath>

namespace compnn {
namespace {

TEST(Nonconformity, HandComputedCase) {
  // One layer of 1 x 2 cells at stride 2 (a 2 x 4 image), 3 neighbours a cell.
  NeighbourVotes v;
  v.height = 1;
  v.width = 2;
  v.k = 3;
  v.stride = 2;
  // Cell 0: classes 1, 1, 2 weighing 0.5, 0.3, 0.2. Cell 1: void, 2 (0.4), a negative weight.
  v.labels = {1, 1, 2, -1, 2, 1};
  v.weights = {0.5f, 0.3f, 0.2f, 0.9f, 0.4f, -0.1f};
  const std::uint8_t classes[] = {1, 2, 255, 0,  //
                                  1, 1, 2,   2};
  const std::vector<float> a = Nonconformity({v}, classes, 2, 4, 255);
  EXPECT_FLOAT_EQ(a[0], 0.2f);  // class 1 at cell 0: 0.2 of 1.0 disagrees
  EXPECT_FLOAT_EQ(a[1], 0.8f);  // class 2 at cell 0
  EXPECT_TRUE(std::isnan(a[2]));
  EXPECT_FLOAT_EQ(a[3], 1.0f);  // class 0 at cell 1: only the class-2 vote counts
  EXPECT_FLOAT_EQ(a[6], 0.0f);  // class 2 at cell 1
  // A second layer adds its share: the same votes twice double every value.
  const std::vector<float> two = Nonconformity({v, v}, classes, 2, 4, 255);
  EXPECT_FLOAT_EQ(two[1], 1.6f);
}

TEST(Nonconformity, ACellWithoutAnyLabelledVoteDisagreesWholly) {
  NeighbourVotes v{1, 1, 2, 1, {-1, -1}, {0.9f, 0.8f}};
  const std::uint8_t classes[] = {3};
  EXPECT_FLOAT_EQ(Nonconformity({v}, classes, 1, 1, 255)[0], 1.0f);
  v.labels.pop_back();
  EXPECT_THROW(Nonconformity({v}, classes, 1, 1, 255), std::invalid_argument);
}

TEST(CredibilityCalibration, IsTheConformalPValue) {
  // Calibration nonconformities 0.1, 0.2, 0.2, 0.5 (and a NaN, skipped).
  const CredibilityCalibration c({0.5f, 0.2f, NAN, 0.1f, 0.2f});
  EXPECT_EQ(c.Count(), 4);
  EXPECT_FLOAT_EQ(c.Credibility(0.0f), 5.0f / 5);  // all four conform no better
  EXPECT_FLOAT_EQ(c.Credibility(0.2f), 4.0f / 5);  // 0.2, 0.2, 0.5
  EXPECT_FLOAT_EQ(c.Credibility(0.3f), 2.0f / 5);
  EXPECT_FLOAT_EQ(c.Credibility(0.9f), 1.0f / 5);
  EXPECT_THROW(CredibilityCalibration({NAN}), std::invalid_argument);
}

TEST(CredibilityCalibration, KeptOrderStatisticsStandForAllValues) {
  std::vector<float> values;
  for (int i = 0; i < 100001; ++i) values.push_back(static_cast<float>(i) / 100000);
  const CredibilityCalibration c(values, 1001);
  EXPECT_EQ(c.Values().size(), 1001u);
  EXPECT_EQ(c.Count(), 100001);
  // A quarter of the values are at least 0.75.
  EXPECT_NEAR(c.Credibility(0.75f), 0.25, 1e-3);
  const CredibilityCalibration saved(c.Values(), c.Count());
  EXPECT_EQ(saved.Credibility(0.3f), c.Credibility(0.3f));
  EXPECT_THROW(CredibilityCalibration({0.5f, 0.1f}, 2LL), std::invalid_argument);  // unsorted
}

TEST(ErrorDetection, AurocAndAveragePrecisionOfAHandComputedCase) {
  // Scores 0.9 (error), 0.8 (correct), 0.7 (error), 0.1 (correct): of the 4 error-correct pairs,
  // 3 rank the error higher -> AUROC 0.75. Average precision: errors at ranks 1 and 3 -> (1/1 +
  // 2/3) / 2.
  const std::vector<float> score = {0.9f, 0.8f, 0.7f, 0.1f};
  const std::vector<std::uint8_t> error = {1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(Auroc(score, error), 0.75);
  EXPECT_DOUBLE_EQ(AveragePrecision(score, error), (1.0 + 2.0 / 3) / 2);
  // Ties count half: every score equal gives 0.5.
  EXPECT_DOUBLE_EQ(Auroc({0.3f, 0.3f, 0.3f}, {1, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(Auroc({0.3f, 0.4f}, {1, 1}), -1);
}

TEST(ErrorDetection, RiskAtCoverageKeepsTheMostConfident) {
  // Confidence 0.9 (right), 0.8 (wrong), 0.5 (right), 0.2 (wrong).
  const std::vector<double> risk =
      RiskAtCoverage({0.5f, 0.9f, 0.2f, 0.8f}, {0, 0, 1, 1}, {0.25, 0.5, 0.75, 1.0});
  EXPECT_DOUBLE_EQ(risk[0], 0.0);
  EXPECT_DOUBLE_EQ(risk[1], 0.5);
  EXPECT_DOUBLE_EQ(risk[2], 1.0 / 3);
  EXPECT_DOUBLE_EQ(risk[3], 0.5);
  EXPECT_THROW(RiskAtCoverage({0.5f}, {0}, {0.0}), std::invalid_argument);
}

TEST(ErrorDetection, SoftmaxConfidenceOfHandComputedLogits) {
  // Two pixels of three classes: equal logits (p = 1/3 each), and log(1), log(3), log(6).
  const float logits[] = {2, 2, 2, 0, std::log(3.0f), std::log(6.0f)};
  std::vector<float> top, entropy;
  SoftmaxConfidence(logits, 2, 3, top, entropy);
  EXPECT_NEAR(top[0], 1.0 / 3, 1e-6);
  EXPECT_NEAR(entropy[0], std::log(3.0), 1e-6);
  EXPECT_NEAR(top[1], 0.6, 1e-6);
  EXPECT_NEAR(entropy[1], -(0.1 * std::log(0.1) + 0.3 * std::log(0.3) + 0.6 * std::log(0.6)), 1e-6);
}

}  // namespace
}  // namespace compnn
