// A feature store for store tests: activations written as float32 .npy files and imported, a
// "fine" layer (the one searched) and a "coarse" one (the global descriptor), images img0, img1...
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/store/importer.h"
#include "compnn/store/npy.h"

namespace compnn::testing {

// Writes `dir`/acts and imports it into `dir`/store (replacing an older one). Every map of a
// layer has one shape.
inline void ImportFineAndCoarse(const std::filesystem::path& dir, const std::vector<OwnedMap>& fine,
                                const std::vector<OwnedMap>& coarse, const ImageSize& input_size) {
  const auto write = [&](const std::string& layer, const std::vector<OwnedMap>& maps) {
    std::vector<float> all;
    for (const OwnedMap& m : maps) all.insert(all.end(), m.values.begin(), m.values.end());
    const OwnedMap& first = maps.front();
    WriteNpy((dir / "acts" / (layer + ".npy")).string(), DType::kFloat32,
             {static_cast<std::int64_t>(maps.size()), first.height, first.width, first.depth},
             all.data());
  };
  std::filesystem::create_directories(dir / "acts");
  write("fine", fine);
  write("coarse", coarse);
  std::ofstream names(dir / "acts" / "names.txt");
  for (std::size_t i = 0; i < fine.size(); ++i) names << "img" << i << "\n";
  names.close();
  ImportOptions o;
  o.dir = (dir / "acts").string();
  o.out = (dir / "store").string();
  o.input_size = input_size;
  o.overwrite = true;
  ImportActivations(o);
}

}  // namespace compnn::testing
