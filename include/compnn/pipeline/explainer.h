// Explanations of one network's predictions from its feature store: the glue between the network
// (the query's activations and output), the store (its search) and the dataset (the pixels that
// reconstructions paste). A model file opens as one with OpenExplainer (models/model_network.h).
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/explain/class_agreement.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/pipeline/query_network.h"
#include "compnn/pipeline/training_pixels.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/store_search.h"

namespace compnn {

// One layer's explanation of a query.
struct LayerExplanation {
  std::string layer;
  int stride = 1;
  StoreSearchResult search;
  cv::Mat input_reconstruction, output_reconstruction;  // BGR (label images in palette colours)
  cv::Mat prediction_reconstruction;  // pasted from the network's outputs; empty without them
  // Label targets: how the output and prediction reconstructions follow the network's classes,
  // class by class (none for photo targets, on ranks that only search, or without predictions).
  std::optional<AgreementWithNetwork> output_agreement, prediction_agreement;
  double reconstruct_seconds = 0;
};

class Explainer {
 public:
  // Explains `network` from `store`, with the dataset `data` (default: the one the store was built
  // from). A store that keeps its training pixels needs no dataset: reconstructions paste its
  // pixels, and queries are PNG files. A store that keeps the network's outputs on its training
  // images (predictions) gives prediction reconstructions too. Throws std::runtime_error when the
  // network runs at another input size than the store's, or for a dataset that cannot be read.
  Explainer(std::unique_ptr<QueryNetwork> network, FeatureStore store,
            const std::string& data = "");
  ~Explainer();

  QueryNetwork& network() { return *network_; }
  const FeatureStore& store() const { return store_; }
  bool has_dataset() const { return pixels_->has_dataset(); }
  // Throws std::runtime_error saying to name a dataset folder when there is none.
  const Dataset& dataset() const { return pixels_->dataset(); }
  TrainingImages& training() { return pixels_->training(); }
  const ImageSize& input_size() const { return input_size_; }
  Direction direction() const { return direction_; }
  bool input_is_labels() const { return pixels_->training().input_is_labels(); }
  bool target_is_labels() const { return pixels_->training().target_is_labels(); }
  const Palette* palette() const { return pixels_->palette(); }

  // See LoadQuery in training_images.h.
  Query LoadQuery(const std::string& name_or_path, std::vector<std::string>* warnings) const;
  // The first `count` images of a split (all when count <= 0).
  std::vector<Query> SplitQueries(const std::string& split, int count) const;

  // The network's pass over the query, capturing `layers` and the store's global layer.
  QueryRun Run(const Query& query, const std::vector<std::string>& layers);

  // Search at `layer` and every reconstruction there is a source for (with options.ranks, the
  // search alone on ranks other than 0, which hold only their part of the field).
  LayerExplanation ExplainLayer(const QueryRun& run, const std::string& layer,
                                const StoreSearchOptions& options, const PasteOptions& paste = {});
  // A reconstruction from a given field at `layer`, BGR (label images in palette colours).
  // Overlapping blocks take the shape of `hyperpatch` (the one searched), else the layer's.
  cv::Mat Reconstruct(const CorrespondenceField& field, const std::string& layer,
                      PasteSource source, const PasteOptions& paste = {},
                      std::optional<HyperpatchShape> hyperpatch = {});

 private:
  std::unique_ptr<QueryNetwork> network_;
  FeatureStore store_;
  std::unique_ptr<TrainingPixels> pixels_;
  ImageSize input_size_;
  Direction direction_ = Direction::kAtoB;
};

}  // namespace compnn
