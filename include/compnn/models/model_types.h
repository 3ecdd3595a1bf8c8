// The words that describe a model, as types: what network it is, what pixel range it reads, and
// its layers' shapes. The header includes no LibTorch, so the command line compiles without it
// (the names live in compnn_models).
#pragma once

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

// One capturable layer of a network at a given input size.
struct LayerInfo {
  std::string name;
  int channels = 0, height = 0, width = 0;
  int stride = 1;  // input pixels per cell
};

}  // namespace compnn
