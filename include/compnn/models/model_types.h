// The words that describe a model, as types: what network it is, what pixel range it reads, and
// its layers' shapes. The header includes no LibTorch, so the command line compiles without it
// (the names live in compnn_models).
#pragma once

#include <array>
#include <map>
#include <string>

#include "compnn/core/enum_names.h"

namespace compnn {

// compnn's own networks, or a user's TorchScript file.
enum class Architecture { kPix2Pix, kSegNet, kTorchScript };
// Names in model files, manifests and on the command line: pix2pix, segnet, torchscript.
const std::map<std::string, Architecture>& ArchitectureNames();
std::string ToString(Architecture architecture);

// The range a network expects pixels in: [-1, 1] (pix2pix's convention) or [0, 1].
enum class InputRange { kMinusOneToOne, kZeroToOne };
// Names in manifests and on the command line: "-1,1" and "0,1".
const std::map<std::string, InputRange>& InputRangeNames();
std::string ToString(InputRange range);

// What a TorchScript model's output tensor holds: an image in its input range, or N x C x H x W
// class scores (logits) in labels.json's class order.
enum class OutputKind { kImage, kLogits };
// Names in manifests and on the command line: "image" and "logits".
const std::map<std::string, OutputKind>& OutputKindNames();
std::string ToString(OutputKind kind);

// torchvision-style input normalisation: pixels scaled to 0..1, then (x - mean) / std per RGB
// channel (ImageNet's: mean 0.485,0.456,0.406, std 0.229,0.224,0.225).
struct InputNormalisation {
  std::array<float, 3> mean{}, std{};
  bool operator==(const InputNormalisation&) const = default;
};

// One capturable layer of a network at a given input size.
struct LayerInfo {
  std::string name;
  int channels = 0, height = 0, width = 0;
  int stride = 1;  // input pixels per cell
};

}  // namespace compnn
