// pix2pix's U-Net generator (Isola et al.): 4 x 4 stride-2 convolutions down to 1 x 1 with
// LeakyReLU 0.2 and batch norm, 4 x 4 stride-2 transposed convolutions back up with ReLU, batch
// norm and dropout, skips by concatenation, tanh output.
#include "unet.h"

#include <algorithm>
#include <cmath>

namespace compnn::models {

namespace F = torch::nn::functional;

UNet::UNet(NetworkConfig config) : Network(std::move(config)) {
  const NetworkConfig& c = this->config();
  // Down to 1 cell on the shorter side; the longer side must be a multiple of the shorter.
  const int shorter = std::min(c.size.height, c.size.width);
  const int longer = std::max(c.size.height, c.size.width);
  depth_ = static_cast<int>(std::lround(std::log2(std::max(1, shorter))));
  if ((1 << depth_) != shorter || depth_ < 2 || longer % shorter != 0) {
    throw std::invalid_argument(
        "pix2pix needs a power-of-two shorter side of at least 4 and a longer side that is a "
        "multiple of it, got " +
        c.size.ToString());
  }
  if (c.ngf < 1 || c.max_mult < 1) throw std::invalid_argument("ngf and max_mult must be positive");
  std::vector<int> channels;  // of encoder k at index k - 1
  for (int k = 1; k <= depth_; ++k) channels.push_back(c.ngf * std::min(1 << (k - 1), c.max_mult));
  auto conv = [](int in, int out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1).bias(false));
  };
  auto deconv = [](int in, int out, bool bias) {
    return torch::nn::ConvTranspose2d(
        torch::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias));
  };
  for (int k = 1; k <= depth_; ++k) {
    const int in = k == 1 ? c.in_channels : channels[k - 2];
    down_.push_back(register_module("down" + std::to_string(k), conv(in, channels[k - 1])));
    // Batch norm after every encoder block but the first and the innermost.
    down_norm_.push_back(k > 1 && k < depth_
                             ? register_module("down_norm" + std::to_string(k),
                                               torch::nn::BatchNorm2d(channels[k - 1]))
                             : nullptr);
  }
  // Up block k turns the tensor entering it into encoder (k-1)'s shape; block 1 makes the image.
  for (int k = 1; k <= depth_; ++k) {
    const int in = k == depth_ ? channels[depth_ - 1] : 2 * channels[k - 1];
    const int out = k == 1 ? c.out_channels : channels[k - 2];
    up_.push_back(register_module("up" + std::to_string(k), deconv(in, out, k == 1)));
    up_norm_.push_back(
        k > 1 ? register_module("up_norm" + std::to_string(k), torch::nn::BatchNorm2d(out))
              : nullptr);
  }
}

std::vector<std::string> UNet::LayerNames() const {
  std::vector<std::string> names;
  for (int k = 1; k <= depth_; ++k) names.push_back("encoder" + std::to_string(k));
  for (int k = depth_; k >= 2; --k) names.push_back("decoder" + std::to_string(k));
  names.push_back("output");
  return names;
}

torch::Tensor UNet::Forward(const torch::Tensor& x, Capture* capture) {
  auto keep = [capture](const std::string& name, const torch::Tensor& t) {
    if (capture && capture->wants(name)) capture->values[name] = t;
  };
  std::vector<torch::Tensor> encoder;
  torch::Tensor h = x;
  for (int k = 1; k <= depth_; ++k) {
    if (k > 1) h = F::leaky_relu(h, F::LeakyReLUFuncOptions().negative_slope(0.2));
    h = down_[k - 1]->forward(h);
    if (down_norm_[k - 1]) h = down_norm_[k - 1]->forward(h);
    keep("encoder" + std::to_string(k), h);
    encoder.push_back(h);
  }
  for (int k = depth_; k >= 2; --k) {
    torch::Tensor u = up_norm_[k - 1]->forward(up_[k - 1]->forward(torch::relu(h)));
    // Dropout in the three blocks below the innermost, where filters are widest (as pix2pix).
    if (k < depth_ && k >= depth_ - 3 && k >= 4)
      u = F::dropout(u, F::DropoutFuncOptions().p(0.5).training(is_training()));
    h = torch::cat({u, encoder[k - 2]}, 1);
    keep("decoder" + std::to_string(k), h);
  }
  torch::Tensor out = torch::tanh(up_[0]->forward(torch::relu(h)));
  keep("output", out);
  return out;
}

}  // namespace compnn::models
