#include "compnn/store/importer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/store_plan.h"

namespace compnn {

namespace fs = std::filesystem;

void ImportOptions::Check() const {
  COMPNN_CHECK_OPTION(!dir.empty(), "dir", "is empty: name the folder of LAYER.npy files");
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the store folder to write");
  CheckImageSize(input_size, "input_size");
  COMPNN_CHECK_OPTION(dtype == DType::kFloat32 || dtype == DType::kFloat16, "dtype",
                      "must be float32 or float16");
}

namespace {

std::vector<std::string> ReadNames(const std::string& path) {
  std::ifstream in(path);
  COMPNN_CHECK(in, path, ": cannot open the list of image names");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) throw std::runtime_error(path + ": lists no images");
  return names;
}

// DIR's .npy files in name order, each holding one layer's maps of `count` images.
std::vector<NpyFile> OpenLayerFiles(const std::string& dir, std::int64_t count,
                                    const std::string& names_path) {
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".npy") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) throw std::runtime_error(dir + ": holds no .npy files");
  std::vector<NpyFile> files;
  for (const std::string& path : paths) {
    NpyFile file = NpyFile::Open(path);
    file.Require(DType::kFloat32, {4});
    const auto& s = file.shape();
    COMPNN_CHECK(s[0] == count, path, ": holds ", std::to_string(s[0]), " images but ", names_path,
                 " names ", std::to_string(count));
    for (int axis = 1; axis < 4; ++axis)
      COMPNN_CHECK(s[axis] >= 1, path, ": shape (", s[0], ", ", s[1], ", ", s[2], ", ", s[3],
                   ") has an empty side: a layer map needs at least one cell and one channel");
    files.push_back(std::move(file));
  }
  return files;
}

PlannedLayer LayerOf(const NpyFile& file, bool channels_first) {
  const auto& s = file.shape();
  return {fs::path(file.path()).stem().string(), static_cast<int>(channels_first ? s[2] : s[1]),
          static_cast<int>(channels_first ? s[3] : s[2]),
          static_cast<int>(channels_first ? s[1] : s[3])};
}

// Image i's map of `layer` channels last in `out`; throws naming the file for a non-finite value.
void ReadMap(const NpyFile& file, const StoreLayer& layer, std::int64_t i, bool channels_first,
             std::vector<float>& out) {
  const std::size_t per_image = static_cast<std::size_t>(layer.height) * layer.width * layer.depth;
  const float* source = file.data_as<float>() + i * per_image;
  out.resize(per_image);
  if (channels_first) {  // D x H x W -> H x W x D
    const std::size_t cells = static_cast<std::size_t>(layer.height) * layer.width;
    for (int c = 0; c < layer.depth; ++c)
      for (std::size_t p = 0; p < cells; ++p) out[p * layer.depth + c] = source[c * cells + p];
  } else {
    std::copy(source, source + per_image, out.begin());
  }
  for (float v : out) {
    if (!std::isfinite(v))
      throw std::runtime_error(file.path() + ": image " + std::to_string(i) +
                               " holds a non-finite activation");
  }
}

}  // namespace

void ImportActivations(const ImportOptions& o) {
  o.Check();
  COMPNN_CHECK(fs::is_directory(o.dir), o.dir, ": no such folder");
  const std::string names_path = o.names.empty() ? o.dir + "/names.txt" : o.names;
  const std::vector<std::string> names = ReadNames(names_path);
  const std::int64_t n = static_cast<std::int64_t>(names.size());
  const std::vector<NpyFile> files = OpenLayerFiles(o.dir, n, names_path);

  std::vector<PlannedLayer> layers;
  for (const NpyFile& file : files) layers.push_back(LayerOf(file, o.channels_first));
  StorePlanOptions plan_options;
  ImageSize largest;
  for (const PlannedLayer& l : layers) {
    if (l.height > largest.height) largest = {l.height, l.width};
  }
  plan_options.input_size = o.input_size ? *o.input_size : largest;
  plan_options.global_layer = o.global_layer;
  plan_options.dtype = o.dtype;
  plan_options.model = {{"arch", "imported"}, {"file", fs::absolute(o.dir).string()}};
  plan_options.dataset = {{"names", fs::absolute(names_path).string()}};
  StoreManifest plan = PlanStore(layers, plan_options);
  plan.images = names;

  StoreWriter writer(o.out, plan, o.overwrite);
  std::vector<std::vector<float>> buffers(plan.layers.size());
  for (std::int64_t i = writer.next_image(); i < n; ++i) {
    std::map<std::string, const float*> maps;
    for (std::size_t k = 0; k < plan.layers.size(); ++k) {
      ReadMap(files[k], plan.layers[k], i, o.channels_first, buffers[k]);
      maps[plan.layers[k].name] = buffers[k].data();
    }
    writer.Write(static_cast<int>(i), maps, maps.at(plan.global_layer));
  }
  writer.Commit();
}

}  // namespace compnn
