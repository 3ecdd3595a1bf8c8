#include "images.h"

#include <cstring>
#include <opencv2/imgproc.hpp>

#include "numpy_maps.h"

namespace compnn::python {

py::array RgbArray(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  py::array_t<std::uint8_t> out({rgb.rows, rgb.cols, 3});
  std::memcpy(out.mutable_data(), rgb.data, static_cast<std::size_t>(rgb.total()) * 3);
  return out;
}

cv::Mat BgrImage(const py::object& object, const std::string& what) {
  if (object.is_none()) return {};
  // No silent casts: a float image in 0..1 would become black.
  const py::array given = py::array::ensure(object);
  Require(given && HasDType(given, py::dtype::of<std::uint8_t>()),
          what + ": must be a uint8 (H, W, 3) RGB image");
  using ByteArray = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
  const ByteArray a = ByteArray::ensure(given);
  Require(a && a.ndim() == 3 && a.shape(2) == 3, what + ": must be an (H, W, 3) RGB image");
  const cv::Mat rgb(static_cast<int>(a.shape(0)), static_cast<int>(a.shape(1)), CV_8UC3,
                    const_cast<std::uint8_t*>(a.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

Palette PaletteFromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  return Palette::FromJson(j.at("classes"), "palette", j.value("ignore", nlohmann::json()));
}

}  // namespace compnn::python
