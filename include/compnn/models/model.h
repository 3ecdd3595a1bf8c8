// A network compnn explains: one of its own (written by compnn train) or a user's TorchScript
// file. Both run on images, expose activations by layer name, and give an output image.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"
#include "compnn/models/model_types.h"
#include "compnn/pipeline/network_pixels.h"

// LibTorch stays out of this header: callers that only open models, list layers and explain
// compile without it.
namespace at {
class Tensor;
}

namespace compnn {

class Network;
class ScriptModel;
struct Capture;

// How to open a model file. A TorchScript file records none of these, so they come from here;
// compnn's own model files record them and ignore these, all but the size.
struct ModelSpec {
  std::string path;
  // The input size (a TorchScript file needs one: index takes the dataset's own by default). A
  // compnn model file runs at its training size unless one is given (its sides must suit the
  // network's downsampling: multiples of 16 for SegNet).
  std::optional<ImageSize> size;
  Direction direction = Direction::kAtoB;  // which side of a pair it reads
  InputRange input_range = InputRange::kMinusOneToOne;
  // Instead of input_range: torchvision-style mean and std over pixels scaled to 0..1.
  std::optional<InputNormalisation> normalisation;
  // The tensor a forward returning a dict (a key, e.g. torchvision's "out") or a tuple (an index)
  // gives as the output; empty when the forward returns a tensor.
  std::string output;
  OutputKind output_kind = OutputKind::kImage;

  // Throws OptionError naming the field: an empty path, a size side below 1, a std that is not
  // positive.
  void Check() const;
};

class Model {
 public:
  // Throws std::runtime_error naming the file when it cannot be read.
  static std::unique_ptr<Model> Open(const ModelSpec& spec);
  // A built-in network already in memory, run at `size` (default: its training size).
  static std::unique_ptr<Model> Wrap(std::shared_ptr<Network> network, std::string path = "",
                                     std::optional<ImageSize> size = std::nullopt);
  ~Model();

  const std::string& path() const { return path_; }
  Architecture arch() const { return arch_; }
  Direction direction() const { return direction_; }
  const ImageSize& size() const { return size_; }
  // How it reads pixels and what its output holds.
  const NetworkPixels& pixels() const { return pixels_; }
  InputRange input_range() const { return pixels_.input_range; }
  const std::optional<InputNormalisation>& normalisation() const { return pixels_.normalisation; }
  const std::string& output() const { return pixels_.output; }
  OutputKind output_kind() const { return pixels_.output_kind; }
  // Whether the output is class scores (drawn as the arg-max class in palette colours) rather
  // than an image the network generates.
  bool OutputsClasses() const {
    return arch_ == Architecture::kSegNet || pixels_.output_kind == OutputKind::kLogits;
  }
  // Every capturable layer with its shape and stride at size() (one dummy pass, done once).
  const std::vector<LayerInfo>& layers();
  // The same for another input size (one dummy pass each call).
  std::vector<LayerInfo> LayersAt(const ImageSize& size);
  // One layer by name, or for TorchScript NAME:input the tensor entering submodule NAME (measured
  // with one dummy pass on first use). Throws std::runtime_error naming the file and listing the
  // layers there are.
  const LayerInfo& layer(const std::string& name);
  // Why each TorchScript submodule that cannot be captured cannot be (none for compnn's own).
  std::vector<std::string> Uncapturable() const;
  // The dataset a compnn model was trained on ("" for TorchScript, which does not record it).
  std::string training_data() const;
  // The default global descriptor: Bottleneck() (core/layer_choice.h) of the whole forward pass,
  // the deepest encoder layer of compnn's networks (index stores it, and records it in the
  // manifest, whichever layers are chosen).
  std::string DefaultGlobalLayer();

  // An 8-bit BGR image as the network's input tensor (3 x H x W of size(), in its input range).
  at::Tensor Prepare(const cv::Mat& image, bool labels) const;
  at::Tensor Forward(const at::Tensor& x, Capture* capture = nullptr);
  // One output (C x H x W) as a BGR image, by OutputImage (pipeline/network_pixels.h): SegNet's
  // and TorchScript logits are class scores.
  cv::Mat OutputImage(const at::Tensor& chw, const Palette* palette) const;

 private:
  Model() = default;
  std::string path_;
  Architecture arch_ = Architecture::kTorchScript;
  NetworkPixels pixels_;
  Direction direction_ = Direction::kAtoB;
  ImageSize size_;
  std::shared_ptr<Network> network_;
  std::shared_ptr<ScriptModel> script_;
  std::vector<LayerInfo> layers_;
  std::vector<LayerInfo> inputs_;  // NAME:input layers measured so far
};

// Reads a TorchScript model's store record (NetworkPixels::Record) back into a spec. Errors name
// `path`.
void ReadScriptSpec(const nlohmann::json& manifest_model, const std::string& path, ModelSpec& spec);

// Uses every core for LibTorch's own threads (it defaults to half of them), or `threads` when
// positive.
void UseAllCores(int threads = 0);

}  // namespace compnn
