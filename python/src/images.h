// Images between numpy (H, W, 3) uint8 RGB arrays and OpenCV's BGR matrices.
#pragma once

#include <pybind11/numpy.h>

#include <opencv2/core.hpp>
#include <string>

#include "compnn/data/dataset.h"

namespace compnn::python {

namespace py = pybind11;

// A BGR image as a new (H, W, 3) uint8 RGB array.
py::array RgbArray(const cv::Mat& bgr);

// An (H, W, 3) uint8 RGB array as a BGR image (copied); an empty image for None. Raises
// ValueError naming `what` for another shape.
cv::Mat BgrImage(const py::object& object, const std::string& what);

// A palette from its JSON text ({"classes": [...], "ignore": ...}, as a store records it).
Palette PaletteFromJson(const std::string& text);

}  // namespace compnn::python
