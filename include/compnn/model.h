// A network compnn explains: one of its own (written by compnn train) or a user's TorchScript
// file. Both run on images, expose activations by layer name, and give an output image.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/dataset.h"
#include "compnn/network.h"

namespace compnn {

class ScriptModel;

// How to open a model file. A TorchScript file records none of these, so they come from here;
// compnn's own model files record them and ignore these.
struct ModelSpec {
  std::string path;
  int size = 256;                    // input image side
  std::string direction = "AtoB";    // which side of a pair it reads
  std::string input_range = "-1,1";  // pixels in [-1, 1] (pix2pix) or "0,1"
};

class Model {
 public:
  // Throws std::runtime_error naming the file when it cannot be read.
  static std::unique_ptr<Model> Open(const ModelSpec& spec);
  // A built-in network already in memory.
  static std::unique_ptr<Model> Wrap(std::shared_ptr<Network> network, std::string path = "");
  ~Model();

  const std::string& path() const { return path_; }
  const std::string& arch() const { return arch_; }  // pix2pix, segnet or torchscript
  Direction direction() const { return direction_; }
  int size() const { return size_; }
  const std::string& input_range() const { return input_range_; }
  // Every capturable layer with its shape and stride at size() (one dummy pass, done once).
  const std::vector<LayerInfo>& layers();
  // One layer by name, or for TorchScript NAME:input the tensor entering submodule NAME (measured
  // with one dummy pass on first use). Throws std::runtime_error naming the file and listing the
  // layers there are.
  const LayerInfo& layer(const std::string& name);
  // The dataset a compnn model was trained on ("" for TorchScript, which does not record it).
  std::string training_data() const;
  // The default global descriptor: the bottleneck (built-in), or the layer with the fewest cells
  // among `chosen` (all when empty) for TorchScript.
  std::string DefaultGlobalLayer(const std::vector<std::string>& chosen = {});

  // An 8-bit BGR image as the network's input tensor (3 x size x size, in its input range).
  torch::Tensor Prepare(const cv::Mat& image, bool labels) const;
  torch::Tensor Forward(const torch::Tensor& x, Capture* capture = nullptr);
  // One output (C x H x W) as a BGR image: an image for 3 channels (in the input range), the
  // palette colours of the arg-max class for as many channels as the palette has classes.
  cv::Mat OutputImage(const torch::Tensor& chw, const Palette* palette) const;

 private:
  Model() = default;
  std::string path_, arch_, input_range_ = "-1,1";
  Direction direction_ = Direction::kAtoB;
  int size_ = 0;
  std::shared_ptr<Network> network_;
  std::shared_ptr<ScriptModel> script_;
  std::vector<LayerInfo> layers_;
  std::vector<LayerInfo> inputs_;  // NAME:input layers measured so far
};

}  // namespace compnn
