// A store's manifest planned from its maps' shapes alone, for writers that run no compnn model
// (imported activations, Python's StoreWriter): one rule for strides, file names, the default
// global layer and the kept pixels, so no front end writes a manifest by hand.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/hyperpatch.h"
#include "compnn/core/image_size.h"
#include "compnn/store/feature_store.h"

namespace compnn {

// One layer's map per image: height x width cells of depth channels.
struct PlannedLayer {
  std::string name;
  int height = 0, width = 0, depth = 0;
};

struct StorePlanOptions {
  ImageSize input_size;  // of the images the maps were computed on
  // Empty: FewestCells() (core/layer_choice.h), as only some of the network's maps may be given.
  std::string global_layer;
  DType dtype = DType::kFloat16;
  HyperpatchShape hyperpatch;       // recorded for every layer
  std::vector<std::string> pixels;  // the training pixels kept: "inputs", "targets", "predictions"
  std::vector<std::string> labels;  // those of them that are label images (palette colours)
  nlohmann::json model = nlohmann::json::object();    // provenance, recorded as given
  nlohmann::json dataset = nlohmann::json::object();  // likewise
  nlohmann::json palette;  // {"classes", "ignore"} of label pixels, or null

  // Throws OptionError naming the field: an input_size side below 1, a hyperpatch side outside
  // [1, 64], a pixel side named twice or not one of the three, a label side not kept.
  void Check() const;
};

// Which training pixels a store keeps, each flagged when it holds label images: the inputs and
// targets when `keep_pixels`; the network's outputs on them when `keep_predictions` and there are
// inputs and targets to paste beside them (kept, or from the dataset when `has_dataset`), label
// images when the targets are. One rule for compnn index and the Python package's.
std::vector<StorePixels> PlanKeptPixels(bool keep_pixels, bool keep_predictions, bool has_dataset,
                                        bool input_is_labels, bool target_is_labels);

// The manifest, without images: each layer's stride is max(1, input height / map height), its
// file LayerFileName(name). Throws OptionError for bad options and std::runtime_error (through
// StoreManifest's own checks) for no layers, a layer named twice or a global layer not among them.
StoreManifest PlanStore(const std::vector<PlannedLayer>& layers, const StorePlanOptions& options);

}  // namespace compnn
