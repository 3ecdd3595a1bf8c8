// The bundled datasets, generated offline and deterministically for a seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "compnn/data/dataset.h"

namespace compnn {

struct GeneratorOptions {
  std::string out;
  int size = 256;
  int train = -1, val = -1, test = -1;  // negative: the dataset's default count
  std::uint64_t seed = 0;
  bool overwrite = false;
  // Called with (images done, images in all) as images are finished.
  std::function<void(int, int)> progress;

  // Throws OptionError naming the field: an empty out, a size below 32.
  void Check() const;
};

// Procedural building facades in the spirit of CMP Facades: pairs of photo (A) and colour label
// map (B) of the 12 CMP classes. Defaults: 400 / 100 / 106 images.
void GenerateFacades(GeneratorOptions options);
Palette FacadesPalette();

// Real-photo segmentation scenes: photo cut-outs of tuxpaint-stamps-default pasted onto crops of
// real background photographs; photo (A) and colour label map (B). Defaults: 600 / 150 / 150.
void GenerateScenes(GeneratorOptions options);

}  // namespace compnn
