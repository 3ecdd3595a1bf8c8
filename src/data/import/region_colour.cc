// Colours measured on imported photos: what property control needs from data that carries no
// attributes of its own.
#include <cmath>
#include <opencv2/imgproc.hpp>

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

std::optional<cv::Vec3d> MeanLab(const cv::Mat& photo, const cv::Mat& mask) {
  if (cv::countNonZero(mask) == 0) return std::nullopt;
  cv::Mat scaled, lab;
  photo.convertTo(scaled, CV_32FC3, 1.0 / 255);  // float input: L in 0..100, a and b unscaled
  cv::cvtColor(scaled, lab, cv::COLOR_BGR2Lab);
  const cv::Scalar mean = cv::mean(lab, mask);
  return cv::Vec3d(mean[0], mean[1], mean[2]);
}

}  // namespace compnn
