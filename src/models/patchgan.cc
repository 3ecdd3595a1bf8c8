#include "unet.h"

namespace compnn::models {

PatchGan::PatchGan(int in_channels, int ndf, int layers) {
  torch::nn::Sequential body;
  auto conv = [](int in, int out, int stride, bool bias) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, 4).stride(stride).padding(1).bias(bias));
  };
  auto leaky = [] {
    return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2));
  };
  body->push_back(conv(in_channels, ndf, 2, true));
  body->push_back(leaky());
  int channels = ndf;
  for (int n = 1; n <= layers; ++n) {
    const int out = ndf * std::min(1 << n, 8);
    body->push_back(conv(channels, out, n < layers ? 2 : 1, false));
    body->push_back(torch::nn::BatchNorm2d(out));
    body->push_back(leaky());
    channels = out;
  }
  body->push_back(conv(channels, 1, 1, true));
  body_ = register_module("body", body);
}

torch::Tensor PatchGan::forward(const torch::Tensor& x) { return body_->forward(x); }

}  // namespace compnn::models
