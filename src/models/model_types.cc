#include "compnn/models/model_types.h"

namespace compnn {

const std::map<std::string, Architecture>& ArchitectureNames() {
  static const std::map<std::string, Architecture> names = {
      {"pix2pix", Architecture::kPix2Pix},
      {"segnet", Architecture::kSegNet},
      {"torchscript", Architecture::kTorchScript}};
  return names;
}

std::string ToString(Architecture architecture) {
  switch (architecture) {
    case Architecture::kPix2Pix:
      return "pix2pix";
    case Architecture::kSegNet:
      return "segnet";
    case Architecture::kTorchScript:
      return "torchscript";
  }
  return "";
}

const std::map<std::string, InputRange>& InputRangeNames() {
  static const std::map<std::string, InputRange> names = {{"-1,1", InputRange::kMinusOneToOne},
                                                          {"0,1", InputRange::kZeroToOne}};
  return names;
}

std::string ToString(InputRange range) { return range == InputRange::kZeroToOne ? "0,1" : "-1,1"; }

const std::map<std::string, OutputKind>& OutputKindNames() {
  static const std::map<std::string, OutputKind> names = {{"image", OutputKind::kImage},
                                                          {"logits", OutputKind::kLogits}};
  return names;
}

std::string ToString(OutputKind kind) { return kind == OutputKind::kLogits ? "logits" : "image"; }

}  // namespace compnn
