// Colours measured on imported photos: what property control needs from data that carries no
// attributes of its own.
#include <cmath>
#include <cstdint>

#include "compnn/data/dataset_import.h"

namespace compnn {

std::string NameOfColour(const cv::Vec3d& lab) {
  const double lightness = lab[0], chroma = std::hypot(lab[1], lab[2]);
  if (chroma < 10) return lightness >= 70 ? "white" : (lightness >= 40 ? "grey" : "dark");
  double hue = std::atan2(lab[2], lab[1]) * 180.0 / M_PI;
  if (hue < 0) hue += 360;
  // sRGB's red lies at 40 degrees, brick at 35-40, orange-brown near 60, yellow near 100.
  if (hue < 50 || hue >= 330) return "red";
  if (hue < 110) {
    if (hue >= 70 && chroma >= 40) return "yellow";
    return lightness >= 60 ? "beige" : "brown";
  }
  if (hue < 200) return "green";
  return "blue";
}

namespace {

// sRGB (0..255) to CIE L*a*b* under D65, by the standard's formulas. OpenCV's cvtColor keeps
// lazily built tables for ever, which LeakSanitizer reports at exit.
cv::Vec3d SrgbToLab(double r, double g, double b) {
  const auto linear = [](double v) {
    v /= 255.0;
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  const double lr = linear(r), lg = linear(g), lb = linear(b);
  // XYZ relative to D65's white (0.95047, 1, 1.08883).
  const double x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047;
  const double y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb;
  const double z = (0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb) / 1.08883;
  const auto f = [](double t) {
    constexpr double kEpsilon = 216.0 / 24389.0, kKappa = 24389.0 / 27.0;
    return t > kEpsilon ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0;
  };
  const double fx = f(x), fy = f(y), fz = f(z);
  return {116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

}  // namespace

std::optional<cv::Vec3d> MeanLab(const cv::Mat& photo, const cv::Mat& mask) {
  CV_Assert(photo.type() == CV_8UC3 && mask.type() == CV_8U && photo.size() == mask.size());
  cv::Vec3d sum(0, 0, 0);
  std::int64_t pixels = 0;
  for (int y = 0; y < photo.rows; ++y) {
    const cv::Vec3b* bgr = photo.ptr<cv::Vec3b>(y);
    const std::uint8_t* m = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < photo.cols; ++x) {
      if (!m[x]) continue;
      sum += SrgbToLab(bgr[x][2], bgr[x][1], bgr[x][0]);
      ++pixels;
    }
  }
  if (pixels == 0) return std::nullopt;
  return sum / static_cast<double>(pixels);
}

}  // namespace compnn
