// Feature stores from activations saved by other tools as .npy, one file per layer.
#pragma once

#include <optional>
#include <string>

#include "compnn/core/image_size.h"
#include "compnn/store/npy.h"

namespace compnn {

struct ImportOptions {
  std::string dir;    // DIR/LAYER.npy: (N, H, W, D), or (N, D, H, W) with channels_first
  std::string names;  // one image name per line; default DIR/names.txt
  std::string out;    // the store
  bool channels_first = false;
  DType dtype = DType::kFloat32;
  // The input images' size, for strides; none: the largest layer's.
  std::optional<ImageSize> input_size;
  // Default: the layer with the fewest cells (FewestCells in core/layer_choice.h).
  std::string global_layer;
  bool overwrite = false;

  // Throws OptionError naming the field: an empty dir or out, an input_size side below 1, a dtype
  // other than float32 or float16.
  void Check() const;
};

// Throws std::runtime_error naming the file: wrong dtype or rank, N differing from the names, NaN.
void ImportActivations(const ImportOptions& options);

}  // namespace compnn
