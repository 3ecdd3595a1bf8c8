// The pixels a store's reconstructions paste and the palette that reads them: the store's own
// when it keeps them, else its dataset's. One rule for compnn explain, eval and the Python
// package.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/store/feature_store.h"

namespace compnn {

class TrainingPixels {
 public:
  // `data`: the dataset folder (default: the one the store names, needed only when the store
  // keeps no pixels, or for names, splits and attributes). The pairs read from a dataset are
  // taken from the `direction` side at `size`. The palette is the dataset's, else the store's
  // own. Predictions are pasted when the store keeps them. `store` must outlive this. Throws
  // OptionError (data) when there is no dataset and no kept pixels, std::runtime_error for a
  // dataset that cannot be read.
  TrainingPixels(const FeatureStore& store, const std::string& data, Direction direction,
                 const ImageSize& size);
  ~TrainingPixels();

  bool has_dataset() const { return dataset_.has_value(); }
  // Throws std::runtime_error saying to name a dataset folder when there is none.
  const Dataset& dataset() const;
  const Palette* palette() const { return palette_; }
  TrainingImages& training() { return *training_; }
  const TrainingImages& training() const { return *training_; }

  // The reconstruction of `field` from `source` at a layer of `geometry`, BGR: photos by the
  // weighted mean of the votes, label images by class vote in the palette's colours. Throws
  // std::runtime_error for a source the store lacks (predictions).
  cv::Mat Reconstruct(const CorrespondenceField& field, PasteSource source,
                      const PasteGeometry& geometry);

 private:
  const FeatureStore& store_;
  std::optional<Dataset> dataset_;
  std::optional<Palette> store_palette_;  // a dataset-less store's own
  const Palette* palette_ = nullptr;
  std::unique_ptr<TrainingImages> training_;
};

}  // namespace compnn
