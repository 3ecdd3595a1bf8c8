// compnn index: runs a model (a built-in network or a user's TorchScript file) over a dataset split
// and writes a feature store of the chosen layers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/ranks.h"
#include "compnn/data/dataset.h"
#include "compnn/models/model_types.h"
#include "compnn/store/npy.h"

namespace compnn {

struct IndexOptions {
  std::string model, data, split = "train", out;
  std::vector<std::string> layers;  // empty: every layer
  std::string global_layer;         // empty: the bottleneck (the deepest encoder layer)
  DType dtype = DType::kFloat16;
  int batch = 8;
  int threads = 0;  // LibTorch threads for the forward passes; 0: the default (all cores)
  bool overwrite = false;
  // Keeps the training pairs' pixels in the store (inputs.npy and targets.npy: RGB at the model's
  // input size), so that explanations paste from the mapped store instead of decoding the
  // dataset's PNGs, and the store explains without its dataset.
  bool keep_pixels = true;
  // Keeps the network's output on every training image (predictions.npy: RGB at the input size,
  // label outputs in the palette colours of the classes they are read as), so that explanations can
  // paste what the network does on its nearest training patches (the prediction reconstruction)
  // beside what the ground truth says (the output reconstruction).
  bool keep_predictions = true;
  // A TorchScript model (MODEL.pt) records none of these: its input size (none: the dataset's
  // own), the side of the pairs it reads, and the range it expects pixels in ("-1,1", pix2pix's
  // convention, or "0,1").
  std::optional<ImageSize> size;
  Direction direction = Direction::kAtoB;
  InputRange input_range = InputRange::kMinusOneToOne;
  // torchvision-style networks: mean and std instead of input_range, the key (or index) of the
  // output tensor in what forward returns, and whether that tensor is an image or class scores.
  // All are recorded in the store's manifest, so explanations of the store need none of them.
  std::optional<InputNormalisation> normalisation;
  std::string output;
  OutputKind output_kind = OutputKind::kImage;
  // (images done, images in all), called after each batch is written: from the writing thread,
  // one call at a time.
  std::function<void(int, int)> progress;

  // Throws OptionError naming the field: a missing model, data or out; an empty split; a batch
  // or a size side below 1.
  void Check() const;
};

// Throws std::runtime_error naming the file or the unknown layer (with the layers there are).
//
// With several ranks (every rank calls it), each indexes a run of whole batches into the same
// files (StoreWriter's ranks), so that every batch is the one a single process passes through the
// network: the store is byte-identical to one process's. options.progress then counts this rank's
// images.
void IndexDataset(const IndexOptions& options, const Ranks& ranks = Ranks());

}  // namespace compnn
