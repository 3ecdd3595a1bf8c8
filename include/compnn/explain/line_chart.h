// Line charts for reports (risk against coverage, the sanity check's curves): write them with
// WritePng from dataset_writer.h.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

namespace compnn {

struct ChartCurve {
  std::string name;
  cv::Scalar colour;  // BGR
  std::vector<double> x, y;
};

// Curves over x in [0, x_max] and y in [0, y_max] (4 grid lines, labelled with y_format), a title
// above, x ticks labelled below (written downwards with vertical_ticks), an axis caption under
// them and the curves' legend on the right.
struct LineChart {
  cv::Size size{640, 420};
  int left = 70, right = 250, top = 30, bottom = 50;  // margins around the plotting area
  std::string title, x_caption;
  double x_max = 1, y_max = 1;
  const char* y_format = "%.2f";
  std::vector<std::pair<double, std::string>> x_ticks;
  bool vertical_ticks = false;
  std::vector<ChartCurve> curves;

  cv::Mat Draw() const;  // BGR 8-bit on white
};

}  // namespace compnn
