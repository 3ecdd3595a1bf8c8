#include "compnn/pipeline/training_pixels.h"

#include <filesystem>

#include "compnn/core/check.h"

namespace compnn {
namespace fs = std::filesystem;

TrainingPixels::TrainingPixels(const FeatureStore& store, const std::string& data,
                               Direction direction, const ImageSize& size)
    : store_(store) {
  const std::string& dir = store.dir();
  const std::string dataset_dir =
      data.empty() ? store.manifest().dataset.value("dir", std::string()) : data;
  const bool keeps_pixels = TrainingImages::KeepsPixels(store);
  COMPNN_CHECK_OPTION(!dataset_dir.empty() || keeps_pixels, "data", "is empty and ", dir,
                      " does not name its dataset (nor keep its training pixels): name the "
                      "dataset folder");
  // A named dataset that has gone is an error; one the store merely remembers is not needed
  // when the store keeps its pixels.
  if (!dataset_dir.empty() && (!keeps_pixels || !data.empty() || fs::is_directory(dataset_dir)))
    dataset_ = Dataset::Open(dataset_dir);
  if (dataset_ && dataset_->has_labels()) {
    palette_ = &dataset_->palette();
  } else if (!store.manifest().palette.is_null()) {
    const nlohmann::json& p = store.manifest().palette;
    store_palette_ = Palette::FromJson(p.at("classes"), dir + "/manifest.json",
                                       p.value("ignore", nlohmann::json()));
    palette_ = &*store_palette_;
  }
  if (keeps_pixels) {
    training_ = std::make_unique<TrainingImages>(store, palette_);
  } else {
    const std::string split = store.manifest().dataset.value("split", std::string("train"));
    training_ = std::make_unique<TrainingImages>(*dataset_, split, store.manifest().images,
                                                 direction, size);
  }
  if (store.PixelFile("predictions")) training_->UsePredictions(store);
}

TrainingPixels::~TrainingPixels() = default;

const Dataset& TrainingPixels::dataset() const {
  COMPNN_CHECK(dataset_.has_value(), store_.dir(),
               " keeps its training pixels but names no dataset folder: name one (data) for "
               "dataset image names, splits and attributes");
  return *dataset_;
}

cv::Mat TrainingPixels::Reconstruct(const CorrespondenceField& field, PasteSource source,
                                    const PasteGeometry& geometry) {
  COMPNN_CHECK(training_->Has(source), store_.dir(),
               " keeps no predictions of its training images to paste");
  const std::vector<int> used = UsedImages(field);
  if (training_->IsLabels(source)) {
    return palette_->Colourise(
        ReconstructLabels(field, training_->ClassMaps(source, used), geometry, palette_->size()));
  }
  return ReconstructPhoto(field, training_->Images(source, used), geometry);
}

}  // namespace compnn
