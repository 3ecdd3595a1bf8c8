#include "compnn/explain/correspondence_map.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <random>

#include "compnn/explain/reconstruction.h"

namespace compnn {
namespace {

CorrespondenceField RandomField(int cells, int images, int source_cells, std::mt19937& rng) {
  CorrespondenceField field(cells, cells);
  std::uniform_int_distribution<int> image(0, images - 1), cell(0, source_cells - 1);
  // Skewed towards image 0, so the shares differ.
  for (Match& m : field.matches) m = {rng() % 3 == 0 ? 0 : image(rng), cell(rng), cell(rng), 0.5f};
  return field;
}

TEST(CorrespondenceMap, SharesCountPixelsAndSumToOne) {
  std::mt19937 rng(5);
  const CorrespondenceField field = RandomField(8, 5, 8, rng);
  const cv::Mat map = SourceImageMap(field, 4);
  const std::vector<SourceShare> shares = SourceShares(map);
  double sum = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    sum += shares[i].share;
    if (i) {
      EXPECT_GE(shares[i - 1].share, shares[i].share);
    }
    int cells = 0;
    for (const Match& m : field.matches) cells += m.image == shares[i].image;
    EXPECT_DOUBLE_EQ(shares[i].share, cells / 64.0);
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(CorrespondenceMap, ColoursTheTopSourcesAndGreysTheRest) {
  cv::Mat map(1, 6, CV_32S);
  const int images[] = {4, 4, 4, 2, 2, 9};
  for (int x = 0; x < 6; ++x) map.at<int>(0, x) = images[x];
  const cv::Mat coded = ColourBySource(map, SourceShares(map), 2);
  EXPECT_EQ(coded.at<cv::Vec3b>(0, 0), HighlightColour(0));
  EXPECT_EQ(coded.at<cv::Vec3b>(0, 3), HighlightColour(1));
  EXPECT_EQ(coded.at<cv::Vec3b>(0, 5), kLongTailGrey);
  EXPECT_NE(HighlightColour(0), HighlightColour(1));
}

TEST(CorrespondenceMap, UsedRegionCoversTheMatchedPatches) {
  CorrespondenceField field(1, 2);
  field.at(0, 0) = {1, 0, 1, 1};
  field.at(0, 1) = {0, 1, 1, 1};
  const cv::Mat mask = UsedRegion(field, 4, 1, {8, 8});
  EXPECT_EQ(cv::countNonZero(mask), 16);
  EXPECT_EQ(mask.at<uchar>(0, 4), 255);
  EXPECT_EQ(mask.at<uchar>(3, 7), 255);
  EXPECT_EQ(mask.at<uchar>(4, 4), 0);
}

TEST(CorrespondenceMap, FigureHasOneRowOfQueryTilesAndRowsOfSources) {
  std::mt19937 rng(6);
  CorrespondenceMapInputs in;
  in.heading = "test";
  in.query_input = cv::Mat(32, 32, CV_8UC3, cv::Scalar(1, 2, 3));
  in.ground_truth = in.query_input;
  in.network_output = in.query_input;
  in.field = RandomField(8, 7, 8, rng);
  in.stride = 4;
  for (int i = 0; i < 7; ++i) {
    in.sources.push_back(cv::Mat(32, 32, CV_8UC3, cv::Scalar(30 * i, 0, 0)));
    in.names.push_back("img" + std::to_string(i));
  }
  in.reconstruction = ReconstructPhoto(in.field, in.sources, {4, {1, 1}});
  in.highlighted = 6;
  in.side = 64;
  const cv::Mat figure = CorrespondenceMapFigure(in);
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", figure, png));
  const cv::Mat decoded = cv::imdecode(png, cv::IMREAD_COLOR);
  // Five query tiles wide; three rows: the query's, five sources, one source.
  EXPECT_EQ(decoded.cols, 8 + 5 * (64 + 8));
  EXPECT_EQ(decoded.rows, 28 + 3 * (18 + 64 + 16 + 8) + 8);
}

}  // namespace
}  // namespace compnn
