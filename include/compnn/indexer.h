// compnn index: runs a model (a built-in network or a user's TorchScript file) over a dataset split
// and writes a feature store of the chosen layers.
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
  // A TorchScript model (MODEL.pt) records none of these: its input side, the side of the pairs it
  // reads, and the range it expects pixels in ("-1,1", pix2pix's convention, or "0,1").
  int size = 256;
  std::string direction = "AtoB";
  std::string input_range = "-1,1";
  std::function<void(int, int)> progress;  // (images done, images in all)
};

// Throws std::runtime_error naming the file or the unknown layer (with the layers there are).
void IndexDataset(const IndexOptions& options);

}  // namespace compnn
