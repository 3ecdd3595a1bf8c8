#include "compnn/data/label_colours.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <stdexcept>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"
#include "compnn/eval/metrics.h"
#include "generators/facade_layout.h"
#include "generators/facade_render.h"

namespace compnn {
namespace {

std::vector<LabelColour> ColoursOf(const Palette& palette) {
  std::vector<LabelColour> colours;
  for (const LabelClass& c : palette.classes()) {
    colours.push_back({c.rgb, static_cast<std::uint8_t>(c.id)});
  }
  return colours;
}

// Cityscapes' 19 train classes: a wrong palette for facades.
std::vector<LabelColour> CityscapesTrainColours() {
  const int rgb[19][3] = {{128, 64, 128},  {244, 35, 232},  {70, 70, 70},   {102, 102, 156},
                          {190, 153, 153}, {153, 153, 153}, {250, 170, 30}, {220, 220, 0},
                          {107, 142, 35},  {152, 251, 152}, {70, 130, 180}, {220, 20, 60},
                          {255, 0, 0},     {0, 0, 142},     {0, 0, 70},     {0, 60, 100},
                          {0, 80, 100},    {0, 0, 230},     {119, 11, 32}};
  std::vector<LabelColour> colours;
  for (int i = 0; i < 19; ++i) {
    colours.push_back({cv::Vec3b(rgb[i][0], rgb[i][1], rgb[i][2]), static_cast<std::uint8_t>(i)});
  }
  return colours;
}

cv::Mat ThroughJpeg(const cv::Mat& bgr, int quality = 90) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality}));
  return cv::imdecode(bytes, cv::IMREAD_COLOR);
}

double Agreement(const cv::Mat& a, const cv::Mat& b) {
  return 1.0 - cv::countNonZero(a != b) / static_cast<double>(a.total());
}

// Facade class maps as the facades generator draws them, and their colours through JPEG
// quality 90 (OpenCV's default 4:2:0 chroma subsampling), as pix2pix publishes its pairs.
struct JpegLabels {
  cv::Mat classes, jpeg;
};
std::vector<JpegLabels> FacadeLabelsThroughJpeg() {
  const Palette palette = FacadesPalette();
  std::vector<JpegLabels> images;
  for (int i = 0; i < 20; ++i) {
    const std::uint64_t seed = 1000 + 37 * i;
    const cv::Mat classes = data::RenderFacade(data::MakeFacadeLayout(256, seed), seed).classes;
    images.push_back({classes, ThroughJpeg(palette.Colourise(classes))});
  }
  return images;
}

TEST(LabelColours, ExactColoursMapExactlyAndSeveralColoursMayShareAnId) {
  const std::vector<LabelColour> colours = {
      {cv::Vec3b(128, 64, 128), 0},       {cv::Vec3b(70, 70, 70), 1},
      {cv::Vec3b(0, 0, 0), kIgnoreClass}, {cv::Vec3b(111, 74, 0), kIgnoreClass},
      {cv::Vec3b(220, 20, 60), 2},        {cv::Vec3b(255, 0, 0), 2}};
  // Stripes of every colour (rows of 3 pixels each): no JPEG, every pixel exact.
  cv::Mat bgr(18, 10, CV_8UC3), expected(18, 10, CV_8U);
  for (int y = 0; y < bgr.rows; ++y) {
    const LabelColour& c = colours[y / 3];
    bgr.row(y).setTo(cv::Scalar(c.rgb[2], c.rgb[1], c.rgb[0]));
    expected.row(y).setTo(c.id);
  }
  ColourRecoveryStats stats;
  const cv::Mat classes = RecoverLabelClasses(bgr, colours, kDefaultColourTolerance, &stats);
  ASSERT_EQ(classes.type(), CV_8U);
  ASSERT_EQ(classes.size(), bgr.size());
  EXPECT_EQ(cv::countNonZero(classes != expected), 0);
  EXPECT_EQ(stats.pixels, 180);
  EXPECT_EQ(stats.inexact, 0);
  EXPECT_EQ(stats.far, 0);

  // A view into a wider image (as the label half of a pair is) reads the same.
  cv::Mat pair(18, 20, CV_8UC3, cv::Scalar(10, 200, 30));
  bgr.copyTo(pair.colRange(10, 20));
  EXPECT_EQ(cv::countNonZero(RecoverLabelClasses(pair.colRange(10, 20), colours) != expected), 0);
}

TEST(LabelColours, AColourListedTwiceKeepsItsFirstId) {
  const std::vector<LabelColour> colours = {{cv::Vec3b(153, 153, 153), 5},
                                            {cv::Vec3b(153, 153, 153), kIgnoreClass},
                                            {cv::Vec3b(0, 0, 142), 13}};
  const cv::Mat bgr(4, 4, CV_8UC3, cv::Scalar(153, 153, 153));
  EXPECT_EQ(cv::countNonZero(RecoverLabelClasses(bgr, colours) != 5), 0);
}

TEST(LabelColours, BadInputIsRefused) {
  const std::vector<LabelColour> colours = {{cv::Vec3b(0, 0, 0), 0}};
  EXPECT_THROW(RecoverLabelClasses(cv::Mat(4, 4, CV_8U, cv::Scalar(0)), colours),
               std::runtime_error);
  EXPECT_THROW(RecoverLabelClasses(cv::Mat(4, 4, CV_8UC3), {}), std::runtime_error);
  EXPECT_THROW(RecoverLabelClasses(cv::Mat(4, 4, CV_8UC3), colours, -1.0), std::runtime_error);
  ColourRecoveryStats stats;
  EXPECT_TRUE(RecoverLabelClasses(cv::Mat(0, 0, CV_8UC3), colours, 75, &stats).empty());
  EXPECT_EQ(stats.pixels, 0);
  EXPECT_EQ(stats.FarFraction(), 0.0);
}

TEST(LabelColours, RecoversAtLeast97PercentOfEveryJpegFacadeLabelMapUnlikeANearestColourSnap) {
  const Palette palette = FacadesPalette();
  const std::vector<LabelColour> colours = ColoursOf(palette);
  double recovered_min = 1, recovered_sum = 0, snapped_min = 1, snapped_sum = 0;
  const std::vector<JpegLabels> images = FacadeLabelsThroughJpeg();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const double recovered =
        Agreement(RecoverLabelClasses(images[i].jpeg, colours), images[i].classes);
    // The plain snap: each pixel the class of the nearest colour (Euclidean RGB).
    const double snapped = Agreement(palette.Classes(images[i].jpeg, true), images[i].classes);
    EXPECT_GE(recovered, 0.97) << "image " << i;
    recovered_min = std::min(recovered_min, recovered);
    snapped_min = std::min(snapped_min, snapped);
    recovered_sum += recovered;
    snapped_sum += snapped;
  }
  const double n = static_cast<double>(images.size());
  // Measured: recovered 99.9% of the worst image and 99.99% on average; snapped 86% and 91.5%.
  EXPECT_GT(recovered_min, snapped_min + 0.05);
  EXPECT_GT(recovered_sum / n, snapped_sum / n + 0.05);
}

TEST(LabelColours, FindsTheChromaGridOfAnImageCutAtAnOddOffset) {
  // The label half of a pair whose halves are an odd number of pixels wide, say: JPEG's 2 x 2
  // chroma blocks straddle the cut.
  const std::vector<LabelColour> colours = ColoursOf(FacadesPalette());
  for (const JpegLabels& image : FacadeLabelsThroughJpeg()) {
    const cv::Rect cut(1, 1, 255, 255);
    EXPECT_GE(Agreement(RecoverLabelClasses(image.jpeg(cut), colours), image.classes(cut)), 0.97);
  }
}

TEST(LabelColours, FewFarPixelsWithTheRightPaletteManyWithAWrongOne) {
  const std::vector<LabelColour> right = ColoursOf(FacadesPalette());
  const std::vector<LabelColour> wrong = CityscapesTrainColours();
  ColourRecoveryStats right_total, wrong_total;
  for (const JpegLabels& image : FacadeLabelsThroughJpeg()) {
    ColourRecoveryStats r, w;
    RecoverLabelClasses(image.jpeg, right, kDefaultColourTolerance, &r);
    RecoverLabelClasses(image.jpeg, wrong, kDefaultColourTolerance, &w);
    EXPECT_EQ(r.pixels, 256 * 256);
    EXPECT_GT(r.inexact, 0);           // JPEG changed colours...
    EXPECT_LT(r.FarFraction(), 0.02);  // ...but the right palette explains nearly all of them
    EXPECT_GT(w.FarFraction(), 0.02);
    right_total.Add(r);
    wrong_total.Add(w);
  }
  EXPECT_EQ(right_total.pixels, 20 * 256 * 256);
  EXPECT_LT(right_total.FarFraction(), 0.005);
  EXPECT_GT(wrong_total.FarFraction(), 0.1);
}

TEST(LabelColours, SameImageSameClasses) {
  const std::vector<LabelColour> colours = ColoursOf(FacadesPalette());
  const JpegLabels image = FacadeLabelsThroughJpeg()[3];
  EXPECT_EQ(cv::countNonZero(RecoverLabelClasses(image.jpeg, colours) !=
                             RecoverLabelClasses(image.jpeg.clone(), colours)),
            0);
}

// pix2pix's facade wall colour (0, 48, 255) read as CMP's window (0, 85, 255): 37 away, while the
// window's nearest colours of another class (facade, door) lie 85 away. Worked by hand.
TEST(LabelColours, UniformRegionsAwayFromTheirPaletteColourAreAMisfit) {
  const std::vector<LabelColour> cmp = ColoursOf(FacadesPalette());
  constexpr int kBin = UniformRegionColours::kOffsetBin;
  ColourRecoveryStats stats;
  stats.uniform.resize(2);
  stats.uniform[0] = {cv::Vec3b(0, 85, 255), 900, cv::Vec3d(0, 48, 255) * 900.0};
  stats.uniform[0].offsets[37 / kBin] = 900;
  stats.uniform[1] = {cv::Vec3b(0, 0, 255), 900, cv::Vec3d(1, 1, 254) * 900.0};
  stats.uniform[1].offsets[0] = 900;
  const std::optional<UniformColourMisfit> misfit = WorstUniformColourMisfit(stats, cmp, 0.25);
  ASSERT_TRUE(misfit);
  EXPECT_EQ(misfit->palette_rgb, cv::Vec3b(0, 85, 255));
  EXPECT_EQ(misfit->id, 2);
  EXPECT_NEAR(misfit->offset, 37.0, kBin);  // to the bin
  EXPECT_NEAR(misfit->spacing, 85.0, 1e-9);
  EXPECT_NEAR(cv::norm(misfit->found - cv::Vec3d(0, 48, 255)), 0.0, 1e-9);
  // A looser limit (37 / 85 = 0.435, past the bin's end), or too few uniform pixels, lets it
  // through.
  EXPECT_FALSE(WorstUniformColourMisfit(stats, cmp, 0.48));
  EXPECT_FALSE(WorstUniformColourMisfit(stats, cmp, 0.25, 901));
  // A minority of far pixels (a neighbour's smear read as a thin class) is no misfit; a majority
  // is.
  stats.uniform[0].offsets[37 / kBin] = 400;
  stats.uniform[0].offsets[0] = 500;
  EXPECT_FALSE(WorstUniformColourMisfit(stats, cmp, 0.25));
  stats.uniform[0].offsets[37 / kBin] = 500;
  stats.uniform[0].offsets[0] = 400;
  EXPECT_TRUE(WorstUniformColourMisfit(stats, cmp, 0.25));
}

// What RecoverLabelClasses gathers: on one uniform colour, every pixel with a full 3 x 3
// neighbourhood, its mean the colour itself and one found colour; through JPEG, with the colour
// in the palette, its mean stays within a few units.
TEST(LabelColours, UniformRegionsOfAOneColourImage) {
  std::vector<LabelColour> colours = ColoursOf(FacadesPalette());
  colours[2].rgb = cv::Vec3b(0, 48, 255);
  const cv::Mat wall(32, 32, CV_8UC3, cv::Scalar(255, 48, 0));  // BGR of (0, 48, 255)
  ColourRecoveryStats stats;
  const cv::Mat classes = RecoverLabelClasses(wall, colours, kDefaultColourTolerance, &stats);
  EXPECT_EQ(classes.at<uchar>(5, 5), 2);
  ASSERT_EQ(stats.uniform.size(), 1u);
  EXPECT_EQ(stats.uniform[0].palette_rgb, cv::Vec3b(0, 48, 255));
  EXPECT_EQ(stats.uniform[0].pixels, 30 * 30);
  EXPECT_EQ(stats.uniform[0].Mean(), cv::Vec3d(0, 48, 255));
  EXPECT_EQ(stats.uniform[0].offsets[0], 30 * 30);
  EXPECT_EQ(stats.uniform[0].MedianOffset(), UniformRegionColours::kOffsetBin / 2.0);
  ASSERT_EQ(stats.found.size(), 1u);
  EXPECT_EQ(stats.found[0].rgb, cv::Vec3d(0, 48, 255));
  EXPECT_FALSE(WorstUniformColourMisfit(stats, colours, 0.01));

  ColourRecoveryStats jpeg;
  RecoverLabelClasses(ThroughJpeg(wall), colours, kDefaultColourTolerance, &jpeg);
  EXPECT_FALSE(WorstUniformColourMisfit(jpeg, colours, 0.05));
}

// Merging two images' statistics adds the pixels and sums of each palette colour.
TEST(LabelColours, UniformRegionsMergeByPaletteColour) {
  ColourRecoveryStats a, b;
  a.uniform = {{cv::Vec3b(1, 2, 3), 2, cv::Vec3d(2, 4, 6)}};
  a.uniform[0].offsets[1] = 2;
  b.uniform = {{cv::Vec3b(1, 2, 3), 1, cv::Vec3d(3, 3, 3)}, {cv::Vec3b(9, 9, 9), 1, {9, 9, 9}}};
  b.uniform[0].offsets[1] = 1;
  a.Add(b);
  ASSERT_EQ(a.uniform.size(), 2u);
  EXPECT_EQ(a.uniform[0].pixels, 3);
  EXPECT_EQ(a.uniform[0].offsets[1], 3);
  EXPECT_NEAR(cv::norm(a.uniform[0].Mean() - cv::Vec3d(5.0 / 3, 7.0 / 3, 3)), 0.0, 1e-12);
  EXPECT_EQ(a.uniform[1].palette_rgb, cv::Vec3b(9, 9, 9));
}

}  // namespace
}  // namespace compnn
