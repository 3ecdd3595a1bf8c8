#include "losses.h"

#include <gtest/gtest.h>

#include "compnn/eval/metrics.h"

namespace compnn::models {
namespace {

TEST(Losses, MaskedL1SkipsTargetPixelsOfTheIgnoreColour) {
  torch::manual_seed(1);
  const torch::Tensor fake = torch::rand({1, 3, 2, 2}) * 2 - 1;
  torch::Tensor target = torch::rand({1, 3, 2, 2}) * 2 - 1;
  const torch::Tensor ignore = torch::tensor({-1.0f, -1.0f, -1.0f}).view({1, 3, 1, 1});
  target.index_put_({0, torch::indexing::Slice(), 1, 0}, -1.0f);  // pixel (1, 0) is ignore
  // By hand: the mean absolute difference over the three other pixels' 9 values.
  double sum = 0;
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      if (!(y == 1 && x == 0))
        for (int c = 0; c < 3; ++c)
          sum += std::abs(fake[0][c][y][x].item<double>() - target[0][c][y][x].item<double>());
  EXPECT_NEAR(MaskedL1(fake, target, ignore).item<double>(), sum / 9, 1e-6);
  EXPECT_NEAR(MaskedL1(fake, target, torch::Tensor()).item<double>(),
              (fake - target).abs().mean().item<double>(), 1e-6);
}

TEST(Losses, ClassLossIgnoresTheIgnoreClassWhateverTheScoresThere) {
  torch::manual_seed(2);
  torch::Tensor logits = torch::randn({1, 3, 1, 4});
  const torch::Tensor target =
      torch::tensor({0, 2, int(kIgnoreClass), 1}, torch::kLong).view({1, 1, 4});
  const torch::Tensor weights = torch::tensor({1.0f, 2.0f, 0.5f});
  // By hand: weighted mean of -log softmax at the three labelled pixels.
  const torch::Tensor log_p = torch::log_softmax(logits, 1);
  double loss = 0, weight = 0;
  for (int x : {0, 1, 3}) {
    const int c = static_cast<int>(target[0][0][x].item<int64_t>());
    loss -= weights[c].item<double>() * log_p[0][c][0][x].item<double>();
    weight += weights[c].item<double>();
  }
  EXPECT_NEAR(ClassLoss(logits, target, weights).item<double>(), loss / weight, 1e-5);
  logits.index_put_({0, torch::indexing::Slice(), 0, 2}, torch::tensor({50.0f, -50.0f, 3.0f}));
  EXPECT_NEAR(ClassLoss(logits, target, weights).item<double>(), loss / weight, 1e-5);
}

TEST(Losses, MedianFrequencyLeavesIgnoreOutOfEveryCount) {
  // One image: class 0 on 2 pixels, class 1 on 1, ignore on 5. Labelled area 3: f0 = 2/3, f1 = 1/3.
  const std::int64_t I = kIgnoreClass;
  const torch::Tensor targets =
      torch::tensor({std::int64_t{0}, std::int64_t{0}, std::int64_t{1}, I, I, I, I, I})
          .view({1, 2, 4});
  const torch::Tensor w = MedianFrequencyWeights(targets, 2);
  // Median of {1/3, 2/3} (upper middle for two) = 2/3: w0 = 1, w1 = 2.
  EXPECT_NEAR(w[0].item<double>(), 1.0, 1e-9);
  EXPECT_NEAR(w[1].item<double>(), 2.0, 1e-9);
}

}  // namespace
}  // namespace compnn::models
