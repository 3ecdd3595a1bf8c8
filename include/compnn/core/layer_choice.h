// Default layers, chosen from names and shapes alone so that stores (no LibTorch) and models choose
// alike.
#pragma once

#include <string>
#include <vector>

namespace compnn {

struct LayerShape {
  std::string name;
  int height = 0, width = 0;
  int stride = 1;
};

// The layer explanations default to, from the geometry alone so that any encoder-decoder has one:
// after the bottleneck (the first map with the fewest cells) in forward order, the last layer of
// the finest stride above 1 (the output, and layers at the input's resolution, would paste single
// pixels). In compnn's networks that is the decoder nearest the output (decoder2 in pix2pix, the
// paper's best layer). "" when no such layer follows the bottleneck.
std::string DefaultExplainLayer(const std::vector<LayerShape>& layers_in_forward_order);

// The first layer with the fewest cells (height x width); "" for none.
std::string LayerWithFewestCells(const std::vector<LayerShape>& layers);

}  // namespace compnn
