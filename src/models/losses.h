// The training losses, and where the ignore class leaves them.
#pragma once

#include <torch/torch.h>

namespace compnn::models {

// L1 between generated and target images (N x 3 x H x W), over the pixels whose target is not the
// ignore class's colour (`ignore_colour`, 1 x 3 x 1 x 1 in the images' range; undefined: every
// pixel counts).
torch::Tensor MaskedL1(const torch::Tensor& fake, const torch::Tensor& target,
                       const torch::Tensor& ignore_colour);

// Weighted cross-entropy of class scores (N x C x H x W) against class ids (N x H x W, int64);
// pixels of the ignore class (kIgnoreClass) are left out.
torch::Tensor ClassLoss(const torch::Tensor& logits, const torch::Tensor& target,
                        const torch::Tensor& weights);

// Median frequency balancing (as SegNet weighs CamVid's classes): weight_c = median_f / f_c, where
// f_c is class c's share of the pixels of the images that contain it. Absent classes weigh 0.
// Ignore pixels count in no class and in no image's area.
torch::Tensor MedianFrequencyWeights(const torch::Tensor& targets, int classes);

}  // namespace compnn::models
