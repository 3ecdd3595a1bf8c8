#include "compnn/explain/training_images.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/data/image_file.h"
#include "compnn/data/resize.h"

namespace compnn {

namespace fs = std::filesystem;

cv::Mat ResizeForModel(const cv::Mat& image, const ImageSize& size, bool labels) {
  return ResizeImage(image, cv::Size(size.width, size.height), labels);
}

Query LoadQuery(const Dataset& dataset, Direction direction, const ImageSize& size,
                const std::string& arg, std::vector<std::string>* warnings) {
  if (!fs::is_regular_file(arg)) {
    for (const char* split : {"val", "test", "train"}) {
      if (fs::exists(fs::path(dataset.dir()) / split / (arg + ".png")))
        return LoadSplitQuery(dataset, direction, size, split, arg);
    }
    throw std::runtime_error("query '" + arg + "': no such file, and no image of that name in " +
                             dataset.dir() + "/{val,test,train}");
  }
  return LoadQueryFile(arg, direction, size, dataset.input_is_labels(direction),
                       dataset.target_is_labels(direction), warnings);
}

Query LoadQueryFile(const std::string& arg, Direction direction, const ImageSize& size,
                    bool input_is_labels, bool target_is_labels,
                    std::vector<std::string>* warnings) {
  COMPNN_CHECK(fs::is_regular_file(arg), "query '", arg, "': no such file");
  const cv::Mat image = ReadImageFile(arg, cv::IMREAD_COLOR);
  Query query;
  query.name = fs::path(arg).stem().string();
  cv::Mat input = image, truth;
  // A pair: two halves of the model's aspect ratio (height x width) side by side.
  const int half = image.cols / 2;
  if (image.cols % 2 == 0 && static_cast<long long>(half) * size.height ==
                                 static_cast<long long>(image.rows) * size.width) {
    const cv::Mat a = image(cv::Rect(0, 0, half, image.rows));
    const cv::Mat b = image(cv::Rect(half, 0, half, image.rows));
    input = direction == Direction::kAtoB ? a : b;
    truth = direction == Direction::kAtoB ? b : a;
  }
  // Dataset images are resized as in training; a user's file of another size gets a warning.
  if ((input.cols != size.width || input.rows != size.height) && warnings) {
    warnings->push_back("query " + query.name + " is " +
                        ImageSize{input.rows, input.cols}.ToString() +
                        " (HxW); resized to the model's " + size.ToString());
  }
  query.input = ResizeForModel(input, size, input_is_labels);
  if (!truth.empty()) query.truth = ResizeForModel(truth, size, target_is_labels);
  return query;
}

Query LoadSplitQuery(const Dataset& dataset, Direction direction, const ImageSize& size,
                     const std::string& split, const std::string& name) {
  const ImagePair pair = dataset.Read(split, name);
  return {name, ResizeForModel(InputOf(pair, direction), size, dataset.input_is_labels(direction)),
          ResizeForModel(TargetOf(pair, direction), size, dataset.target_is_labels(direction))};
}

TrainingImages::TrainingImages(const Dataset& dataset, std::string split,
                               std::vector<std::string> names, Direction direction,
                               const ImageSize& size)
    : dataset_(&dataset),
      split_(std::move(split)),
      names_(std::move(names)),
      direction_(direction),
      size_(size) {
  input_is_labels_ = dataset.input_is_labels(direction);
  target_is_labels_ = dataset.target_is_labels(direction);
  const std::size_t n = names_.size();
  inputs_.resize(n);
  targets_.resize(n);
  input_classes_.resize(n);
  target_classes_.resize(n);
  if (dataset.has_labels()) palette_ = &dataset.palette();
}

bool TrainingImages::KeepsPixels(const FeatureStore& store) {
  return store.PixelFile("inputs") && store.PixelFile("targets");
}

TrainingImages::TrainingImages(const FeatureStore& store, const Palette* palette)
    : store_(&store),
      palette_(palette),
      names_(store.manifest().images),
      size_(store.manifest().input_size) {
  COMPNN_CHECK(KeepsPixels(store), store.dir(), " keeps no training pixels (inputs and targets)");
  input_is_labels_ = store.manifest().pixel("inputs")->labels;
  target_is_labels_ = store.manifest().pixel("targets")->labels;
  COMPNN_CHECK(palette_ || !(input_is_labels_ || target_is_labels_), store.dir(),
               ": its training pixels are label images, but it records no palette");
  const std::size_t n = names_.size();
  inputs_.resize(n);
  targets_.resize(n);
  input_classes_.resize(n);
  target_classes_.resize(n);
}

void TrainingImages::Load(int image) {
  if (image < 0 || image >= size())
    throw std::out_of_range("training image " + std::to_string(image) + " of " +
                            std::to_string(size()));
  if (!inputs_[image].empty()) return;
  if (store_) return LoadFromStore(image);
  const ImagePair pair = dataset_->Read(split_, names_[image]);
  inputs_[image] = ResizeForModel(InputOf(pair, direction_), size_, input_is_labels_);
  targets_[image] = ResizeForModel(TargetOf(pair, direction_), size_, target_is_labels_);
  if (input_is_labels_) input_classes_[image] = palette_->Classes(inputs_[image], false, pair.path);
  if (target_is_labels_)
    target_classes_[image] = palette_->Classes(targets_[image], false, pair.path);
}

namespace {

// Image `image` of a store's pixel file `side` (RGB at `size`) as BGR, and as classes when it
// holds labels.
void ReadStorePixels(const FeatureStore& store, const char* side, int image, const ImageSize& size,
                     const Palette* labels, const std::string& name, cv::Mat& bgr,
                     cv::Mat& classes) {
  const NpyFile& file = *store.PixelFile(side);
  const std::size_t bytes = static_cast<std::size_t>(size.height) * size.width * 3;
  const cv::Mat rgb(size.height, size.width, CV_8UC3,
                    const_cast<std::uint8_t*>(file.data_as<std::uint8_t>()) + image * bytes);
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (labels) classes = labels->Classes(bgr, false, file.path() + " (" + name + ")");
}

}  // namespace

void TrainingImages::LoadFromStore(int image) {
  ReadStorePixels(*store_, "inputs", image, size_, input_is_labels_ ? palette_ : nullptr,
                  names_[image], inputs_[image], input_classes_[image]);
  ReadStorePixels(*store_, "targets", image, size_, target_is_labels_ ? palette_ : nullptr,
                  names_[image], targets_[image], target_classes_[image]);
}

void TrainingImages::UsePredictions(const FeatureStore& store) {
  COMPNN_CHECK(store.PixelFile("predictions"), store.dir(),
               " keeps no predictions (index it with them)");
  predictions_are_labels_ = store.manifest().pixel("predictions")->labels;
  COMPNN_CHECK(palette_ || !predictions_are_labels_, store.dir(),
               ": its predictions are label images, but there is no palette");
  predictions_store_ = &store;
  predictions_.assign(names_.size(), cv::Mat());
  prediction_classes_.assign(names_.size(), cv::Mat());
}

void TrainingImages::LoadPrediction(int image) {
  COMPNN_CHECK(predictions_store_, "no predictions of the training images are loaded");
  if (image < 0 || image >= size())
    throw std::out_of_range("training image " + std::to_string(image) + " of " +
                            std::to_string(size()));
  if (!predictions_[image].empty()) return;
  ReadStorePixels(*predictions_store_, "predictions", image, size_,
                  predictions_are_labels_ ? palette_ : nullptr, names_[image], predictions_[image],
                  prediction_classes_[image]);
}

bool TrainingImages::Has(PasteSource source) const {
  return source != PasteSource::kPredictions || has_predictions();
}

bool TrainingImages::IsLabels(PasteSource source) const {
  switch (source) {
    case PasteSource::kInputs:
      return input_is_labels_;
    case PasteSource::kTargets:
      return target_is_labels_;
    case PasteSource::kPredictions:
      break;
  }
  return predictions_are_labels_;
}

const cv::Mat& TrainingImages::Input(int image) {
  Load(image);
  return inputs_[image];
}
const cv::Mat& TrainingImages::Target(int image) {
  Load(image);
  return targets_[image];
}
const cv::Mat& TrainingImages::TargetClasses(int image) {
  if (!target_is_labels_) throw std::runtime_error("the dataset's targets are not label images");
  Load(image);
  return target_classes_[image];
}
const cv::Mat& TrainingImages::InputClasses(int image) {
  COMPNN_CHECK(input_is_labels_, "the dataset's inputs are not label images");
  Load(image);
  return input_classes_[image];
}

namespace {
template <typename Get>
std::vector<cv::Mat> Gather(int n, const std::vector<int>& used, Get&& get) {
  std::vector<cv::Mat> out(n);
  for (int i : used) out.at(i) = get(i);
  return out;
}

}  // namespace

std::vector<cv::Mat> TrainingImages::Inputs(const std::vector<int>& used) {
  return Gather(size(), used, [&](int i) { return Input(i); });
}
std::vector<cv::Mat> TrainingImages::Targets(const std::vector<int>& used) {
  return Gather(size(), used, [&](int i) { return Target(i); });
}
std::vector<cv::Mat> TrainingImages::TargetClassMaps(const std::vector<int>& used) {
  return Gather(size(), used, [&](int i) { return TargetClasses(i); });
}
std::vector<cv::Mat> TrainingImages::InputClassMaps(const std::vector<int>& used) {
  return Gather(size(), used, [&](int i) { return InputClasses(i); });
}

std::vector<cv::Mat> TrainingImages::Images(PasteSource source, const std::vector<int>& used) {
  switch (source) {
    case PasteSource::kInputs:
      return Inputs(used);
    case PasteSource::kTargets:
      return Targets(used);
    case PasteSource::kPredictions:
      break;
  }
  return Gather(size(), used, [&](int i) {
    LoadPrediction(i);
    return predictions_[i];
  });
}

std::vector<cv::Mat> TrainingImages::ClassMaps(PasteSource source, const std::vector<int>& used) {
  switch (source) {
    case PasteSource::kInputs:
      return InputClassMaps(used);
    case PasteSource::kTargets:
      return TargetClassMaps(used);
    case PasteSource::kPredictions:
      break;
  }
  COMPNN_CHECK(predictions_are_labels_, "the network's outputs are not label images");
  return Gather(size(), used, [&](int i) {
    LoadPrediction(i);
    return prediction_classes_[i];
  });
}

std::vector<int> UsedImages(const CorrespondenceField& field) {
  std::set<int> used;
  for (const Match& m : field.matches) used.insert(m.image);
  return {used.begin(), used.end()};
}

}  // namespace compnn
