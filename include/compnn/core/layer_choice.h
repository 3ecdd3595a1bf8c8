// Default layers, chosen from names and shapes alone so that stores (no LibTorch) and models choose
// alike.
#pragma once

#include <string>
#include <vector>

namespace compnn {

struct LayerShape {
  std::string name;
  int height = 0, width = 0;
};

// The last layer named decoderK in `names` (compnn's networks list decoders from the bottleneck
// out, so the last is the one nearest the output: the paper's best layer); "" when none is.
std::string LastDecoderLayer(const std::vector<std::string>& names);

// The first layer with the fewest cells (height x width); "" for none.
std::string LayerWithFewestCells(const std::vector<LayerShape>& layers);

}  // namespace compnn
