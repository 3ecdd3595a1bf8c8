// How a network reads pixels and what its output holds, and the images made from its tensors'
// values. Plain floats, no LibTorch: compnn's models (models/model.h) and the Python package's
// forward hooks turn inputs and outputs into images by these same rules.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"
#include "compnn/models/model_types.h"

namespace compnn {

struct NetworkPixels {
  InputRange input_range = InputRange::kMinusOneToOne;
  // Instead of input_range: torchvision-style mean and std over pixels scaled to 0..1.
  std::optional<InputNormalisation> normalisation;
  // The tensor a forward returning a dict (a key) or a tuple (an index) gives as the output;
  // empty when the forward returns a tensor.
  std::string output;
  OutputKind output_kind = OutputKind::kImage;

  // Throws OptionError naming the field: a std that is not positive.
  void Check() const;
  // The keys a store's manifest records under "model": input_range, mean and std (when
  // normalised), output (when set) and output_kind.
  void Record(nlohmann::json& model) const;
  // Reads them back (absent keys take the defaults); errors name `path`.
  static NetworkPixels FromRecord(const nlohmann::json& model, const std::string& path);
};

// An 8-bit BGR image as the network reads it: 3 x height x width values (RGB) in channel-major
// order, in its input range or normalised.
std::vector<float> InputValues(const cv::Mat& bgr, const NetworkPixels& pixels);

// InputValues undone: a network's input for one image, 3 x height x width values in channel-major
// order as it reads them, as an 8-bit BGR image (the normalisation or range undone).
cv::Mat InputImage(const float* chw, int height, int width, const NetworkPixels& pixels);

// A network's output for one image, channels x height x width values in channel-major order, as a
// BGR image: for an image output, the image (in the input range; a normalised network's output
// image in 0..1); for class scores, the palette colours of the arg-max class. Throws
// std::runtime_error naming `network` for an image output without 3 channels, class scores
// without a palette, or scores of another count than the palette's classes.
cv::Mat OutputImage(const float* chw, int channels, int height, int width, OutputKind kind,
                    const NetworkPixels& pixels, const Palette* palette,
                    const std::string& network);

// The network's output image on a training image as a store keeps it: at `size`, and for label
// outputs each pixel in the nearest class's colour (read as eval reads the network's output), so
// that reconstructions vote classes. BGR.
cv::Mat StoredPrediction(const cv::Mat& output, const ImageSize& size, bool labels,
                         const Palette* palette);

}  // namespace compnn
