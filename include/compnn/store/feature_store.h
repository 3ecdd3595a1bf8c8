// Feature stores: the activations of a dataset split at chosen layers, indexed once and searched
// many times.
//   STORE/manifest.json   model and its checksum, dataset and split, image names, input size, and
//                         per layer: shape, stride, patch, hyperpatch, dtype, file and checksum
//   STORE/LAYER.npy       (N, H, W, D), channels last, float32 or float16
//   STORE/global.npy      (N, D_g) float32: each image's global descriptor (a layer, flattened)
// A store is written in STORE.partial and renamed into place when complete, so a folder named
// STORE is always whole; an interrupted run resumes from STORE.partial.
#pragma once

#include "compnn/core/image_size.h"

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/store/npy.h"

namespace compnn {

struct StoreLayer {
  std::string name;
  int height = 0, width = 0, depth = 0;
  int stride = 1;  // input pixels per cell; the patch behind a cell is stride x stride
  HyperpatchShape hyperpatch;
  DType dtype = DType::kFloat32;
  std::string file, checksum;
};

struct StoreManifest {
  nlohmann::json model;    // file, checksum, arch (or "imported")
  nlohmann::json dataset;  // dir, split, direction
  ImageSize input_size;    // of the images the activations were computed on
  std::vector<std::string> images;
  std::vector<StoreLayer> layers;
  std::string global_layer;
  std::string global_checksum;

  const StoreLayer& layer(const std::string& name) const;  // throws naming the layers it has
  nlohmann::json ToJson() const;
  static StoreManifest FromJson(const nlohmann::json& json, const std::string& path);
};

// The float32 maps of some images of one layer: views into the memory mapping for float32 layers,
// converted copies for float16 ones (only the images asked for, so memory follows the candidates).
struct LayerMaps {
  std::vector<std::vector<float>> converted;
  Database database;  // indexed like the store's images; images not asked for are 1 x 1 zeros
};

// The float32 maps of `images` (all when empty) of an (N, H, W, D) float32 or float16 array, as
// LayerMaps describes them. Throws std::runtime_error naming the file for another dtype or rank
// or an index outside it.
LayerMaps ReadMaps(const NpyFile& file, const std::vector<int>& images);

class FeatureStore {
 public:
  // Reads the manifest and checks every file cheaply (header, shape, size). Throws
  // std::runtime_error naming the file and the problem.
  static FeatureStore Open(const std::string& dir);
  // Recomputes every checksum; throws naming the first file that differs.
  void Verify() const;

  const std::string& dir() const { return dir_; }
  const StoreManifest& manifest() const { return manifest_; }
  int size() const { return static_cast<int>(manifest_.images.size()); }

  // The maps of `images` (all when empty) at `layer`.
  LayerMaps Maps(const std::string& layer, const std::vector<int>& images = {}) const;
  DescriptorMatrix Globals() const;

 private:
  std::string dir_;
  StoreManifest manifest_;
  std::map<std::string, std::shared_ptr<NpyFile>> files_;
  std::shared_ptr<NpyFile> global_;
};

// Writes a store image by image; resumable.
class StoreWriter {
 public:
  // `plan` lists the layers (shapes, strides, dtypes), images and provenance; checksums are filled
  // in on Commit. With an existing STORE.partial made from the same plan, writing resumes after
  // its last finished image; one made from another plan is an error. STORE must not exist unless
  // `overwrite`.
  StoreWriter(std::string dir, StoreManifest plan, bool overwrite);
  ~StoreWriter();

  int next_image() const { return next_image_; }
  // Writes image `index` (== next_image()): one H x W x D float map per layer, channels last, and
  // the global descriptor. Progress is flushed to disk and recorded every 16 images.
  void Write(int index, const std::map<std::string, const float*>& maps, const float* global);
  // Computes the checksums, writes the manifest and renames the folder into place.
  void Commit();

 private:
  void SaveProgress();

  std::string dir_, partial_;
  StoreManifest plan_;
  int next_image_ = 0;
  std::map<std::string, int> fds_;
  int global_fd_ = -1;
  std::int64_t global_length_ = 0;
};

// The XXH3 64-bit checksum of a file, as 16 hex digits.
std::string FileChecksum(const std::string& path);

}  // namespace compnn
