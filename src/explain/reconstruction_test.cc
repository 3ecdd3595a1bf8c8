#include "compnn/explain/reconstruction.h"

#include <gtest/gtest.h>

#include "compnn/core/check.h"

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

TEST(Reconstruction, OverlappingBlocksAreAveragedAndClampedCellByCell) {
  // 1 x 2 cells, stride 1, blocks of 1 x 2 (the cell and its right neighbour). Cell 0's block
  // pastes source 0's cells 0 and 1 onto pixels 0 and 1. Cell 1's block is clamped cell by cell,
  // as its hyperpatch was: its right neighbour is itself, so it pastes source 1's cell 1 twice
  // onto pixel 1.
  std::vector<cv::Mat> sources = {cv::Mat(1, 2, CV_8UC3, cv::Scalar(10, 20, 30)),
                                  cv::Mat(1, 2, CV_8UC3, cv::Scalar(30, 40, 51))};
  sources[0].at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 0);
  CorrespondenceField field(1, 2);
  field.at(0, 0) = {0, 0, 0, 1.0f};
  field.at(0, 1) = {1, 0, 1, 1.0f};
  const cv::Mat out = ReconstructPhoto(field, sources, {1, {1, 2}});
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(20, 27, 34));  // (0 + 2 * 30) / 3, 80 / 3, 102 / 3
}

// Every cell's k matches, image by image, at cell (0, 0) of 1 x 1 sources.
CorrespondenceField OneCellVotes(const std::vector<std::pair<int, float>>& votes) {
  CorrespondenceField field(1, 1, static_cast<int>(votes.size()));
  for (std::size_t r = 0; r < votes.size(); ++r)
    field.at(0, 0, static_cast<int>(r)) = {votes[r].first, 0, 0, votes[r].second};
  return field;
}

TEST(Reconstruction, KMatchesVoteWeightedBySimilarity) {
  const std::vector<cv::Mat> photos = {cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 100, 200)),
                                       cv::Mat(1, 1, CV_8UC3, cv::Scalar(200, 100, 0))};
  const CorrespondenceField field = OneCellVotes({{0, 0.75f}, {1, 0.25f}});
  PasteGeometry g;
  // Weights 0.75 and 0.25: 0.75 * 0 + 0.25 * 200 = 50.
  EXPECT_EQ(ReconstructPhoto(field, photos, g).at<cv::Vec3b>(0, 0), cv::Vec3b(50, 100, 150));
  g.vote_power = 0;  // equal weights: the plain mean
  EXPECT_EQ(ReconstructPhoto(field, photos, g).at<cv::Vec3b>(0, 0), cv::Vec3b(100, 100, 100));
  g.vote_power = 2;  // weights 0.5625 and 0.0625: 200 * 0.1 = 20
  EXPECT_EQ(ReconstructPhoto(field, photos, g).at<cv::Vec3b>(0, 0), cv::Vec3b(20, 100, 180));
  // No positive similarity: the votes count equally.
  EXPECT_EQ(ReconstructPhoto(OneCellVotes({{0, -0.5f}, {1, 0.0f}}), photos, PasteGeometry{})
                .at<cv::Vec3b>(0, 0),
            cv::Vec3b(100, 100, 100));
  g.vote_power = -1;
  EXPECT_THROW(ReconstructPhoto(field, photos, g), OptionError);
}

TEST(Reconstruction, LabelsTakeTheHeaviestVoteAndTiesGoToTheLowerClass) {
  std::vector<cv::Mat> sources;
  for (int c : {2, 1, 3}) sources.push_back(cv::Mat(1, 1, CV_8U, cv::Scalar(c)));
  const auto vote = [&](const std::vector<std::pair<int, float>>& votes) {
    return int(ReconstructLabels(OneCellVotes(votes), sources, PasteGeometry{}, 4).at<uchar>(0, 0));
  };
  EXPECT_EQ(vote({{0, 1}, {1, 1}, {0, 1}}), 2);           // two votes for 2, one for 1
  EXPECT_EQ(vote({{0, 1}, {1, 1}, {2, 1}}), 1);           // a three-way tie goes to class 1
  EXPECT_EQ(vote({{1, 0.9f}, {0, 0.4f}, {0, 0.4f}}), 1);  // 0.9 outweighs 0.4 + 0.4
  EXPECT_EQ(vote({{1, 0.9f}, {0, 0.5f}, {0, 0.5f}}), 2);  // 1.0 outweighs 0.9
}

TEST(Reconstruction, IgnoreVotesLoseToAnyClassVote) {
  const cv::Mat ignore(1, 1, CV_8U, cv::Scalar(kIgnoreClass)), two(1, 1, CV_8U, cv::Scalar(2));
  const std::vector<cv::Mat> sources = {ignore, two};
  const PasteGeometry g;
  cv::Mat out = ReconstructLabels(OneCellVotes({{0, 1}, {0, 1}, {1, 0.1f}}), sources, g, 4);
  EXPECT_EQ(out.at<uchar>(0, 0), 2);
  out = ReconstructLabels(OneCellVotes({{0, 1}, {0, 1}}), sources, g, 4);  // every vote ignore
  EXPECT_EQ(out.at<uchar>(0, 0), kIgnoreClass);
  const std::vector<cv::Mat> bad = {cv::Mat(1, 1, CV_8U, cv::Scalar(200)), two};
  EXPECT_THROW(ReconstructLabels(OneCellVotes({{0, 1}}), bad, g, 4), std::invalid_argument);
}

// The cells a hyperpatch holds, in its order, read back through GatherHyperpatch from a map whose
// cells hold their own coordinates.
std::vector<std::pair<int, int>> HyperpatchCells(int height, int width,
                                                 const HyperpatchShape& shape, int y, int x) {
  OwnedMap coordinates(height, width, 2);
  for (int cy = 0; cy < height; ++cy)
    for (int cx = 0; cx < width; ++cx) {
      coordinates.values[(static_cast<std::size_t>(cy) * width + cx) * 2] = float(cy);
      coordinates.values[(static_cast<std::size_t>(cy) * width + cx) * 2 + 1] = float(cx);
    }
  std::vector<float> gathered(shape.length(2));
  GatherHyperpatch(coordinates.view(), shape, y, x, gathered.data());
  std::vector<std::pair<int, int>> cells;
  for (std::size_t i = 0; i < gathered.size(); i += 2)
    cells.emplace_back(int(gathered[i]), int(gathered[i + 1]));
  return cells;
}

TEST(Reconstruction, BlocksPasteExactlyTheCellsTheirHyperpatchesCompared) {
  // Random matches, many at the border, pasted with hyperpatch-shaped blocks, against a reference
  // that pastes the i-th cell of the source's hyperpatch onto the i-th cell of the query's.
  std::mt19937 rng(8);
  const int source_cells = 5, stride = 2;
  std::vector<cv::Mat> photos;
  for (int i = 0; i < 3; ++i) photos.push_back(RandomPhoto(source_cells * stride, rng));
  for (HyperpatchShape block : {HyperpatchShape{2, 2}, HyperpatchShape{3, 3}, HyperpatchShape{1, 3},
                                HyperpatchShape{4, 2}}) {
    CorrespondenceField field(4, 6);
    std::uniform_int_distribution<int> image(0, 2), cell(0, source_cells - 1);
    std::uniform_real_distribution<float> similarity(0.1f, 1.0f);
    for (Match& m : field.matches) m = {image(rng), cell(rng), cell(rng), similarity(rng)};
    cv::Mat sum(field.height * stride, field.width * stride, CV_64FC3, cv::Scalar::all(0));
    cv::Mat weight(sum.size(), CV_64F, cv::Scalar(0));
    for (int y = 0; y < field.height; ++y)
      for (int x = 0; x < field.width; ++x) {
        const Match& m = field.at(y, x);
        const auto query = HyperpatchCells(field.height, field.width, block, y, x);
        const auto source = HyperpatchCells(source_cells, source_cells, block, m.y, m.x);
        for (std::size_t i = 0; i < query.size(); ++i)
          for (int py = 0; py < stride; ++py)
            for (int px = 0; px < stride; ++px) {
              const cv::Vec3b v = photos[m.image].at<cv::Vec3b>(source[i].first * stride + py,
                                                                source[i].second * stride + px);
              const int qy = query[i].first * stride + py, qx = query[i].second * stride + px;
              sum.at<cv::Vec3d>(qy, qx) += double(m.similarity) * cv::Vec3d(v[0], v[1], v[2]);
              weight.at<double>(qy, qx) += m.similarity;
            }
      }
    const cv::Mat out = ReconstructPhoto(field, photos, {stride, block});
    for (int y = 0; y < out.rows; ++y)
      for (int x = 0; x < out.cols; ++x) {
        const cv::Vec3d expected = sum.at<cv::Vec3d>(y, x) / weight.at<double>(y, x);
        for (int c = 0; c < 3; ++c)
          ASSERT_NEAR(out.at<cv::Vec3b>(y, x)[c], expected[c], 0.5 + 1e-9)
              << block.height << "x" << block.width << " at " << y << "," << x;
      }
  }
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
