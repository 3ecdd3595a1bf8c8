// The store's manifest: its JSON form, and every field checked on reading, naming the field and the
// file.
#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/strings.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/json_file.h"

namespace compnn {

namespace {

constexpr const char* kFormat = "compnn-store-1";

std::string DTypeName(DType d) { return d == DType::kFloat16 ? "f16" : "f32"; }
DType ParseDType(const std::string& s, const std::string& path) {
  if (s == "f16") return DType::kFloat16;
  if (s == "f32") return DType::kFloat32;
  throw std::runtime_error(path + ": unknown dtype '" + s + "'");
}

}  // namespace

const StorePixels* StoreManifest::pixel(const std::string& name) const {
  for (const StorePixels& p : pixels) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const StoreLayer& StoreManifest::layer(const std::string& name) const {
  for (const StoreLayer& l : layers) {
    if (l.name == name) return l;
  }
  std::vector<std::string> have;
  for (const StoreLayer& l : layers) have.push_back(l.name);
  throw std::runtime_error("layer '" + name + "' is not in the store (it has " +
                           (have.empty() ? std::string("none") : Join(have)) + ")");
}

nlohmann::json StoreManifest::ToJson() const {
  nlohmann::json layer_list = nlohmann::json::array();
  for (const StoreLayer& l : layers) {
    layer_list.push_back({{"name", l.name},
                          {"shape", {images.size(), l.height, l.width, l.depth}},
                          {"stride", l.stride},
                          {"patch", {l.stride, l.stride}},
                          {"hyperpatch", {l.hyperpatch.height, l.hyperpatch.width}},
                          {"dtype", DTypeName(l.dtype)},
                          {"file", l.file},
                          {"checksum", l.checksum}});
  }
  nlohmann::json json = {
      {"format", kFormat},
      {"model", model},
      {"dataset", dataset},
      {"input_size", ImageSizeToJson(input_size)},
      {"images", images},
      {"layers", layer_list},
      {"global", {{"layer", global_layer}, {"file", "global.npy"}, {"checksum", global_checksum}}}};
  // Stores without pixels keep the manifest they always had.
  if (!pixels.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const StorePixels& p : pixels) {
      list.push_back(
          {{"name", p.name}, {"labels", p.labels}, {"file", p.file}, {"checksum", p.checksum}});
    }
    json["pixels"] = list;
  }
  if (!palette.is_null()) json["palette"] = palette;
  return json;
}

std::int64_t StoreManifest::GlobalLength() const {
  const StoreLayer& g = layer(global_layer);
  return static_cast<std::int64_t>(g.height) * g.width * g.depth;
}

namespace {

// A manifest names its files inside the store's folder: a plain file name, never a path out of it
// ("../x.npy", "/etc/passwd") or into a subfolder.
void RequireFileInStore(const std::string& file, const std::string& what) {
  COMPNN_CHECK(!file.empty() && file != "." && file != ".." && file.find('/') == std::string::npos,
               what, ": file '", file, "' is not a file name inside the store's folder");
}

// Whole numbers only: nlohmann's get<int> would truncate 3.5 to 3 without a word.
std::vector<std::int64_t> Integers(const nlohmann::json& value, const std::string& what) {
  COMPNN_CHECK(value.is_array(), what, " must be a list of integers, got ", value.dump());
  std::vector<std::int64_t> out;
  for (const nlohmann::json& v : value) {
    COMPNN_CHECK(v.is_number_integer(), what, " must be a list of integers, got ", value.dump());
    out.push_back(v.get<std::int64_t>());
  }
  return out;
}

int Integer(const nlohmann::json& value, const std::string& what) {
  COMPNN_CHECK(value.is_number_integer() && value.get<std::int64_t>() >= INT_MIN &&
                   value.get<std::int64_t>() <= INT_MAX,
               what, " must be an integer, got ", value.dump());
  return value.get<int>();
}

// A layer's name becomes its file's name (LayerFileName) and a folder name in explanations: no
// path separators and no parent references.
void CheckLayerName(const std::string& name) {
  COMPNN_CHECK(!name.empty(), "a layer has an empty name");
  COMPNN_CHECK(name.find('/') == std::string::npos && name.find("..") == std::string::npos,
               "layer name '", name, "' holds '/' or '..'");
}

// Writers record stride = max(1, input height / map height); a map may also be the input's
// height divided by the stride, rounded either way (odd sizes through strided layers).
void CheckStride(const StoreLayer& layer, const ImageSize& input) {
  const int recorded = std::max(1, input.height / layer.height);
  const std::int64_t down = input.height / layer.stride;
  const std::int64_t up = (std::int64_t{input.height} + layer.stride - 1) / layer.stride;
  COMPNN_CHECK(layer.stride == recorded || layer.height == down || layer.height == up, "layer ",
               layer.name, ": stride ", layer.stride, " does not match the input size ",
               input.height, " x ", input.width, " and its map size ", layer.height, " x ",
               layer.width, " (expected ", recorded, ")");
}

}  // namespace

namespace {

// The layer's shape: [images, height, width, depth], each at least 1, the images the store's.
void ReadLayerShape(const nlohmann::json& l, std::size_t images, StoreLayer& layer) {
  const std::string what = "layer " + layer.name;
  const auto shape = Integers(l.at("shape"), what + ": shape");
  COMPNN_CHECK(shape.size() == 4, "layer ", layer.name, " has no 4-d shape");
  COMPNN_CHECK(shape[0] == static_cast<std::int64_t>(images), "layer ", layer.name, " holds ",
               shape[0], " images, but the store lists ", images);
  for (int axis = 1; axis < 4; ++axis)
    COMPNN_CHECK(shape[axis] >= 1 && shape[axis] <= std::numeric_limits<int>::max(), "layer ",
                 layer.name, ": height, width and depth must be at least 1");
  layer.height = static_cast<int>(shape[1]);
  layer.width = static_cast<int>(shape[2]);
  layer.depth = static_cast<int>(shape[3]);
}

// The patch (optional, within the input) and the hyperpatch (within the map).
void ReadLayerPatches(const nlohmann::json& l, const ImageSize& input, StoreLayer& layer) {
  const std::string what = "layer " + layer.name;
  if (l.contains("patch")) {
    const auto patch = Integers(l.at("patch"), what + ": patch");
    COMPNN_CHECK(patch.size() == 2 && patch[0] >= 1 && patch[1] >= 1 && patch[0] <= input.height &&
                     patch[1] <= input.width,
                 "layer ", layer.name, ": patch must be [height, width] within the ", input.height,
                 " x ", input.width, " input, got ", l.at("patch").dump());
  }
  const auto hp = Integers(l.at("hyperpatch"), what + ": hyperpatch");
  COMPNN_CHECK(hp.size() == 2, "layer ", layer.name, ": hyperpatch must be [height, width]");
  for (const std::int64_t side : hp)
    COMPNN_CHECK(side >= INT_MIN && side <= INT_MAX, "layer ", layer.name,
                 ": hyperpatch out of range");
  layer.hyperpatch = {static_cast<int>(hp[0]), static_cast<int>(hp[1])};
  try {
    ValidateHyperpatch(layer.hyperpatch, layer.height, layer.width, layer.depth);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("layer " + layer.name + ": " + e.what());
  }
}

StoreLayer ReadLayer(const nlohmann::json& l, const StoreManifest& m, const std::string& path) {
  StoreLayer layer;
  layer.name = l.at("name").get<std::string>();
  CheckLayerName(layer.name);
  COMPNN_CHECK(std::none_of(m.layers.begin(), m.layers.end(),
                            [&](const StoreLayer& other) { return other.name == layer.name; }),
               "layer ", layer.name, " is listed twice");
  ReadLayerShape(l, m.images.size(), layer);
  layer.stride = Integer(l.at("stride"), "layer " + layer.name + ": stride");
  COMPNN_CHECK(layer.stride >= 1, "layer ", layer.name, ": stride must be at least 1, got ",
               layer.stride);
  CheckStride(layer, m.input_size);
  ReadLayerPatches(l, m.input_size, layer);
  layer.dtype = ParseDType(l.at("dtype").get<std::string>(), path);
  layer.file = l.at("file").get<std::string>();
  RequireFileInStore(layer.file, "layer " + layer.name);
  layer.checksum = l.value("checksum", "");
  return layer;
}

StorePixels ReadPixels(const nlohmann::json& p, const StoreManifest& m) {
  StorePixels pixels{p.at("name").get<std::string>(), p.at("labels").get<bool>(),
                     p.at("file").get<std::string>(), p.value("checksum", "")};
  COMPNN_CHECK(pixels.name == "inputs" || pixels.name == "targets" || pixels.name == "predictions",
               "unknown pixels '", pixels.name, "' (inputs, targets or predictions)");
  COMPNN_CHECK(m.pixel(pixels.name) == nullptr, "pixels '", pixels.name, "' listed twice");
  RequireFileInStore(pixels.file, "pixels '" + pixels.name + "'");
  return pixels;
}

}  // namespace

StoreManifest StoreManifest::FromJson(const nlohmann::json& j, const std::string& path) {
  StoreManifest m;
  try {
    if (j.value("format", "") != kFormat)
      throw std::runtime_error("not a " + std::string(kFormat) + " manifest");
    m.model = j.at("model");
    m.dataset = j.at("dataset");
    if (m.dataset.contains("direction")) {
      const nlohmann::json& direction = m.dataset.at("direction");
      COMPNN_CHECK(direction == "AtoB" || direction == "BtoA",
                   "dataset.direction must be AtoB or BtoA, got ", direction.dump());
    }
    m.input_size = ImageSizeFromJson(j.at("input_size"));
    m.images = j.at("images").get<std::vector<std::string>>();
    for (const nlohmann::json& l : j.at("layers")) m.layers.push_back(ReadLayer(l, m, path));
    COMPNN_CHECK(!m.layers.empty(), "it lists no layers");
    m.global_layer = j.at("global").at("layer").get<std::string>();
    m.layer(m.global_layer);  // the global descriptor is one of the layers
    m.global_checksum = j.at("global").value("checksum", "");
    for (const nlohmann::json& p : j.value("pixels", nlohmann::json::array()))
      m.pixels.push_back(ReadPixels(p, m));
    m.palette = j.value("palette", nlohmann::json());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": malformed manifest: " + e.what());
  }
  return m;
}

std::string LayerFileName(const std::string& layer) {
  std::string file = layer;
  for (char& c : file) {
    if (c == ':' || c == '/') c = '_';
  }
  return file + ".npy";
}

std::string DescribeLayer(const StoreLayer& layer) {
  return layer.name + " (stride " + std::to_string(layer.stride) + ")";
}

}  // namespace compnn
