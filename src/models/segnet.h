#pragma once

#include <torch/torch.h>

#include "compnn/models/network.h"

namespace compnn::models {

// SegNet (Badrinarayanan et al.), slimmed for a 2-core machine: VGG-style encoder blocks of two
// 3 x 3 conv-BN-ReLU layers and a 2 x 2 max pooling that keeps its indices; a mirrored decoder
// that unpools with those indices; class logits out (softmax in the loss).
class SegNet : public Network {
 public:
  explicit SegNet(NetworkConfig config);
  torch::Tensor Forward(const torch::Tensor& x, Capture* capture = nullptr) override;
  std::vector<std::string> LayerNames() const override;
  int TotalStride() const override { return 1 << static_cast<int>(encoder_.size()); }

 private:
  std::vector<torch::nn::Sequential> encoder_, decoder_;
  torch::nn::Conv2d classifier_{nullptr};
};

}  // namespace compnn::models
