#include "losses.h"

#include <algorithm>
#include <vector>

#include "compnn/eval/metrics.h"

namespace compnn::models {

torch::Tensor MaskedL1(const torch::Tensor& fake, const torch::Tensor& target,
                       const torch::Tensor& ignore_colour) {
  if (!ignore_colour.defined()) return torch::l1_loss(fake, target);
  // Targets are resized with nearest neighbour, so ignore pixels keep their exact colour.
  const torch::Tensor counted =
      (target - ignore_colour).abs().amax(1, /*keepdim=*/true).gt(1e-4).to(fake.dtype());
  const torch::Tensor total = counted.sum() * fake.size(1);
  return ((fake - target).abs() * counted).sum() / total.clamp_min(1);
}

torch::Tensor ClassLoss(const torch::Tensor& logits, const torch::Tensor& target,
                        const torch::Tensor& weights) {
  return torch::cross_entropy_loss(logits, target, weights, at::Reduction::Mean, kIgnoreClass);
}

torch::Tensor MedianFrequencyWeights(const torch::Tensor& targets, int classes) {
  std::vector<double> frequency(classes, 0.0);
  const torch::Tensor flat = targets.reshape({targets.size(0), -1});
  std::vector<double> pixels(classes, 0.0), image_pixels(classes, 0.0);
  for (int64_t i = 0; i < flat.size(0); ++i) {
    const torch::Tensor counts = torch::bincount(flat[i], {}, classes);
    // Ignore pixels are not part of an image's labelled area.
    const double per_image = counts.narrow(0, 0, classes).sum().item<double>();
    for (int c = 0; c < classes; ++c) {
      const double n = counts[c].item<double>();
      if (n > 0) {
        pixels[c] += n;
        image_pixels[c] += per_image;
      }
    }
  }
  std::vector<double> present;
  for (int c = 0; c < classes; ++c) {
    if (image_pixels[c] > 0) {
      frequency[c] = pixels[c] / image_pixels[c];
      present.push_back(frequency[c]);
    }
  }
  std::sort(present.begin(), present.end());
  const double median = present.empty() ? 1.0 : present[present.size() / 2];
  torch::Tensor weights = torch::zeros({classes});
  for (int c = 0; c < classes; ++c) {
    if (frequency[c] > 0) weights[c] = median / frequency[c];
  }
  return weights;
}

}  // namespace compnn::models
