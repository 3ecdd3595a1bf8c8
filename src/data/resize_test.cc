#include "compnn/data/resize.h"

#include <gtest/gtest.h>

#include <cmath>

namespace compnn {
namespace {

// Every pixel its own value, so the resized image tells which source pixel each output kept.
cv::Mat Coordinates(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, 7);
  return image;
}

// The source pixel nearest to the centre of output pixel i, computed in exact rational arithmetic:
// floor((2i + 1) * source / (2 * size)).
int CentreSource(int i, int source, int size) { return (2 * i + 1) * source / (2 * size); }

TEST(ResizeLabels, KeepsTheSourcePixelAtEachOutputPixelsCentre) {
  // CamVid's 480 x 360 to the training size 240 x 176, a 4x reduction (where OpenCV's plain
  // nearest neighbour keeps 4i, the centre rule keeps 4i + 2), odd and enlarging ratios.
  const struct {
    int rows, cols, out_rows, out_cols;
  } cases[] = {{360, 480, 176, 240},
               {256, 256, 64, 64},
               {37, 53, 11, 20},
               {5, 7, 12, 16},
               {200, 200, 200, 100}};
  for (const auto& c : cases) {
    const cv::Mat source = Coordinates(c.rows, c.cols);
    const cv::Mat out = ResizeLabels(source, cv::Size(c.out_cols, c.out_rows));
    ASSERT_EQ(out.rows, c.out_rows);
    ASSERT_EQ(out.cols, c.out_cols);
    for (int y = 0; y < c.out_rows; ++y) {
      for (int x = 0; x < c.out_cols; ++x) {
        const cv::Vec3b expected = source.at<cv::Vec3b>(CentreSource(y, c.rows, c.out_rows),
                                                        CentreSource(x, c.cols, c.out_cols));
        ASSERT_EQ(out.at<cv::Vec3b>(y, x), expected)
            << c.rows << "x" << c.cols << " -> " << c.out_rows << "x" << c.out_cols << " at (" << x
            << ", " << y << ")";
      }
    }
  }
}

TEST(ResizeLabels, ClassIdsKeepTheirValues) {
  cv::Mat ids(8, 8, CV_8UC1);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) ids.at<uchar>(y, x) = static_cast<uchar>((x / 2) + 4 * (y / 2));
  const cv::Mat out = ResizeLabels(ids, cv::Size(4, 4));
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_EQ(out.at<uchar>(y, x), x + 4 * y);
}

}  // namespace
}  // namespace compnn
