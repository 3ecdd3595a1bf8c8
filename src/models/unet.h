#pragma once

#include <torch/torch.h>

#include "compnn/models/network.h"

namespace compnn::models {

class UNet : public Network {
 public:
  explicit UNet(NetworkConfig config);
  torch::Tensor Forward(const torch::Tensor& x, Capture* capture = nullptr) override;
  std::vector<std::string> LayerNames() const override;
  int TotalStride() const override { return 1 << depth_; }

 private:
  int depth_ = 0;
  std::vector<torch::nn::Conv2d> down_;
  std::vector<torch::nn::BatchNorm2d> down_norm_;
  std::vector<torch::nn::ConvTranspose2d> up_;
  std::vector<torch::nn::BatchNorm2d> up_norm_;
};

// pix2pix's PatchGAN discriminator (70 x 70 receptive field with 3 layers): real or fake for each
// patch of the (input, output) pair.
class PatchGan : public torch::nn::Module {
 public:
  PatchGan(int in_channels, int ndf, int layers = 3);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential body_{nullptr};
};

}  // namespace compnn::models
