// Reading a feature store: opening and checking it, its layers' maps and global descriptors,
// memory-mapped.
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
  const std::vector<std::int64_t> global_shape = {n, store.manifest_.GlobalLength()};
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
                          static_cast<int>(manifest_.GlobalLength())};
}

}  // namespace compnn
