#include "compnn/explain/figure.h"
#include "compnn/data/dataset_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "temp_dir.h"

namespace compnn {
namespace {

class FigureTest : public testing::TempDirTest {};

TEST_F(FigureTest, GridSizeFollowsTheWidestRowAndSpans) {
  const cv::Mat red(10, 10, CV_8UC3, cv::Scalar(0, 0, 255));
  const cv::Mat grid =
      TileGrid("heading", {{{red, "a", ""}, {red, "b", "", 2}}, {{red, "c", ""}}}, 40);
  EXPECT_EQ(grid.cols, 8 + 3 * 48);
  EXPECT_EQ(grid.rows, 28 + 2 * (18 + 40 + 16 + 8) + 8);
  // The first tile's image is scaled to the side and placed under its title.
  EXPECT_EQ(grid.at<cv::Vec3b>(28 + 18 + 20, 8 + 20), cv::Vec3b(0, 0, 255));
}

TEST_F(FigureTest, NonSquareTilesKeepTheImagesAspectRatio) {
  EXPECT_EQ(TileFor(cv::Size(128, 64), 256), cv::Size(256, 128));  // width x height
  EXPECT_EQ(TileFor(cv::Size(30, 90), 60), cv::Size(20, 60));
  EXPECT_EQ(TileFor(cv::Size(50, 50), 40), cv::Size(40, 40));
  // A 1 x 2 grid of 64 x 32 tiles: the red image fills its tile, and the white gap follows.
  const cv::Mat red(16, 32, CV_8UC3, cv::Scalar(0, 0, 255));
  const cv::Mat grid = TileGrid("heading", {{{red, "a", ""}, {red, "b", ""}}}, cv::Size(64, 32));
  EXPECT_EQ(grid.cols, 8 + 2 * (64 + 8));
  EXPECT_EQ(grid.rows, 28 + (18 + 32 + 16 + 8) + 8);
  EXPECT_EQ(grid.at<cv::Vec3b>(28 + 18 + 31, 8 + 63), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(grid.at<cv::Vec3b>(28 + 18 + 16, 8 + 64), cv::Vec3b(255, 255, 255));
}

TEST_F(FigureTest, WritePngIsAtomicAndDecodable) {
  const cv::Mat image(12, 20, CV_8UC3, cv::Scalar(9, 8, 7));
  WritePng(Path("a.png"), image);
  const cv::Mat back = cv::imread(Path("a.png"), cv::IMREAD_COLOR);
  ASSERT_EQ(back.size(), image.size());
  EXPECT_EQ(back.at<cv::Vec3b>(3, 4), cv::Vec3b(9, 8, 7));
  for (const auto& entry : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename(), "a.png");  // no temporary left behind
  EXPECT_THROW(WritePng(Path("missing/dir/a.png"), image), std::runtime_error);
}

}  // namespace
}  // namespace compnn
