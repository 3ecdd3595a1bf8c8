#include "compnn/store/feature_store.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/half.h"
#include "compnn/core/strings.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/regular_file.h"

namespace compnn {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "compnn-store-1";
constexpr int kSyncEvery = 16;

std::string DTypeName(DType d) { return d == DType::kFloat16 ? "f16" : "f32"; }
DType ParseDType(const std::string& s, const std::string& path) {
  if (s == "f16") return DType::kFloat16;
  if (s == "f32") return DType::kFloat32;
  throw std::runtime_error(path + ": unknown dtype '" + s + "'");
}

std::int64_t GlobalLength(const StoreManifest& m) {
  const StoreLayer& g = m.layer(m.global_layer);
  return static_cast<std::int64_t>(g.height) * g.width * g.depth;
}

void PwriteAll(int fd, const void* data, std::size_t bytes, off_t offset, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += n;
  }
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
    for (const nlohmann::json& l : j.at("layers")) {
      StoreLayer layer;
      layer.name = l.at("name").get<std::string>();
      CheckLayerName(layer.name);
      COMPNN_CHECK(std::none_of(m.layers.begin(), m.layers.end(),
                                [&](const StoreLayer& other) { return other.name == layer.name; }),
                   "layer ", layer.name, " is listed twice");
      const std::string what = "layer " + layer.name;
      const auto shape = Integers(l.at("shape"), what + ": shape");
      COMPNN_CHECK(shape.size() == 4, "layer ", layer.name, " has no 4-d shape");
      COMPNN_CHECK(shape[0] == static_cast<std::int64_t>(m.images.size()), "layer ", layer.name,
                   " holds ", shape[0], " images, but the store lists ", m.images.size());
      for (int axis = 1; axis < 4; ++axis)
        COMPNN_CHECK(shape[axis] >= 1 && shape[axis] <= std::numeric_limits<int>::max(), "layer ",
                     layer.name, ": height, width and depth must be at least 1");
      layer.height = static_cast<int>(shape[1]);
      layer.width = static_cast<int>(shape[2]);
      layer.depth = static_cast<int>(shape[3]);
      layer.stride = Integer(l.at("stride"), what + ": stride");
      COMPNN_CHECK(layer.stride >= 1, "layer ", layer.name, ": stride must be at least 1, got ",
                   layer.stride);
      CheckStride(layer, m.input_size);
      if (l.contains("patch")) {
        const auto patch = Integers(l.at("patch"), what + ": patch");
        COMPNN_CHECK(patch.size() == 2 && patch[0] >= 1 && patch[1] >= 1 &&
                         patch[0] <= m.input_size.height && patch[1] <= m.input_size.width,
                     "layer ", layer.name, ": patch must be [height, width] within the ",
                     m.input_size.height, " x ", m.input_size.width, " input, got ",
                     l.at("patch").dump());
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
      layer.dtype = ParseDType(l.at("dtype").get<std::string>(), path);
      layer.file = l.at("file").get<std::string>();
      RequireFileInStore(layer.file, "layer " + layer.name);
      layer.checksum = l.value("checksum", "");
      m.layers.push_back(layer);
    }
    COMPNN_CHECK(!m.layers.empty(), "it lists no layers");
    m.global_layer = j.at("global").at("layer").get<std::string>();
    m.layer(m.global_layer);  // the global descriptor is one of the layers
    m.global_checksum = j.at("global").value("checksum", "");
    for (const nlohmann::json& p : j.value("pixels", nlohmann::json::array())) {
      StorePixels pixels{p.at("name").get<std::string>(), p.at("labels").get<bool>(),
                         p.at("file").get<std::string>(), p.value("checksum", "")};
      COMPNN_CHECK(
          pixels.name == "inputs" || pixels.name == "targets" || pixels.name == "predictions",
          "unknown pixels '", pixels.name, "' (inputs, targets or predictions)");
      COMPNN_CHECK(m.pixel(pixels.name) == nullptr, "pixels '", pixels.name, "' listed twice");
      RequireFileInStore(pixels.file, "pixels '" + pixels.name + "'");
      m.pixels.push_back(pixels);
    }
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

namespace {

std::string HexChecksum(std::string_view bytes) {
  const XXH64_hash_t hash = XXH3_64bits(bytes.data(), bytes.size());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace

std::string FileChecksum(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  COMPNN_CHECK(fd >= 0, path, ": cannot open: ", std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  XXH64_hash_t hash = XXH3_64bits(nullptr, 0);
  if (st.st_size > 0) {
    void* map = ::mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
      ::close(fd);
      throw std::runtime_error(path + ": cannot memory-map: " + std::strerror(errno));
    }
    ::madvise(map, st.st_size, MADV_SEQUENTIAL);
    hash = XXH3_64bits(map, st.st_size);
    ::munmap(map, st.st_size);
  }
  ::close(fd);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

FeatureStore FeatureStore::Open(const std::string& dir) {
  // A store replaced (--overwrite) while it is opened could pair the old manifest with the new
  // files: the folder's identity before and after tells, and the opening starts over.
  const auto identity = [&] {
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0 ? std::pair(st.st_dev, st.st_ino)
                                         : std::pair(dev_t{}, ino_t{});
  };
  for (int attempt = 0;; ++attempt) {
    const auto before = identity();
    try {
      FeatureStore store = OpenOnce(dir);
      if (identity() == before) return store;
    } catch (const std::exception&) {
      if (identity() == before || attempt >= 3) throw;
    }
    COMPNN_CHECK(attempt < 3, dir, ": replaced repeatedly while being opened");
  }
}

FeatureStore FeatureStore::OpenOnce(const std::string& dir) {
  if (!fs::is_directory(dir)) {
    throw std::runtime_error(dir + (fs::is_directory(dir + ".partial")
                                        ? ": incomplete (an interrupted run left " + dir +
                                              ".partial; run it again to resume)"
                                        : ": no such feature store"));
  }
  FeatureStore store;
  store.dir_ = dir;
  const std::string manifest_path = dir + "/manifest.json";
  store.manifest_ = StoreManifest::FromJson(
      ReadJsonFile(manifest_path, "missing (not a complete feature store)"), manifest_path);
  const std::int64_t n = store.size();
  for (const StoreLayer& l : store.manifest_.layers) {
    const std::string path = dir + "/" + l.file;
    COMPNN_CHECK(fs::exists(path), manifest_path, ": names layer '", l.name, "' but ", path,
                 " is missing");
    RequireInside(path, dir);
    auto file = std::make_shared<NpyFile>(NpyFile::Open(path));
    file->Require(l.dtype, {4});
    const std::vector<std::int64_t> expected = {n, l.height, l.width, l.depth};
    COMPNN_CHECK(file->shape() == expected, path, ": shape differs from the manifest's");
    store.files_[l.name] = file;
  }
  for (const StorePixels& p : store.manifest_.pixels) {
    const std::string path = dir + "/" + p.file;
    RequireInside(path, dir);
    auto file = std::make_shared<NpyFile>(NpyFile::Open(path));
    file->Require(DType::kUInt8, {4});
    const std::vector<std::int64_t> expected = {n, store.manifest_.input_size.height,
                                                store.manifest_.input_size.width, 3};
    COMPNN_CHECK(file->shape() == expected, path, ": shape differs from the manifest's (",
                 std::to_string(n), " RGB images of ", store.manifest_.input_size.ToString(), ")");
    store.pixel_files_[p.name] = file;
  }
  const std::string global_path = dir + "/global.npy";
  RequireInside(global_path, dir);
  store.global_ = std::make_shared<NpyFile>(NpyFile::Open(global_path));
  store.global_->Require(DType::kFloat32, {2});
  const std::vector<std::int64_t> global_shape = {n, GlobalLength(store.manifest_)};
  COMPNN_CHECK(store.global_->shape() == global_shape, global_path,
               ": shape differs from the manifest's");
  return store;
}

void FeatureStore::Verify() const {
  // The files as opened (mapped), not as their paths name them now.
  for (const StoreLayer& l : manifest_.layers) {
    COMPNN_CHECK(HexChecksum(files_.at(l.name)->bytes()) == l.checksum, dir_, "/", l.file,
                 ": checksum mismatch (the file is corrupt)");
  }
  for (const StorePixels& p : manifest_.pixels) {
    COMPNN_CHECK(HexChecksum(pixel_files_.at(p.name)->bytes()) == p.checksum, dir_, "/", p.file,
                 ": checksum mismatch (the file is corrupt)");
  }
  COMPNN_CHECK(HexChecksum(global_->bytes()) == manifest_.global_checksum, dir_,
               "/global.npy: checksum mismatch (the file is corrupt)");
}

const NpyFile& FeatureStore::LayerFile(const std::string& layer) const {
  manifest_.layer(layer);  // names the layers there are when it is not one of them
  return *files_.at(layer);
}

const NpyFile* FeatureStore::PixelFile(const std::string& name) const {
  const auto it = pixel_files_.find(name);
  return it == pixel_files_.end() ? nullptr : it->second.get();
}

namespace {

// Which of `n` images `images` asks for (all when empty); throws naming `what` for an index
// outside.
std::vector<bool> WantedImages(int n, const std::vector<int>& images, const std::string& what) {
  std::vector<bool> wanted(n, images.empty());
  for (int i : images) {
    COMPNN_CHECK(!(i < 0 || i >= n), what, ": image index ", std::to_string(i),
                 " is not among its ", std::to_string(n));
    wanted[i] = true;
  }
  return wanted;
}

}  // namespace

LayerMaps ReadMaps(const NpyFile& file, const std::vector<int>& images) {
  file.Require(file.dtype() == DType::kFloat16 ? DType::kFloat16 : DType::kFloat32, {4});
  return MapsOf(file.data(), file.dtype(), file.shape(), images, file.path());
}

LayerMaps MapsOf(const void* data, DType dtype, const std::vector<std::int64_t>& shape,
                 const std::vector<int>& images, const std::string& what) {
  COMPNN_CHECK(dtype == DType::kFloat32 || dtype == DType::kFloat16, what,
               ": maps must be float32 or float16");
  COMPNN_CHECK(shape.size() == 4, what, ": maps must be (N, H, W, D)");
  const int n = static_cast<int>(shape[0]), height = static_cast<int>(shape[1]),
            width = static_cast<int>(shape[2]), depth = static_cast<int>(shape[3]);
  const std::int64_t per_image = shape[1] * shape[2] * shape[3];
  const std::vector<bool> wanted = WantedImages(n, images, what);
  LayerMaps maps;
  // Images not asked for are 1 x 1 zero maps: indices stay those of the file.
  static const std::vector<float> zeros(1 << 16, 0.0f);
  COMPNN_CHECK(depth <= static_cast<int>(zeros.size()), what, ": depth too large");
  std::vector<MapView> views;
  if (dtype == DType::kFloat16) maps.converted.reserve(images.empty() ? n : images.size());
  for (int i = 0; i < n; ++i) {
    if (!wanted[i]) {
      views.push_back(MapView{zeros.data(), 1, 1, depth});
    } else if (dtype == DType::kFloat32) {
      views.push_back(
          MapView{static_cast<const float*>(data) + i * per_image, height, width, depth});
    } else {
      std::vector<float>& buffer = maps.converted.emplace_back(per_image);
      HalvesToFloats(static_cast<const std::uint16_t*>(data) + i * per_image, buffer.data(),
                     per_image);
      views.push_back(MapView{buffer.data(), height, width, depth});
    }
  }
  maps.database = Database(std::move(views));
  return maps;
}

LayerMaps FeatureStore::Maps(const std::string& name, const std::vector<int>& images) const {
  manifest_.layer(name);  // names the layers there are when it is not one of them
  return ReadMaps(*files_.at(name), images);
}

HalfDatabase FeatureStore::HalfMaps(const std::string& name, const std::vector<int>& images) const {
  const StoreLayer& layer = manifest_.layer(name);
  COMPNN_CHECK(layer.dtype == DType::kFloat16, dir_, ": layer ", name,
               " is stored as float32, not float16");
  const NpyFile& file = *files_.at(name);
  file.Require(DType::kFloat16, {4});
  const std::vector<bool> wanted = WantedImages(size(), images, file.path());
  const std::int64_t per_image = std::int64_t{layer.height} * layer.width * layer.depth;
  // Images not asked for are 1 x 1 zero maps: indices stay those of the file.
  static const std::vector<std::uint16_t> zeros(1 << 16, 0);
  COMPNN_CHECK(layer.depth <= static_cast<int>(zeros.size()), file.path(), ": depth too large");
  std::vector<HalfMapView> views;
  views.reserve(size());
  for (int i = 0; i < size(); ++i) {
    if (!wanted[i]) {
      views.push_back({zeros.data(), 1, 1, layer.depth});
    } else {
      views.push_back(
          {file.data_as<std::uint16_t>() + i * per_image, layer.height, layer.width, layer.depth});
    }
  }
  return HalfDatabase(std::move(views));
}

DescriptorMatrix FeatureStore::Globals() const {
  return DescriptorMatrix{global_->data_as<float>(), size(),
                          static_cast<int>(GlobalLength(manifest_))};
}

namespace {

// The single process's ranks, for writers that run alone.
const Ranks& OneProcess() {
  static const Ranks one;
  return one;
}

// Each rank records its own progress: progress.json alone, progress.R-of-N.json among N ranks.
std::string ProgressFileName(const Ranks& ranks) {
  if (ranks.size() == 1) return "progress.json";
  return Concat("progress.", ranks.rank(), "-of-", ranks.size(), ".json");
}

// The rank count a progress file was written at (1 for progress.json); 0 for other files.
int RanksOfProgressFile(const std::string& name) {
  if (name == "progress.json") return 1;
  int rank = 0, ranks = 0, end = 0;
  if (std::sscanf(name.c_str(), "progress.%d-of-%d.json%n", &rank, &ranks, &end) == 2 &&
      end == static_cast<int>(name.size())) {
    return ranks;
  }
  return 0;
}

}  // namespace

StoreWriter::StoreWriter(std::string dir, StoreManifest plan, bool overwrite)
    : StoreWriter(std::move(dir), plan, overwrite, OneProcess(),
                  {0, static_cast<int>(plan.images.size())}) {}

StoreWriter::StoreWriter(std::string dir, StoreManifest plan, bool overwrite, const Ranks& ranks,
                         IndexRange images)
    : dir_(std::move(dir)),
      partial_(dir_ + ".partial"),
      ranks_(&ranks),
      range_(images),
      progress_file_(ProgressFileName(ranks)),
      plan_(std::move(plan)) {
  streaming_ = plan_.images.empty();
  COMPNN_CHECK(!(streaming_ && ranks.size() > 1), dir_,
               ": a store whose images are not known in advance is written by one process");
  if (!streaming_ && (range_.begin < 0 || range_.begin > range_.end ||
                      range_.end > static_cast<int>(plan_.images.size()))) {
    throw std::logic_error(Concat("images ", range_.begin, " to ", range_.end,
                                  " are not a run of the plan's ", plan_.images.size()));
  }
  next_image_ = range_.begin;
  const std::string progress = partial_ + "/" + progress_file_;
  bool resume = false;
  nlohmann::json saved_hashes;
  if (ranks.is_root()) {
    lock_.emplace(dir_);
    COMPNN_CHECK_OPTION(!fs::exists(dir_) || overwrite, "overwrite", "is not set and ", dir_,
                        " already exists");
    plan_.layer(plan_.global_layer);  // throws when the global layer is not among the layers
    // Every array needs its own file: a layer named "global", say, must not share global.npy.
    std::set<std::string> files = {"global.npy", "manifest.json", "progress.json"};
    for (const StoreLayer& l : plan_.layers) {
      COMPNN_CHECK(files.insert(l.file).second, dir_, ": layer '", l.name, "' would be stored in ",
                   l.file, ", which another array of the store uses; rename the layer");
    }
    for (const StorePixels& p : plan_.pixels) {
      COMPNN_CHECK(files.insert(p.file).second, dir_, ": the ", p.name,
                   " pixels would be stored in ", p.file, ", which a layer uses; rename the layer");
    }
    resume = PrepareFolder(progress, saved_hashes);
    OpenOutputs(/*create=*/!resume);
  }
  // The other ranks open the files rank 0 prepared.
  ranks.Barrier();
  if (!ranks.is_root()) {
    resume = ReadProgress(progress, saved_hashes);
    OpenOutputs(/*create=*/false);
  }
  if (resume) {
    CheckResumable(saved_hashes);
  } else {
    SaveProgress();
  }
}

bool StoreWriter::PrepareFolder(const std::string& progress, nlohmann::json& saved_hashes) {
  if (fs::is_directory(partial_)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(partial_)) {
      const int ranks = RanksOfProgressFile(entry.path().filename().string());
      if (ranks == 0) continue;
      // A streaming run cannot resume, but must not wipe out one that can.
      COMPNN_CHECK(!streaming_, partial_,
                   " holds an interrupted indexing run that can resume; resume it, or delete it "
                   "to start over");
      COMPNN_CHECK(ranks == ranks_->size(), partial_, " holds a run interrupted at ", ranks,
                   ranks == 1 ? " process" : " ranks", "; resume it ",
                   ranks == 1 ? "without mpirun" : Concat("with mpirun -np ", ranks),
                   ", or delete it to start over");
    }
  }
  if (!streaming_ && ReadProgress(progress, saved_hashes)) return true;
  fs::remove_all(partial_);
  fs::create_directories(partial_);
  return false;
}

bool StoreWriter::ReadProgress(const std::string& progress, nlohmann::json& saved_hashes) {
  if (!fs::exists(progress)) return false;
  const nlohmann::json saved = ReadJsonFile(progress);
  if (!saved.contains("plan") || !saved.contains("done") || !saved["done"].is_number_integer() ||
      !saved.contains("hashes") || !saved["hashes"].is_object()) {
    throw std::runtime_error(progress + ": malformed; delete " + partial_ + " to start over");
  }
  COMPNN_CHECK(
      saved["plan"] == plan_.ToJson(), partial_,
      ": left by an interrupted run with other options or inputs; delete it to start over");
  const std::int64_t done = saved.at("done").get<std::int64_t>();
  saved_hashes = saved["hashes"];
  // A count outside the run would write (or resume reading) outside the preallocated files.
  COMPNN_CHECK(done >= range_.begin && done <= range_.end, progress, ": says ", done,
               " images are done, but the run has ", range_.end, range_.begin > 0 ? " (from " : "",
               range_.begin > 0 ? Concat(range_.begin, ")") : "", "; delete ", partial_,
               " to start over");
  next_image_ = static_cast<int>(done);
  return true;
}

void StoreWriter::OpenOutputs(bool create) {
  for (const StoreLayer& l : plan_.layers)
    layers_[l.name] = OpenOutput(l.file, l.dtype, {l.height, l.width, l.depth}, !create);
  for (const StorePixels& p : plan_.pixels) {
    pixels_[p.name] = OpenOutput(p.file, DType::kUInt8,
                                 {plan_.input_size.height, plan_.input_size.width, 3}, !create);
  }
  global_ = OpenOutput("global.npy", DType::kFloat32, {GlobalLength(plan_)}, !create);
}

StoreWriter::Output StoreWriter::OpenOutput(const std::string& file, DType dtype,
                                            std::vector<std::int64_t> image_shape, bool resume) {
  Output out;
  out.file = file;
  out.dtype = dtype;
  out.image_shape = std::move(image_shape);
  const std::string path = partial_ + "/" + file;
  out.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  COMPNN_CHECK(out.fd >= 0, path, ": cannot create: ", std::strerror(errno));
  // A streaming store's count is unknown until Commit: the header is sized for the largest.
  std::vector<std::int64_t> shape = out.image_shape;
  shape.insert(shape.begin(),
               streaming_ ? std::int64_t{1} << 40 : static_cast<std::int64_t>(plan_.images.size()));
  const std::string header = NpyHeaderBytes(dtype, shape);
  out.header_bytes = header.size();
  if (!resume) {
    PwriteAll(out.fd, header.data(), header.size(), 0, path);
    std::int64_t elements = 1;
    for (std::int64_t d : shape) elements *= d;
    if (!streaming_) {
      const off_t bytes = static_cast<off_t>(header.size() + elements * DTypeSize(dtype));
      const int truncated = ::ftruncate(out.fd, bytes);
      COMPNN_CHECK(truncated == 0, path, ": cannot allocate: ", std::strerror(errno));
    }
  }
  return out;
}

StoreWriter::~StoreWriter() {
  for (auto& [name, out] : layers_) ::close(out.fd);
  for (auto& [name, out] : pixels_) ::close(out.fd);
  if (global_.fd >= 0) ::close(global_.fd);
}

void StoreWriter::SaveProgress() {
  for (auto& [name, out] : layers_) ::fdatasync(out.fd);
  for (auto& [name, out] : pixels_) ::fdatasync(out.fd);
  ::fdatasync(global_.fd);
  if (streaming_) return;  // a streaming run cannot resume: nothing to record
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& [name, out] : layers_) hashes[out.file] = out.hash;
  for (const auto& [name, out] : pixels_) hashes[out.file] = out.hash;
  hashes[global_.file] = global_.hash;
  WriteFileAtomically(
      partial_ + "/" + progress_file_,
      nlohmann::json{{"plan", plan_.ToJson()}, {"done", next_image_}, {"hashes", hashes}}.dump() +
          "\n");
}

std::size_t StoreWriter::Output::ImageBytes() const {
  std::size_t elements = 1;
  for (std::int64_t d : image_shape) elements *= static_cast<std::size_t>(d);
  return elements * DTypeSize(dtype);
}

void StoreWriter::WriteImage(Output& out, int index, const void* data) {
  const std::size_t bytes = out.ImageBytes();
  const off_t offset = static_cast<off_t>(out.header_bytes + index * bytes);
  if (out.dtype == DType::kFloat16) {
    halves_.resize(bytes / 2);
    FloatsToHalves(static_cast<const float*>(data), halves_.data(), bytes / 2);
    data = halves_.data();
  }
  PwriteAll(out.fd, data, bytes, offset, out.file);
  out.hash = XXH3_64bits_withSeed(data, bytes, out.hash);
}

void StoreWriter::CheckResumable(const nlohmann::json& hashes) {
  const std::string start_over = "; delete " + partial_ + " to start over";
  const auto check = [&](Output& out) {
    const std::string path = partial_ + "/" + out.file;
    struct stat st {};
    COMPNN_CHECK(::fstat(out.fd, &st) == 0, path, ": cannot read: ", std::strerror(errno));
    const std::size_t bytes = out.ImageBytes();
    const std::size_t expected = out.header_bytes + bytes * plan_.images.size();
    COMPNN_CHECK(static_cast<std::size_t>(st.st_size) == expected, path, ": damaged (", st.st_size,
                 " bytes, expected ", expected, ")", start_over);
    std::vector<std::int64_t> shape = out.image_shape;
    shape.insert(shape.begin(), static_cast<std::int64_t>(plan_.images.size()));
    const std::string header = NpyHeaderBytes(out.dtype, shape);
    std::string found(header.size(), '\0');
    COMPNN_CHECK(
        header.size() == out.header_bytes &&
            ::pread(out.fd, found.data(), found.size(), 0) == static_cast<ssize_t>(found.size()) &&
            found == header,
        path, ": damaged header", start_over);
    // The finished images are read back and hashed as they were written: a file changed or
    // truncated since, or a progress record ahead of the data, shows as another hash.
    std::vector<char> image(bytes);
    std::uint64_t hash = 0;
    for (int i = range_.begin; i < next_image_; ++i) {
      const off_t offset = static_cast<off_t>(out.header_bytes + i * bytes);
      COMPNN_CHECK(::pread(out.fd, image.data(), bytes, offset) == static_cast<ssize_t>(bytes),
                   path, ": cannot read image ", i, start_over);
      hash = XXH3_64bits_withSeed(image.data(), bytes, hash);
    }
    COMPNN_CHECK(hashes.contains(out.file) && hashes[out.file].is_number_unsigned() &&
                     hashes[out.file].get<std::uint64_t>() == hash,
                 path, ": images ", range_.begin, " to ", next_image_ - 1,
                 " differ from what the interrupted run wrote", start_over);
    out.hash = hash;
  };
  for (auto& [name, out] : layers_) check(out);
  for (auto& [name, out] : pixels_) check(out);
  check(global_);
}

namespace {

// Throws naming the first value a store could not keep faithfully: NaN or infinite, or (for
// float16) beyond its largest finite value, which would be stored as infinite.
void CheckMap(const float* values, const std::vector<std::int64_t>& shape, DType dtype,
              const std::string& what) {
  std::int64_t count = 1;
  for (const std::int64_t d : shape) count *= d;
  constexpr float kLargestHalf = 65504.0f;
  const bool half = dtype == DType::kFloat16;
  for (std::int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (std::isfinite(v) && (!half || std::fabs(v) <= kLargestHalf)) continue;
    std::string where = "value " + std::to_string(i);
    if (shape.size() == 3) {
      const std::int64_t depth = shape[2], width = shape[1];
      where = "cell (" + std::to_string(i / depth / width) + ", " +
              std::to_string(i / depth % width) + "), channel " + std::to_string(i % depth);
    }
    if (!std::isfinite(v)) throw std::runtime_error(what + ": " + where + " is " + Concat(v));
    throw std::runtime_error(what + ": " + where + " is " + Concat(v) +
                             ", beyond float16's range (+-65504); keep the store in float32");
  }
}

}  // namespace

void StoreWriter::CheckValues(const std::string& image,
                              const std::map<std::string, const float*>& maps,
                              const float* global) const {
  for (const StoreLayer& l : plan_.layers) {
    const Output& out = layers_.at(l.name);
    CheckMap(maps.at(l.name), out.image_shape, out.dtype, "image " + image + ", layer " + l.name);
  }
  CheckMap(global, global_.image_shape, global_.dtype,
           "image " + image + ", global descriptor (" + plan_.global_layer + ")");
}

void StoreWriter::Write(int index, const std::map<std::string, const float*>& maps,
                        const float* global,
                        const std::map<std::string, const std::uint8_t*>& pixels) {
  if (index != next_image_) throw std::logic_error("store images must be written in order");
  if (!streaming_ && index >= range_.end) throw std::logic_error("image outside the writer's run");
  CheckValues(
      index < static_cast<int>(plan_.images.size()) ? plan_.images[index] : Concat("#", index),
      maps, global);
  for (const StoreLayer& l : plan_.layers) WriteImage(layers_.at(l.name), index, maps.at(l.name));
  for (const StorePixels& p : plan_.pixels) {
    const auto it = pixels.find(p.name);
    if (it == pixels.end()) throw std::logic_error("store image without its " + p.name);
    WriteImage(pixels_.at(p.name), index, it->second);
  }
  WriteImage(global_, index, global);
  ++next_image_;
  if ((next_image_ - range_.begin) % kSyncEvery == 0) SaveProgress();
}

void StoreWriter::Append(const std::string& name, const std::map<std::string, const float*>& maps,
                         const float* global,
                         const std::map<std::string, const std::uint8_t*>& pixels) {
  if (!streaming_) throw std::logic_error("Append is for streaming stores (a plan without images)");
  plan_.images.push_back(name);  // first, so that a refused value names the image
  try {
    Write(next_image_, maps, global, pixels);
  } catch (...) {
    plan_.images.pop_back();
    throw;
  }
}

void StoreWriter::Commit() {
  if (ranks_->size() > 1) {
    if (next_image_ != range_.end) {
      throw std::logic_error(Concat("rank ", ranks_->rank(), " committed with ",
                                    next_image_ - range_.begin, " of its ", range_.size(),
                                    " images"));
    }
    SaveProgress();  // this rank's data on disk before rank 0 reads it
    ranks_->Barrier();
    if (!ranks_->is_root()) return;
  } else if (streaming_) {
    COMPNN_CHECK(next_image_ > 0, dir_, ": no images were written");
    // The headers now get the final count, padded to the length reserved for them.
    const auto seal = [&](const Output& out) {
      std::vector<std::int64_t> shape = out.image_shape;
      shape.insert(shape.begin(), next_image_);
      const std::string header = NpyHeaderBytes(out.dtype, shape, out.header_bytes);
      COMPNN_CHECK(header.size() == out.header_bytes, out.file, ": header grew");
      PwriteAll(out.fd, header.data(), header.size(), 0, out.file);
    };
    for (auto& [name, out] : layers_) seal(out);
    for (auto& [name, out] : pixels_) seal(out);
    seal(global_);
  } else if (next_image_ != static_cast<int>(plan_.images.size())) {
    throw std::logic_error("store committed with " + std::to_string(next_image_) + " of " +
                           std::to_string(plan_.images.size()) + " images");
  }
  for (auto& [name, out] : layers_) ::fsync(out.fd);
  for (auto& [name, out] : pixels_) ::fsync(out.fd);
  ::fsync(global_.fd);
  for (StoreLayer& l : plan_.layers) l.checksum = FileChecksum(partial_ + "/" + l.file);
  for (StorePixels& p : plan_.pixels) p.checksum = FileChecksum(partial_ + "/" + p.file);
  plan_.global_checksum = FileChecksum(partial_ + "/global.npy");
  WriteJsonFile(partial_ + "/manifest.json", plan_.ToJson());
  for (const fs::directory_entry& entry : fs::directory_iterator(partial_)) {
    if (RanksOfProgressFile(entry.path().filename().string()) > 0) fs::remove(entry.path());
  }
  if (fs::exists(dir_)) {
    const std::string old = dir_ + ".old";
    fs::remove_all(old);
    fs::rename(dir_, old);
    fs::rename(partial_, dir_);
    fs::remove_all(old);
  } else {
    fs::rename(partial_, dir_);
  }
}

}  // namespace compnn
