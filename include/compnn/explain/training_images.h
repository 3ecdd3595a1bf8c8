// The pixels a reconstruction pastes from: the inputs and targets of a dataset split's images,
// at the model's input size, read on first use and kept.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"
#include "compnn/store/feature_store.h"

namespace compnn {

// A pair's side at `size`: nearest neighbour for label images (no new colours), area interpolation
// for photos.
cv::Mat ResizeForModel(const cv::Mat& image, const ImageSize& size, bool labels);

// A query image, at the model's input size, with its ground truth when the pair is known.
struct Query {
  std::string name;
  cv::Mat input, truth;  // BGR; truth may be empty
};

// A query given as a dataset image name (looked up in val, test, then train) or a PNG path: a
// pair (two images of the model's aspect ratio side by side) gives input and truth, any other
// image is the input alone. Both
// are resized to `size` (a file of another size with a warning in `warnings`). Throws
// std::runtime_error naming the query when it is neither.
Query LoadQuery(const Dataset& dataset, Direction direction, const ImageSize& size,
                const std::string& name_or_path, std::vector<std::string>* warnings);

// A query from a PNG file alone (no dataset to look names up in): as LoadQuery, with the sides'
// kinds given.
Query LoadQueryFile(const std::string& path, Direction direction, const ImageSize& size,
                    bool input_is_labels, bool target_is_labels,
                    std::vector<std::string>* warnings);

// The pair `name` of `split` as a query at `size`.
Query LoadSplitQuery(const Dataset& dataset, Direction direction, const ImageSize& size,
                     const std::string& split, const std::string& name);

// What a reconstruction pastes: the training inputs (IR), targets (OR), or the network's own
// outputs on the training images (PR), which a store keeps when indexed with predictions.
enum class PasteSource { kInputs, kTargets, kPredictions };

class TrainingImages {
 public:
  // `names` in the order of the feature store's images.
  TrainingImages(const Dataset& dataset, std::string split, std::vector<std::string> names,
                 Direction direction, const ImageSize& size);
  // The pixels a store keeps (inputs.npy and targets.npy, both needed: see KeepsPixels), read
  // through its memory mapping instead of decoding the dataset's PNGs. `palette` classes label
  // pixels (it may be null when neither side holds labels). `store` and `palette` must outlive
  // this.
  TrainingImages(const FeatureStore& store, const Palette* palette);
  // Whether `store` keeps both sides of its training pairs.
  static bool KeepsPixels(const FeatureStore& store);
  // Reads the network's outputs on the training images from `store` (predictions.npy), which
  // must outlive this. Throws when the store keeps none, or they are label images and there is
  // no palette.
  void UsePredictions(const FeatureStore& store);

  int size() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  bool input_is_labels() const { return input_is_labels_; }
  bool target_is_labels() const { return target_is_labels_; }
  bool has_predictions() const { return predictions_store_ != nullptr; }
  // Whether a source is there to paste from (predictions only after UsePredictions), and whether
  // its images are labels (predictions are when the targets are).
  bool Has(PasteSource source) const;
  bool IsLabels(PasteSource source) const;

  const cv::Mat& Input(int image);
  const cv::Mat& Target(int image);
  // The target as class ids through the dataset's palette (label targets only).
  const cv::Mat& TargetClasses(int image);
  const cv::Mat& InputClasses(int image);

  // Vectors indexed like the store, holding only `used` images (the others empty), as the
  // reconstruction functions take them.
  std::vector<cv::Mat> Inputs(const std::vector<int>& used);
  std::vector<cv::Mat> Targets(const std::vector<int>& used);
  std::vector<cv::Mat> TargetClassMaps(const std::vector<int>& used);
  std::vector<cv::Mat> InputClassMaps(const std::vector<int>& used);
  // The same for any source: BGR images, or class maps (label sources only). Throws
  // std::runtime_error for a source this lacks.
  std::vector<cv::Mat> Images(PasteSource source, const std::vector<int>& used);
  std::vector<cv::Mat> ClassMaps(PasteSource source, const std::vector<int>& used);

 private:
  void Load(int image);
  void LoadFromStore(int image);
  void LoadPrediction(int image);

  const Dataset* dataset_ = nullptr;     // pairs read from the dataset, or
  const FeatureStore* store_ = nullptr;  // from the store's pixels
  const Palette* palette_ = nullptr;
  std::string split_;
  std::vector<std::string> names_;
  Direction direction_;
  ImageSize size_;
  bool input_is_labels_ = false, target_is_labels_ = false;
  const FeatureStore* predictions_store_ = nullptr;
  bool predictions_are_labels_ = false;
  std::vector<cv::Mat> inputs_, targets_, input_classes_, target_classes_;
  std::vector<cv::Mat> predictions_, prediction_classes_;
};

// The distinct images a field's matches use, ascending.
std::vector<int> UsedImages(const CorrespondenceField& field);

}  // namespace compnn
