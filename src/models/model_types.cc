#include "compnn/models/model_types.h"

#include "compnn/core/check.h"
#include "compnn/core/strings.h"

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

template <typename Enum>
Enum ParseName(const std::map<std::string, Enum>& names, const std::string& text,
               const std::string& what) {
  const auto found = names.find(text);
  if (found != names.end()) return found->second;
  std::vector<std::string> choices;
  for (const auto& [name, value] : names) choices.push_back(name);
  throw std::runtime_error(Concat(what, " must be one of ", Join(choices), ", got '", text, "'"));
}

template Architecture ParseName(const std::map<std::string, Architecture>&, const std::string&,
                                const std::string&);
template InputRange ParseName(const std::map<std::string, InputRange>&, const std::string&,
                              const std::string&);

}  // namespace compnn
