// Realistic activation maps for benchmarks: a fixed random two-layer convolutional encoder
// (4 x 4 stride-2 convolutions, as in pix2pix's encoder) applied to random crops of real
// photographs installed by Debian packages. Like real activations they are smooth, sparse after
// the ReLU, and differ between images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"

namespace compnn::bench {

struct ActivationSet {
  int count = 0, height = 0, width = 0, depth = 0;
  std::vector<float> values;         // count x height x width x depth
  std::vector<std::string> sources;  // photo each map was cut from

  MapView map(int i) const {
    return MapView{values.data() + static_cast<std::size_t>(i) * height * width * depth, height,
                   width, depth};
  }
  std::vector<MapView> maps() const;
};

// Photographs found in the standard locations (OpenCV's samples, MATE's backgrounds). Throws
// std::runtime_error when none are installed.
std::vector<std::string> FindPhotographs();

// `count` maps of (image_size / 4) x (image_size / 4) x depth, deterministic for a seed.
ActivationSet MakeActivations(int count, int image_size, int depth, std::uint64_t seed);

}  // namespace compnn::bench
