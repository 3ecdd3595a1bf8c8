// compnn index for the built-in networks: runs a model over a dataset split and writes a feature
// store of the chosen layers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compnn/npy.h"

namespace compnn {

struct IndexOptions {
  std::string model, data, split = "train", out;
  std::vector<std::string> layers;  // empty: every layer
  std::string global_layer;         // empty: the bottleneck (the deepest encoder layer)
  DType dtype = DType::kFloat16;
  int batch = 8;
  bool overwrite = false;
  std::function<void(int, int)> progress;  // (images done, images in all)
};

// Throws std::runtime_error naming the file or the unknown layer (with the layers there are).
void IndexDataset(const IndexOptions& options);

}  // namespace compnn
