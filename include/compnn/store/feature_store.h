// Feature stores: the activations of a dataset split at chosen layers, indexed once and searched
// many times.
//   STORE/manifest.json   model and its checksum, dataset and split, image names, input size, and
//                         per layer: shape, stride, patch, hyperpatch, dtype, file and checksum
//   STORE/LAYER.npy       (N, H, W, D), channels last, float32 or float16
//   STORE/global.npy      (N, D_g) float32: each image's global descriptor (a layer, flattened)
//   STORE/inputs.npy      optional (N, H, W, 3) uint8 RGB: the training inputs, at the input size,
//   STORE/targets.npy     and targets, so that reconstructions paste without the dataset folder
//   STORE/predictions.npy optional (N, H, W, 3) uint8 RGB: the network's output on each training
//                         image (label outputs in palette colours), for prediction
//                         reconstructions
// A store is written in STORE.partial and renamed into place when complete, so a folder named
// STORE is always whole; an interrupted run resumes from STORE.partial.
#pragma once

#include "compnn/core/image_size.h"

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/ranks.h"
#include "compnn/store/npy.h"
#include "compnn/store/writer_lock.h"

namespace compnn {

struct StoreLayer {
  std::string name;
  int height = 0, width = 0, depth = 0;
  int stride = 1;  // input pixels per cell; the patch behind a cell is stride x stride
  HyperpatchShape hyperpatch;
  DType dtype = DType::kFloat32;
  std::string file, checksum;
};

// Training pixels kept in the store: "inputs" or "targets", RGB, at the store's input size.
struct StorePixels {
  std::string name;
  bool labels = false;  // a label image (palette colours): pasted by class vote, not averaged
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
  std::vector<StorePixels> pixels;  // none, or inputs, targets and/or predictions
  nlohmann::json palette;           // labels.json's {"classes", "ignore"} for label pixels, or null

  const StorePixels* pixel(const std::string& name) const;  // nullptr when not kept
  const StoreLayer& layer(const std::string& name) const;   // throws naming the layers it has
  std::int64_t GlobalLength() const;  // values in one image's global descriptor
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
// The same for an array in memory: `data` holds `shape` (N, H, W, D) elements of `dtype`; errors
// name `what`.
LayerMaps MapsOf(const void* data, DType dtype, const std::vector<std::int64_t>& shape,
                 const std::vector<int>& images, const std::string& what);

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
  // The float16 maps of `images` (all when empty) at a float16 `layer`, as views into the memory
  // mapping (no copies; images not asked for are 1 x 1 zeros): HyperPatch-Match reads them in
  // place. Throws naming the layer when it is stored as float32.
  HalfDatabase HalfMaps(const std::string& layer, const std::vector<int>& images = {}) const;
  DescriptorMatrix Globals() const;
  // The memory-mapped files themselves (for zero-copy views); throw naming what the store has.
  const NpyFile& LayerFile(const std::string& layer) const;
  const NpyFile& GlobalFile() const { return *global_; }
  // "inputs" or "targets" (N, H, W, 3) uint8 RGB, or nullptr when the store does not keep them.
  const NpyFile* PixelFile(const std::string& name) const;

 private:
  static FeatureStore OpenOnce(const std::string& dir);

  std::string dir_;
  StoreManifest manifest_;
  std::map<std::string, std::shared_ptr<NpyFile>> files_;
  std::map<std::string, std::shared_ptr<NpyFile>> pixel_files_;
  std::shared_ptr<NpyFile> global_;
};

// Writes a store image by image.
class StoreWriter {
 public:
  // `plan` lists the layers (shapes, strides, dtypes), pixels, images and provenance; checksums
  // are filled in on Commit. With an existing STORE.partial made from the same plan, writing
  // resumes after its last finished image; one made from another plan is an error. STORE must not
  // exist unless `overwrite`.
  //
  // A plan without images streams: images are appended (Append) until Commit, for callers that
  // do not know how many will come; an interrupted streaming run starts over.
  StoreWriter(std::string dir, StoreManifest plan, bool overwrite);
  // One of several ranks writing disjoint runs of the images into the same files (core/ranks.h,
  // on a filesystem they share): rank 0 checks and prepares STORE.partial, then each rank writes
  // `images` (its run) and records its own progress, and Commit() waits for all before rank 0
  // commits. The files are those one process writes, byte for byte. Every rank must construct it
  // and call Commit(). An interrupted run resumes at the same rank count; a STORE.partial left at
  // another count is refused. Not for streaming plans.
  StoreWriter(std::string dir, StoreManifest plan, bool overwrite, const Ranks& ranks,
              IndexRange images);
  ~StoreWriter();

  // The next image to write: this writer's run starts at images().begin and ends at
  // images().end.
  int next_image() const { return next_image_; }
  IndexRange images() const { return range_; }
  bool streaming() const { return streaming_; }
  // Writes image `index` (== next_image()): one H x W x D float map per layer, channels last, the
  // global descriptor, and H x W x 3 RGB pixels for each of the plan's pixels. Progress is flushed
  // to disk and recorded every 16 images. A NaN or infinite value, or one beyond float16's range in
  // a float16 layer, is refused naming the image, the layer and the cell, before anything of the
  // image is written.
  void Write(int index, const std::map<std::string, const float*>& maps, const float* global,
             const std::map<std::string, const std::uint8_t*>& pixels = {});
  // Streaming: the next image, named `name`.
  void Append(const std::string& name, const std::map<std::string, const float*>& maps,
              const float* global, const std::map<std::string, const std::uint8_t*>& pixels = {});
  // Computes the checksums, writes the manifest and renames the folder into place (rank 0, once
  // every rank has written its run).
  void Commit();

 private:
  struct Output {
    int fd = -1;
    DType dtype = DType::kFloat32;
    std::vector<std::int64_t> image_shape;  // one image's shape
    std::size_t header_bytes = 0;           // where the data starts
    std::string file;
    std::uint64_t hash = 0;  // chained over the images written, recorded for resuming
    std::size_t ImageBytes() const;
  };
  Output OpenOutput(const std::string& file, DType dtype, std::vector<std::int64_t> image_shape,
                    bool resume);
  void WriteImage(Output& out, int index, const void* data);
  // On resuming: every file whole, and its finished images the ones the progress recorded.
  void CheckResumable(const nlohmann::json& hashes);
  void CheckValues(const std::string& image, const std::map<std::string, const float*>& maps,
                   const float* global) const;
  void SaveProgress();
  // Rank 0: resumes or starts over (the folder emptied); returns whether it resumes.
  bool PrepareFolder(const std::string& progress, nlohmann::json& saved_hashes);
  // Reads this rank's progress file, if any; returns whether there is one to resume.
  bool ReadProgress(const std::string& progress, nlohmann::json& saved_hashes);
  void OpenOutputs(bool create);

  std::string dir_, partial_;
  std::optional<WriterLock> lock_;  // rank 0's, held from construction: one writer per store
  const Ranks* ranks_;
  IndexRange range_;
  std::string progress_file_;  // this rank's, inside STORE.partial
  StoreManifest plan_;
  bool streaming_ = false;
  int next_image_ = 0;
  std::map<std::string, Output> layers_, pixels_;
  Output global_;
  std::vector<std::uint16_t> halves_;
};

// The file a layer is stored in: its name with ':' and '/' as '_', plus ".npy".
std::string LayerFileName(const std::string& layer);
// A layer as headings and page titles name it: "decoder2 (stride 2)".
std::string DescribeLayer(const StoreLayer& layer);

// The XXH3 64-bit checksum of a file, as 16 hex digits.
std::string FileChecksum(const std::string& path);

}  // namespace compnn
