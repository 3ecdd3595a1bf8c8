#include "compnn/core/search_method.h"

namespace compnn {

const std::map<std::string, SearchMethod>& SearchMethodNames() {
  static const std::map<std::string, SearchMethod> names = {{"hpm", SearchMethod::kHyperPatchMatch},
                                                            {"exact", SearchMethod::kExact}};
  return names;
}

std::string ToString(SearchMethod method) {
  return method == SearchMethod::kExact ? "exact" : "hpm";
}

}  // namespace compnn
