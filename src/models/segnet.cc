#include "segnet.h"

namespace compnn::models {

namespace F = torch::nn::functional;

namespace {

// Two 3 x 3 conv-BN-ReLU layers.
torch::nn::Sequential TwoConvs(int in, int middle, int out) {
  auto conv = [](int i, int o) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(i, o, 3).padding(1).bias(false));
  };
  return torch::nn::Sequential(conv(in, middle), torch::nn::BatchNorm2d(middle), torch::nn::ReLU(),
                               conv(middle, out), torch::nn::BatchNorm2d(out), torch::nn::ReLU());
}

}  // namespace

SegNet::SegNet(NetworkConfig config) : Network(std::move(config)) {
  const NetworkConfig& c = this->config();
  if (c.widths.empty() || c.out_channels < 2)
    throw std::invalid_argument("segnet needs encoder widths and >= 2 classes");
  const int stride = 1 << c.widths.size();
  if (c.size.height % stride != 0 || c.size.width % stride != 0) {
    throw std::invalid_argument("segnet input size " + c.size.ToString() +
                                " must be a multiple of " + std::to_string(stride) +
                                " on both sides");
  }
  const int blocks = static_cast<int>(c.widths.size());
  for (int k = 1; k <= blocks; ++k) {
    const int in = k == 1 ? c.in_channels : c.widths[k - 2];
    encoder_.push_back(register_module("encoder" + std::to_string(k),
                                       TwoConvs(in, c.widths[k - 1], c.widths[k - 1])));
  }
  // Decoder block k unpools to encoder k's input resolution and maps to encoder (k-1)'s width;
  // block 1 keeps encoder 1's width and the classifier follows.
  for (int k = 1; k <= blocks; ++k) {
    const int out = k == 1 ? c.widths[0] : c.widths[k - 2];
    decoder_.push_back(register_module("decoder" + std::to_string(k),
                                       TwoConvs(c.widths[k - 1], c.widths[k - 1], out)));
  }
  classifier_ = register_module(
      "classifier",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(c.widths[0], c.out_channels, 3).padding(1)));
}

std::vector<std::string> SegNet::LayerNames() const {
  std::vector<std::string> names;
  const int blocks = static_cast<int>(encoder_.size());
  for (int k = 1; k <= blocks; ++k) names.push_back("encoder" + std::to_string(k));
  for (int k = blocks; k >= 2; --k) names.push_back("decoder" + std::to_string(k));
  names.push_back("output");
  return names;
}

torch::Tensor SegNet::Forward(const torch::Tensor& x, Capture* capture) {
  auto keep = [capture](const std::string& name, const torch::Tensor& t) {
    if (capture && capture->wants(name)) capture->values[name] = t;
  };
  const int blocks = static_cast<int>(encoder_.size());
  std::vector<torch::Tensor> indices;
  torch::Tensor h = x;
  for (int k = 1; k <= blocks; ++k) {
    h = encoder_[k - 1]->forward(h);
    auto [pooled, index] = F::max_pool2d_with_indices(h, F::MaxPool2dFuncOptions(2).stride(2));
    h = pooled;
    indices.push_back(index);
    keep("encoder" + std::to_string(k), h);
  }
  for (int k = blocks; k >= 1; --k) {
    h = F::max_unpool2d(h, indices[k - 1], F::MaxUnpool2dFuncOptions(2).stride(2));
    h = decoder_[k - 1]->forward(h);
    if (k >= 2) keep("decoder" + std::to_string(k), h);
  }
  torch::Tensor logits = classifier_->forward(h);
  keep("output", logits);
  return logits;
}

}  // namespace compnn::models
