// Resizing a photo and its labels so that they stay aligned: the photo averages each output
// pixel's source block, the labels take the source pixel nearest to that block's centre.
#pragma once

#include <opencv2/core.hpp>

namespace compnn {

// Label images (colours or class ids, any type) by nearest neighbour at each output pixel's
// centre: output pixel (x, y) keeps source pixel (floor((x + 0.5) * source width / width), and
// likewise for y). OpenCV's plain nearest neighbour keeps floor(x * source width / width), the
// block's top-left pixel, which sits half a block off the averaged photo.
cv::Mat ResizeLabels(const cv::Mat& labels, const cv::Size& size);

// Photos by area averaging, or label images as ResizeLabels; the image itself when the size is
// already right.
cv::Mat ResizeImage(const cv::Mat& image, const cv::Size& size, bool labels);

}  // namespace compnn
