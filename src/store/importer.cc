#include "compnn/store/importer.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/layer_choice.h"
#include "compnn/store/feature_store.h"

namespace compnn {

namespace fs = std::filesystem;

void ImportOptions::Check() const {
  COMPNN_CHECK_OPTION(!dir.empty(), "dir", "is empty: name the folder of LAYER.npy files");
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the store folder to write");
  CheckImageSize(input_size, "input_size");
  COMPNN_CHECK_OPTION(dtype == DType::kFloat32 || dtype == DType::kFloat16, "dtype",
                      "must be float32 or float16");
}

void ImportActivations(const ImportOptions& o) {
  o.Check();
  COMPNN_CHECK(fs::is_directory(o.dir), o.dir, ": no such folder");
  const std::string names_path = o.names.empty() ? o.dir + "/names.txt" : o.names;
  std::ifstream names_in(names_path);
  COMPNN_CHECK(names_in, names_path, ": cannot open the list of image names");
  StoreManifest plan;
  for (std::string line; std::getline(names_in, line);) {
    if (!line.empty()) plan.images.push_back(line);
  }
  const std::int64_t n = static_cast<std::int64_t>(plan.images.size());
  if (n == 0) throw std::runtime_error(names_path + ": lists no images");

  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(o.dir)) {
    if (entry.path().extension() == ".npy") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) throw std::runtime_error(o.dir + ": holds no .npy files");
  std::vector<NpyFile> files;
  for (const std::string& path : paths) {
    NpyFile file = NpyFile::Open(path);
    file.Require(DType::kFloat32, {4});
    const auto& s = file.shape();
    COMPNN_CHECK(s[0] == n, path, ": holds ", std::to_string(s[0]), " images but ", names_path,
                 " names ", std::to_string(n));
    for (int axis = 1; axis < 4; ++axis)
      COMPNN_CHECK(s[axis] >= 1, path, ": shape (", s[0], ", ", s[1], ", ", s[2], ", ", s[3],
                   ") has an empty side: a layer map needs at least one cell and one channel");
    StoreLayer layer;
    layer.name = fs::path(path).stem().string();
    layer.height = static_cast<int>(o.channels_first ? s[2] : s[1]);
    layer.width = static_cast<int>(o.channels_first ? s[3] : s[2]);
    layer.depth = static_cast<int>(o.channels_first ? s[1] : s[3]);
    layer.dtype = o.dtype;
    layer.file = layer.name + ".npy";
    plan.layers.push_back(layer);
    files.push_back(std::move(file));
  }
  ImageSize largest;
  for (const StoreLayer& l : plan.layers) {
    if (l.height > largest.height) largest = {l.height, l.width};
  }
  plan.input_size = o.input_size ? *o.input_size : largest;
  for (StoreLayer& l : plan.layers) l.stride = std::max(1, plan.input_size.height / l.height);
  if (o.global_layer.empty()) {
    // The layers in the order given, taken as the forward order (core/layer_choice.h).
    std::vector<LayerShape> shapes;
    for (const StoreLayer& l : plan.layers) shapes.push_back({l.name, l.height, l.width, l.stride});
    plan.global_layer = Bottleneck(shapes);
  } else {
    plan.global_layer = o.global_layer;
  }
  plan.model = {{"arch", "imported"}, {"file", fs::absolute(o.dir).string()}};
  plan.dataset = {{"names", fs::absolute(names_path).string()}};

  StoreWriter writer(o.out, plan, o.overwrite);
  std::vector<std::vector<float>> buffers(plan.layers.size());
  for (int i = writer.next_image(); i < n; ++i) {
    std::map<std::string, const float*> maps;
    const float* global = nullptr;
    for (std::size_t k = 0; k < plan.layers.size(); ++k) {
      const StoreLayer& l = plan.layers[k];
      const std::size_t per_image = static_cast<std::size_t>(l.height) * l.width * l.depth;
      const float* source = files[k].data_as<float>() + i * per_image;
      std::vector<float>& out = buffers[k];
      out.resize(per_image);
      if (o.channels_first) {  // D x H x W -> H x W x D
        for (int c = 0; c < l.depth; ++c)
          for (int p = 0; p < l.height * l.width; ++p)
            out[static_cast<std::size_t>(p) * l.depth + c] =
                source[static_cast<std::size_t>(c) * l.height * l.width + p];
      } else {
        std::copy(source, source + per_image, out.begin());
      }
      for (float v : out) {
        if (!std::isfinite(v))
          throw std::runtime_error(paths[k] + ": image " + std::to_string(i) +
                                   " holds a non-finite activation");
      }
      maps[l.name] = out.data();
      if (l.name == plan.global_layer) global = out.data();
    }
    writer.Write(i, maps, global);
  }
  writer.Commit();
}

}  // namespace compnn
