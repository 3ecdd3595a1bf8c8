#include "compnn/models/prediction.h"

#include <opencv2/imgproc.hpp>

#include "compnn/models/network.h"
#include "training_data.h"

namespace compnn {

Direction ModelDirection(const Network& network) {
  return ParseDirection(network.config().extra.value("direction", "AtoB"));
}

QueryRun RunQuery(Model& model, const cv::Mat& input, bool input_is_labels, const Palette* palette,
                  const std::set<std::string>& layers) {
  for (const std::string& layer : layers) model.layer(layer);  // unknown names are an error
  torch::NoGradGuard no_grad;
  Capture capture;
  capture.wanted = layers;
  const torch::Tensor out =
      model.Forward(model.Prepare(input, input_is_labels).unsqueeze(0), &capture)[0];
  QueryRun run;
  for (const auto& [name, value] : capture.values) {
    const torch::Tensor hwd = value[0].permute({1, 2, 0}).contiguous();
    OwnedMap map(static_cast<int>(hwd.size(0)), static_cast<int>(hwd.size(1)),
                 static_cast<int>(hwd.size(2)));
    std::copy_n(hwd.data_ptr<float>(), map.values.size(), map.values.begin());
    run.maps.emplace(name, std::move(map));
  }
  run.output = model.OutputImage(out, palette);
  return run;
}

cv::Mat Predict(Model& model, const cv::Mat& input, bool input_is_labels, const Palette* palette) {
  return RunQuery(model, input, input_is_labels, palette, {}).output;
}

cv::Mat PredictionSheet(Model& model, const Dataset& dataset, const std::string& split, int count,
                        int tile) {
  const Direction direction = model.direction();
  const bool input_is_labels = dataset.input_is_labels(direction);
  const Palette* palette = dataset.has_labels() ? &dataset.palette() : nullptr;
  std::vector<std::string> names = dataset.Names(split);
  count = std::min<int>(count, names.size());
  const int caption = 18, gap = 6;
  cv::Mat sheet(caption + count * (tile + gap) + gap, 3 * (tile + gap) + gap, CV_8UC3,
                cv::Scalar(255, 255, 255));
  const char* titles[] = {"input", "network output", "ground truth"};
  for (int c = 0; c < 3; ++c) {
    cv::putText(sheet, titles[c], {gap + c * (tile + gap), 13}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                {0, 0, 0}, 1, cv::LINE_AA);
  }
  for (int i = 0; i < count; ++i) {
    const ImagePair pair = dataset.Read(split, names[i]);
    const cv::Mat images[] = {InputOf(pair, direction),
                              Predict(model, InputOf(pair, direction), input_is_labels, palette),
                              TargetOf(pair, direction)};
    for (int c = 0; c < 3; ++c) {
      cv::Mat resized;
      cv::resize(images[c], resized, cv::Size(tile, tile), 0, 0, cv::INTER_AREA);
      resized.copyTo(
          sheet(cv::Rect(gap + c * (tile + gap), caption + i * (tile + gap), tile, tile)));
    }
  }
  return sheet;
}

}  // namespace compnn
