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
// after `bottleneck` (the global layer: see Bottleneck) in forward order, the last layer of
// the finest stride above 1 (the output, and layers at the input's resolution, would paste single
// pixels). In compnn's networks that is the decoder nearest the output (decoder2 in pix2pix, the
// paper's best layer). "" when no such layer follows the bottleneck.
std::string DefaultExplainLayer(const std::vector<LayerShape>& layers_in_forward_order,
                                const std::string& bottleneck);

// A network's bottleneck: the first map with the fewest cells (height x width) among those reached
// from the first layer by steps of at most 2x per side (so it takes every layer of the forward
// pass, not a few chosen ones). A larger jump is a global pool (squeeze- and-excitation, pyramid
// pooling): its 1 x 1 map, and what is computed from it until the maps grow back, is a side branch,
// not the bottleneck. "" for no layers.
std::string Bottleneck(const std::vector<LayerShape>& layers_in_forward_order);

// The first of the layers with the fewest cells (height x width): the bottleneck where only some of
// a network's maps are known (imported activations, Python's StoreWriter), so that Bottleneck()'s
// steps of at most 2x cannot be followed. "" for no layers.
std::string FewestCells(const std::vector<LayerShape>& layers);

// `names` without repeats, in the forward pass's order: each is a module's path, or PATH:input for
// the tensor a module takes, which comes just before the module's own output. Modules are ranked
// by their place in `modules_in_forward_order`; a name whose module is not there (a TorchScript
// block whose output is no 4-D map, captured at its input) ranks after every other, in the order
// given.
std::vector<std::string> InForwardOrder(const std::vector<std::string>& names,
                                        const std::vector<std::string>& modules_in_forward_order);

}  // namespace compnn
