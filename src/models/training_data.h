// A dataset split as tensors at the training size: photos resized with area interpolation, label
// images with nearest neighbour.
#pragma once

#include <torch/torch.h>

#include "compnn/data/dataset.h"
#include "compnn/pipeline/network_pixels.h"

namespace compnn::models {

struct SplitTensors {
  torch::Tensor inputs;          // N x 3 x H x W, in [-1, 1]
  torch::Tensor targets;         // N x 3 x H x W in [-1, 1] (images) or N x H x W int64 (class ids)
  torch::Tensor target_classes;  // N x H x W uint8 class ids when the target side holds labels
  std::vector<std::string> names;
};

// Reads `limit` pairs (0: all) of a split. With `class_targets`, targets are class ids through the
// dataset's palette (the target side must hold labels).
SplitTensors LoadSplit(const Dataset& dataset, const std::string& split, Direction direction,
                       const ImageSize& size, bool class_targets, int limit);

// An 8-bit BGR image as a 3 x H x W RGB tensor at `size`, in the network's scaling (by default
// pix2pix's [-1, 1]; InputValues in pipeline/network_pixels.h), and a [-1, 1] image back
// (OutputImage).
torch::Tensor ImageToTensor(const cv::Mat& bgr, const ImageSize& size, bool labels,
                            const NetworkPixels& pixels = {});
cv::Mat TensorToImage(const torch::Tensor& chw);

}  // namespace compnn::models
