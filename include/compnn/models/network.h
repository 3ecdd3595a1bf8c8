// The encoder-decoder networks compnn explains, built in LibTorch: pix2pix's U-Net generator and
// SegNet. Both expose their activations by the paper's layer names (section 3.1, Table 3):
//   encoder1..encoderK  output of encoder block k (stride 2^k)
//   decoderK..decoder2  output of decoder block k concatenated with its skip input, i.e. the tensor
//                       entering the next decoder block (stride 2^(k-1)); SegNet has no skips
//   output              the network's output (U-Net: tanh image; SegNet: class logits)
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compnn/core/image_size.h"
#include "compnn/models/model_types.h"

namespace compnn {

struct NetworkConfig {
  Architecture arch = Architecture::kPix2Pix;  // pix2pix or segnet
  int in_channels = 3;
  int out_channels = 3;                          // pix2pix: image channels; segnet: classes
  ImageSize size{128, 128};                      // training image size; depth follows from it
  int ngf = 32;                                  // pix2pix: filters of the first layer
  int max_mult = 4;                              // pix2pix: filters are capped at ngf * max_mult
  std::vector<int> widths = {32, 64, 128, 256};  // segnet: filters per encoder block
  nlohmann::json extra =
      nlohmann::json::object();  // provenance: dataset, direction, palette, recipe

  // Bounds every count (a model file or an option can ask for any number): throws OptionError
  // naming the field.
  void Check() const;
  nlohmann::json ToJson() const;
  static NetworkConfig FromJson(const nlohmann::json& json);
};

// Activations wanted by name, and where they are put.
struct Capture {
  std::set<std::string> wanted;
  std::map<std::string, torch::Tensor> values;
  bool wants(const std::string& name) const { return wanted.count(name) > 0; }
};

class Network : public torch::nn::Module {
 public:
  explicit Network(NetworkConfig config) : config_(std::move(config)) {}
  const NetworkConfig& config() const { return config_; }

  // x: N x in_channels x H x W, H and W multiples of the network's total stride.
  virtual torch::Tensor Forward(const torch::Tensor& x, Capture* capture = nullptr) = 0;
  // Every capturable layer, encoder first, then decoders from the bottleneck out, then output.
  virtual std::vector<std::string> LayerNames() const = 0;
  // Input pixels per cell of the deepest layer; inputs must be multiples of it.
  virtual int TotalStride() const = 0;

 private:
  NetworkConfig config_;
};

// Builds an untrained network; throws std::invalid_argument for a bad configuration.
std::shared_ptr<Network> MakeNetwork(const NetworkConfig& config);

// Shapes and strides of every layer for an input of `size` (one dummy forward pass).
std::vector<LayerInfo> ListLayers(Network& network, const ImageSize& size);

// Writes the network (weights as float16, configuration as JSON) atomically.
void SaveNetwork(Network& network, const std::string& path);
// Reads a network written by SaveNetwork, in eval mode. Throws std::runtime_error naming the file
// when it is missing, truncated, not a compnn model, or not of `expected` (when given).
std::shared_ptr<Network> LoadNetwork(const std::string& path,
                                     std::optional<Architecture> expected = std::nullopt);

}  // namespace compnn
