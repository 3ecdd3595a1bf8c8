#include "compnn/core/layer_choice.h"

namespace compnn {

std::string DefaultExplainLayer(const std::vector<LayerShape>& layers,
                                const std::string& bottleneck) {
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

std::string Bottleneck(const std::vector<LayerShape>& layers) {
  const LayerShape* fewest = nullptr;
  const LayerShape* reached = nullptr;  // the last map on the encoder's path
  for (const LayerShape& l : layers) {
    const bool step =
        !reached || (2 * l.height >= reached->height && 2 * l.width >= reached->width);
    if (!step) continue;  // a global pool, or computed from one
    reached = &l;
    if (!fewest || l.height * l.width < fewest->height * fewest->width) fewest = &l;
  }
  return fewest ? fewest->name : "";
}

}  // namespace compnn
