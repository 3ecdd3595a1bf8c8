#include "training_data.h"

#include "compnn/data/resize.h"

namespace compnn::models {

torch::Tensor ImageToTensor(const cv::Mat& bgr, const ImageSize& size, bool labels,
                            const NetworkPixels& pixels) {
  const cv::Mat resized = ResizeImage(bgr, cv::Size(size.width, size.height), labels);
  std::vector<float> values = InputValues(resized, pixels);
  return torch::from_blob(values.data(), {3, size.height, size.width}, torch::kFloat).clone();
}

cv::Mat TensorToImage(const torch::Tensor& chw) {
  const torch::Tensor values = chw.detach().to(torch::kFloat).contiguous();
  return OutputImage(values.data_ptr<float>(), static_cast<int>(values.size(0)),
                     static_cast<int>(values.size(1)), static_cast<int>(values.size(2)),
                     OutputKind::kImage, NetworkPixels{}, nullptr, "the network");
}

SplitTensors LoadSplit(const Dataset& dataset, const std::string& split, Direction direction,
                       const ImageSize& size, bool class_targets, int limit) {
  std::vector<std::string> names = dataset.Names(split);
  if (limit > 0 && static_cast<int>(names.size()) > limit) names.resize(limit);
  const bool input_is_labels = dataset.input_is_labels(direction);
  const bool target_is_labels = dataset.target_is_labels(direction);
  if (class_targets && !target_is_labels) {
    throw std::runtime_error(
        dataset.dir() + ": the " + ToString(TargetSide(direction)) +
        " side holds no label images (labels.json names side '" +
        (dataset.label_side() ? ToString(*dataset.label_side()) : "") +
        "'), so a segmentation network cannot train on it with this direction");
  }
  SplitTensors out;
  std::vector<torch::Tensor> inputs, targets, classes;
  for (const std::string& name : names) {
    const ImagePair pair = dataset.Read(split, name);
    const cv::Mat& input = InputOf(pair, direction);
    const cv::Mat& target = TargetOf(pair, direction);
    inputs.push_back(ImageToTensor(input, size, input_is_labels));
    if (target_is_labels) {
      const cv::Mat resized = ResizeLabels(target, cv::Size(size.width, size.height));
      const cv::Mat ids = dataset.palette().Classes(
          resized, false, dataset.dir() + "/" + split + "/" + name + ".png");
      classes.push_back(
          torch::from_blob(ids.data, {size.height, size.width}, torch::kUInt8).clone());
    }
    if (!class_targets) targets.push_back(ImageToTensor(target, size, target_is_labels));
    out.names.push_back(name);
  }
  out.inputs = torch::stack(inputs);
  if (!classes.empty()) out.target_classes = torch::stack(classes);
  out.targets = class_targets ? out.target_classes.to(torch::kLong) : torch::stack(targets);
  return out;
}

}  // namespace compnn::models
