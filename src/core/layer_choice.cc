#include "compnn/core/layer_choice.h"

namespace compnn {

std::string DefaultExplainLayer(const std::vector<LayerShape>& layers) {
  const std::string bottleneck = LayerWithFewestCells(layers);
  std::size_t start = 0;
  while (start < layers.size() && layers[start].name != bottleneck) ++start;
  const LayerShape* chosen = nullptr;
  for (std::size_t i = start + 1; i < layers.size(); ++i) {
    // The output, and layers at the input's resolution, paste single pixels: the output again.
    if (layers[i].name == "output" || layers[i].stride <= 1) continue;
    if (!chosen || layers[i].stride <= chosen->stride) chosen = &layers[i];
  }
  return chosen ? chosen->name : "";
}

std::string LayerWithFewestCells(const std::vector<LayerShape>& layers) {
  const LayerShape* fewest = nullptr;
  for (const LayerShape& l : layers) {
    if (!fewest || l.height * l.width < fewest->height * fewest->width) fewest = &l;
  }
  return fewest ? fewest->name : "";
}

}  // namespace compnn
