#include "compnn/core/layer_choice.h"

namespace compnn {

std::string LastDecoderLayer(const std::vector<std::string>& names) {
  std::string last;
  for (const std::string& name : names) {
    if (name.starts_with("decoder")) last = name;
  }
  return last;
}

std::string LayerWithFewestCells(const std::vector<LayerShape>& layers) {
  const LayerShape* fewest = nullptr;
  for (const LayerShape& l : layers) {
    if (!fewest || l.height * l.width < fewest->height * fewest->width) fewest = &l;
  }
  return fewest ? fewest->name : "";
}

}  // namespace compnn
