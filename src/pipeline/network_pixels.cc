#include "compnn/pipeline/network_pixels.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "compnn/core/check.h"
#include "compnn/core/enum_names.h"
#include "compnn/data/resize.h"

namespace compnn {

void NetworkPixels::Check() const {
  if (!normalisation) return;
  for (float s : normalisation->std)
    COMPNN_CHECK_OPTION(s > 0, "std", "must be positive for every channel, got ", s);
}

void NetworkPixels::Record(nlohmann::json& m) const {
  m["input_range"] = ToString(input_range);
  if (normalisation) {
    m["mean"] = normalisation->mean;
    m["std"] = normalisation->std;
  }
  if (!output.empty()) m["output"] = output;
  m["output_kind"] = ToString(output_kind);
}

NetworkPixels NetworkPixels::FromRecord(const nlohmann::json& m, const std::string& path) {
  NetworkPixels pixels;
  try {
    pixels.input_range =
        ParseName(InputRangeNames(), m.value("input_range", std::string("-1,1")), "input_range");
    if (m.contains("mean") || m.contains("std")) {
      pixels.normalisation = InputNormalisation{m.at("mean").get<std::array<float, 3>>(),
                                                m.at("std").get<std::array<float, 3>>()};
    }
    pixels.output = m.value("output", std::string());
    pixels.output_kind =
        ParseName(OutputKindNames(), m.value("output_kind", std::string("image")), "output_kind");
    pixels.Check();
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": the model's record is unreadable: " + e.what());
  }
  return pixels;
}

namespace {

// A BGR image from 3 planes of values, each turned into 0..255 by `scale(channel, value)`,
// clamped and rounded half to even (as LibTorch and numpy round).
template <typename Scale>
cv::Mat PlanesToBgr(const float* chw, int height, int width, Scale scale) {
  cv::Mat bgr(height, width, CV_8UC3);
  const std::size_t plane = static_cast<std::size_t>(height) * width;
  for (int y = 0; y < height; ++y) {
    auto* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < width; ++x) {
      const std::size_t at = static_cast<std::size_t>(y) * width + x;
      for (int c = 0; c < 3; ++c) {
        const float value = std::clamp(scale(c, chw[c * plane + at]), 0.0f, 255.0f);
        row[x][2 - c] = static_cast<std::uint8_t>(std::nearbyint(value));
      }
    }
  }
  return bgr;
}

// pix2pix's convention: -1..1 to 0..255.
float FromMinusOneToOne(float v) { return (v + 1.0f) * 127.5f; }

}  // namespace

std::vector<float> InputValues(const cv::Mat& bgr, const NetworkPixels& pixels) {
  COMPNN_CHECK(bgr.type() == CV_8UC3, "a network's input must be an 8-bit colour image");
  const std::size_t plane = bgr.total();
  std::vector<float> values(3 * plane);
  for (int y = 0; y < bgr.rows; ++y) {
    const auto* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const std::size_t at = static_cast<std::size_t>(y) * bgr.cols + x;
      for (int c = 0; c < 3; ++c) {
        // The float32 steps of compnn's training (pix2pix's -1..1 first), so that every front
        // end feeds the network the same bits.
        const float v = static_cast<float>(row[x][2 - c]) / 127.5f - 1.0f;
        float& out = values[c * plane + at];
        if (pixels.normalisation) {
          out = ((v + 1.0f) / 2.0f - pixels.normalisation->mean[c]) / pixels.normalisation->std[c];
        } else {
          out = pixels.input_range == InputRange::kZeroToOne ? (v + 1.0f) / 2.0f : v;
        }
      }
    }
  }
  return values;
}

cv::Mat InputImage(const float* chw, int height, int width, const NetworkPixels& pixels) {
  if (pixels.normalisation) {
    const InputNormalisation& n = *pixels.normalisation;
    return PlanesToBgr(chw, height, width,
                       [&](int c, float v) { return (v * n.std[c] + n.mean[c]) * 255.0f; });
  }
  if (pixels.input_range == InputRange::kZeroToOne)
    return PlanesToBgr(chw, height, width, [](int, float v) { return v * 255.0f; });
  return PlanesToBgr(chw, height, width, [](int, float v) { return FromMinusOneToOne(v); });
}

namespace {

// The arg-max class of each pixel (the first of equal scores), CV_8U.
cv::Mat ArgMaxClasses(const float* chw, int channels, int height, int width) {
  cv::Mat ids(height, width, CV_8U);
  const std::size_t plane = static_cast<std::size_t>(height) * width;
  for (std::size_t at = 0; at < plane; ++at) {
    int best = 0;
    for (int c = 1; c < channels; ++c) {
      if (chw[c * plane + at] > chw[best * plane + at]) best = c;
    }
    ids.data[at] = static_cast<std::uint8_t>(best);
  }
  return ids;
}

}  // namespace

cv::Mat OutputImage(const float* chw, int channels, int height, int width, OutputKind kind,
                    const NetworkPixels& pixels, const Palette* palette,
                    const std::string& network) {
  if (kind == OutputKind::kImage) {
    COMPNN_CHECK(channels == 3, network, ": the output has ", channels,
                 " channels, not an RGB image (class scores? set the output kind to logits)");
    // A normalised network's output image is read in 0..1; others in their input range.
    const bool zero_to_one = pixels.normalisation || pixels.input_range == InputRange::kZeroToOne;
    if (zero_to_one)
      return PlanesToBgr(chw, height, width,
                         [](int, float v) { return FromMinusOneToOne(v * 2.0f - 1.0f); });
    return PlanesToBgr(chw, height, width, [](int, float v) { return FromMinusOneToOne(v); });
  }
  COMPNN_CHECK(palette, network, ": its output is ", channels,
               " class scores per pixel, and there is no palette to draw the classes in (a "
               "dataset's labels.json, or the store's)");
  COMPNN_CHECK(channels == palette->size(), network, ": the output has ", channels,
               " class scores per pixel, but the dataset has ", palette->size(), " classes");
  return palette->Colourise(ArgMaxClasses(chw, channels, height, width));
}

cv::Mat StoredPrediction(const cv::Mat& output, const ImageSize& size, bool labels,
                         const Palette* palette) {
  cv::Mat bgr = ResizeImage(output, cv::Size(size.width, size.height), labels);
  if (!labels) return bgr;
  COMPNN_CHECK(palette, "the network's outputs are label images, but there is no palette");
  return palette->Colourise(palette->Classes(bgr, true, "network output"));
}

}  // namespace compnn
