#include "compnn/explain/reconstruction.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace compnn {
namespace {

cv::Mat RandomPhoto(int side, std::mt19937& rng) {
  cv::Mat image(side, side, CV_8UC3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto it = image.begin<cv::Vec3b>(); it != image.end<cv::Vec3b>(); ++it)
    *it = cv::Vec3b(byte(rng), byte(rng), byte(rng));
  return image;
}

cv::Mat RandomClasses(int side, int classes, std::mt19937& rng) {
  cv::Mat image(side, side, CV_8U);
  std::uniform_int_distribution<int> id(0, classes - 1);
  for (auto it = image.begin<uchar>(); it != image.end<uchar>(); ++it) *it = id(rng);
  return image;
}

CorrespondenceField Identity(int cells, int image) {
  CorrespondenceField field(cells, cells);
  for (int y = 0; y < cells; ++y)
    for (int x = 0; x < cells; ++x) field.at(y, x) = {image, y, x, 1.0f};
  return field;
}

bool Equal(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() &&
         cv::countNonZero(a.reshape(1) != b.reshape(1)) == 0;
}

TEST(Reconstruction, IdentityFieldGivesBackTheImage) {
  std::mt19937 rng(1);
  std::vector<cv::Mat> photos = {RandomPhoto(16, rng), RandomPhoto(16, rng)};
  std::vector<cv::Mat> labels = {RandomClasses(16, 5, rng), RandomClasses(16, 5, rng)};
  for (int stride : {1, 2, 4}) {
    for (HyperpatchShape block :
         {HyperpatchShape{1, 1}, HyperpatchShape{2, 2}, HyperpatchShape{3, 3}}) {
      const PasteGeometry g{stride, block};
      const CorrespondenceField field = Identity(16 / stride, 1);
      EXPECT_TRUE(Equal(ReconstructPhoto(field, photos, g), photos[1])) << stride;
      EXPECT_TRUE(Equal(ReconstructLabels(field, labels, g, 5), labels[1])) << stride;
    }
  }
}

TEST(Reconstruction, PastesTheMatchedPatchHandComputed) {
  // Two 4 x 4 grey-valued sources, stride 2: 2 x 2 cells each.
  std::vector<cv::Mat> sources(2);
  for (int i = 0; i < 2; ++i) {
    sources[i] = cv::Mat(4, 4, CV_8UC3);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x)
        sources[i].at<cv::Vec3b>(y, x) = cv::Vec3b(100 * i + 10 * y + x, 0, 0);
  }
  CorrespondenceField field(1, 2);
  field.at(0, 0) = {1, 1, 1, 0.5f};  // bottom-right cell of image 1
  field.at(0, 1) = {0, 0, 1, 0.5f};  // top-right cell of image 0
  const cv::Mat out = ReconstructPhoto(field, sources, {2, {1, 1}});
  ASSERT_EQ(out.size(), cv::Size(4, 2));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0)[0], 122);
  EXPECT_EQ(out.at<cv::Vec3b>(1, 1)[0], 133);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 2)[0], 2);
  EXPECT_EQ(out.at<cv::Vec3b>(1, 3)[0], 13);
}

TEST(Reconstruction, OverlappingBlocksAreAveraged) {
  // 1 x 2 cells, stride 1, blocks of 1 x 2: both cells' blocks cover both pixels.
  std::vector<cv::Mat> sources = {cv::Mat(1, 2, CV_8UC3, cv::Scalar(10, 20, 30)),
                                  cv::Mat(1, 2, CV_8UC3, cv::Scalar(30, 40, 51))};
  sources[0].at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 0);
  CorrespondenceField field(1, 2);
  field.at(0, 0) = {0, 0, 0, 1.0f};
  field.at(0, 1) = {1, 0, 1, 1.0f};
  const cv::Mat out = ReconstructPhoto(field, sources, {1, {1, 2}});
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(20, 30, 40));  // (10 + 30) / 2, ...
  EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(15, 20, 26));  // (0 + 30) / 2, 25.5 rounds to 26
}

TEST(Reconstruction, LabelsTakeTheMajorityVoteAndTiesGoToTheLowerClass) {
  // 1 x 3 cells, stride 1, blocks of 1 x 3: every pixel gets one vote from each cell.
  std::vector<cv::Mat> sources = {cv::Mat(1, 3, CV_8U, cv::Scalar(2)),
                                  cv::Mat(1, 3, CV_8U, cv::Scalar(1)),
                                  cv::Mat(1, 3, CV_8U, cv::Scalar(3))};
  CorrespondenceField field(1, 3);
  field.at(0, 0) = {0, 0, 0, 1};
  field.at(0, 1) = {1, 0, 1, 1};
  field.at(0, 2) = {0, 0, 2, 1};
  cv::Mat out = ReconstructLabels(field, sources, {1, {1, 3}}, 4);
  for (int x = 0; x < 3; ++x) EXPECT_EQ(out.at<uchar>(0, x), 2);
  field.at(0, 2) = {2, 0, 2, 1};  // votes 2, 1, 3: a three-way tie goes to class 1
  out = ReconstructLabels(field, sources, {1, {1, 3}}, 4);
  for (int x = 0; x < 3; ++x) EXPECT_EQ(out.at<uchar>(0, x), 1);
}

TEST(Reconstruction, IgnoreVotesLoseToAnyClassVote) {
  // 1 x 3 cells, blocks of 1 x 3: every pixel gets one vote from each of the three cells.
  const cv::Mat ignore(1, 3, CV_8U, cv::Scalar(kIgnoreClass)), two(1, 3, CV_8U, cv::Scalar(2));
  std::vector<cv::Mat> sources = {ignore, two};
  CorrespondenceField field(1, 3);
  field.at(0, 0) = {0, 0, 0, 1};
  field.at(0, 1) = {0, 0, 1, 1};
  field.at(0, 2) = {1, 0, 2, 1};  // votes: ignore, ignore, 2
  cv::Mat out = ReconstructLabels(field, sources, {1, {1, 3}}, 4);
  for (int x = 0; x < 3; ++x) EXPECT_EQ(out.at<uchar>(0, x), 2);
  field.at(0, 2) = {0, 0, 2, 1};  // every vote ignore: the pixel stays ignore
  out = ReconstructLabels(field, sources, {1, {1, 3}}, 4);
  for (int x = 0; x < 3; ++x) EXPECT_EQ(out.at<uchar>(0, x), kIgnoreClass);
  const std::vector<cv::Mat> bad = {cv::Mat(1, 3, CV_8U, cv::Scalar(200)), two};
  EXPECT_THROW(ReconstructLabels(field, bad, {1, {1, 3}}, 4), std::invalid_argument);
}

TEST(Reconstruction, LabelVoteNeverInventsAClass) {
  std::mt19937 rng(3);
  std::vector<cv::Mat> sources;
  std::set<int> present;
  for (int i = 0; i < 4; ++i) {
    // Each source uses two of the classes 0..7.
    cv::Mat s = RandomClasses(16, 2, rng);
    s = s * 2 + i;  // source i holds classes i and i + 2
    sources.push_back(s);
  }
  std::uniform_int_distribution<int> image(0, 1), cell(0, 7);  // only sources 0 and 1 are used
  CorrespondenceField field(8, 8);
  for (Match& m : field.matches) m = {image(rng), cell(rng), cell(rng), 0.5f};
  for (int i : {0, 1}) {
    for (auto it = sources[i].begin<uchar>(); it != sources[i].end<uchar>(); ++it)
      present.insert(*it);
  }
  const cv::Mat out = ReconstructLabels(field, sources, {2, {2, 2}}, 8);
  for (auto it = out.begin<uchar>(); it != out.end<uchar>(); ++it)
    EXPECT_TRUE(present.count(*it)) << int(*it);
}

TEST(Reconstruction, RejectsMissingOrMismatchedSources) {
  std::mt19937 rng(4);
  std::vector<cv::Mat> sources = {RandomPhoto(8, rng), cv::Mat()};
  CorrespondenceField field = Identity(4, 1);
  EXPECT_THROW(ReconstructPhoto(field, sources, {2, {1, 1}}), std::invalid_argument);
  sources[1] = RandomPhoto(6, rng);
  field.at(0, 0).image = 0;
  EXPECT_THROW(ReconstructPhoto(field, sources, {2, {1, 1}}), std::invalid_argument);
  sources[1] = RandomClasses(8, 3, rng);
  EXPECT_THROW(ReconstructPhoto(Identity(4, 1), sources, {2, {1, 1}}), std::invalid_argument);
  EXPECT_THROW(ReconstructLabels(Identity(4, 1), sources, {2, {1, 1}}, 2), std::invalid_argument);
}

TEST(Reconstruction, SourceImageMapFollowsTheCells) {
  CorrespondenceField field(2, 2);
  field.at(0, 0).image = 3;
  field.at(1, 1).image = 7;
  const cv::Mat map = SourceImageMap(field, 3);
  ASSERT_EQ(map.size(), cv::Size(6, 6));
  EXPECT_EQ(map.at<int>(2, 2), 3);
  EXPECT_EQ(map.at<int>(5, 3), 7);
  EXPECT_EQ(map.at<int>(0, 5), -1);
}

}  // namespace
}  // namespace compnn
