#include "compnn/core/search_method.h"

namespace compnn {

const std::map<std::string, SearchMethod>& SearchMethodNames() {
  static const std::map<std::string, SearchMethod> names = {
      {"hpm", SearchMethod::kHyperPatchMatch},
      {"exact", SearchMethod::kExact},
      {"projected", SearchMethod::kProjected}};
  return names;
}

std::string ToString(SearchMethod method) {
  switch (method) {
    case SearchMethod::kExact:
      return "exact";
    case SearchMethod::kProjected:
      return "projected";
    default:
      return "hpm";
  }
}

}  // namespace compnn
