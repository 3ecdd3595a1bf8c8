#include "compnn/explain/line_chart.h"

#include <algorithm>
#include <cstdio>
#include <opencv2/imgproc.hpp>

namespace compnn {
namespace {

const cv::Scalar kBlack(0, 0, 0), kGrey(200, 200, 200);

void Text(cv::Mat& image, const std::string& text, cv::Point at, double scale) {
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, kBlack, 1, cv::LINE_AA);
}

// A tick's label written downwards, its top left at `at` (cut to `room` pixels).
void DownwardText(cv::Mat& image, const std::string& text, cv::Point at, int room) {
  cv::Mat strip(16, 110, CV_8UC3, cv::Scalar(255, 255, 255));
  Text(strip, text, cv::Point(2, 12), 0.4);
  cv::Mat turned;
  cv::rotate(strip, turned, cv::ROTATE_90_CLOCKWISE);
  const cv::Rect where(at.x, at.y, turned.cols, std::min(turned.rows, room));
  if (where.x >= 0 && where.x + where.width <= image.cols && where.height > 0)
    turned(cv::Rect(0, 0, where.width, where.height)).copyTo(image(where));
}

}  // namespace

cv::Mat LineChart::Draw() const {
  cv::Mat chart(size, CV_8UC3, cv::Scalar(255, 255, 255));
  const int plot_w = size.width - left - right, plot_h = size.height - top - bottom;
  const auto point = [&](double x, double y) {
    return cv::Point(left + static_cast<int>(x / x_max * plot_w),
                     top + plot_h - static_cast<int>(y / y_max * plot_h));
  };
  for (int t = 0; t <= 4; ++t) {
    const double y = y_max * t / 4;
    cv::line(chart, point(0, y), point(x_max, y), kGrey, 1);
    char label[32];
    std::snprintf(label, sizeof label, y_format, y);
    Text(chart, label, cv::Point(8, point(0, y).y + 4), 0.4);
  }
  for (const auto& [x, label] : x_ticks) {
    const cv::Point at = point(x, 0);
    if (vertical_ticks)
      DownwardText(chart, label, cv::Point(at.x - 8, at.y + 4), bottom - 8);
    else
      Text(chart, label, cv::Point(at.x - 12, size.height - 30), 0.4);
  }
  cv::rectangle(chart, point(0, y_max), point(x_max, 0), kBlack, 1);
  if (!x_caption.empty()) Text(chart, x_caption, cv::Point(left, size.height - 10), 0.45);
  Text(chart, title, cv::Point(left, 18), 0.45);
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const ChartCurve& curve = curves[c];
    for (std::size_t i = 1; i < std::min(curve.x.size(), curve.y.size()); ++i)
      cv::line(chart, point(curve.x[i - 1], curve.y[i - 1]), point(curve.x[i], curve.y[i]),
               curve.colour, 2, cv::LINE_AA);
    const int y = top + 18 + static_cast<int>(c) * 22;
    const int x = size.width - right + 10;
    cv::line(chart, cv::Point(x, y - 4), cv::Point(x + 20, y - 4), curve.colour, 2, cv::LINE_AA);
    Text(chart, curve.name, cv::Point(x + 26, y), 0.4);
  }
  return chart;
}

}  // namespace compnn
