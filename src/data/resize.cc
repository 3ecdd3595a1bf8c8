#include "compnn/data/resize.h"

#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace compnn {

namespace {

// The source index of each output index: floor((2i + 1) * source / (2 * size)), in exact integer
// arithmetic.
std::vector<int> CentreSources(int source, int size) {
  std::vector<int> from(size);
  for (int i = 0; i < size; ++i) from[i] = static_cast<int>((2LL * i + 1) * source / (2LL * size));
  return from;
}

}  // namespace

// Written out rather than cv::INTER_NEAREST_EXACT, which keeps the block's first pixel on a 2x
// reduction in OpenCV 4.6 (resize_test.cc holds the rule).
cv::Mat ResizeLabels(const cv::Mat& labels, const cv::Size& size) {
  if (labels.size() == size) return labels;
  CV_Assert(!labels.empty() && size.width > 0 && size.height > 0);
  const std::vector<int> xs = CentreSources(labels.cols, size.width);
  const std::vector<int> ys = CentreSources(labels.rows, size.height);
  const std::size_t pixel = labels.elemSize();
  cv::Mat resized(size, labels.type());
  for (int y = 0; y < size.height; ++y) {
    const uchar* in = labels.ptr<uchar>(ys[y]);
    uchar* out = resized.ptr<uchar>(y);
    for (int x = 0; x < size.width; ++x)
      std::memcpy(out + x * pixel, in + static_cast<std::size_t>(xs[x]) * pixel, pixel);
  }
  return resized;
}

cv::Mat ResizeImage(const cv::Mat& image, const cv::Size& size, bool labels) {
  if (image.size() == size) return image;
  if (labels) return ResizeLabels(image, size);
  cv::Mat resized;
  cv::resize(image, resized, size, 0, 0, cv::INTER_AREA);
  return resized;
}

}  // namespace compnn
