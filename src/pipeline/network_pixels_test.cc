#include "compnn/pipeline/network_pixels.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "compnn/core/check.h"

namespace compnn {
namespace {

NetworkPixels ZeroToOne() {
  NetworkPixels pixels;
  pixels.input_range = InputRange::kZeroToOne;
  return pixels;
}

// One BGR pixel (B, G, R) = (0, 128, 255) and one (255, 0, 51).
cv::Mat TwoPixels() {
  cv::Mat bgr(1, 2, CV_8UC3);
  bgr.at<cv::Vec3b>(0, 0) = {0, 128, 255};
  bgr.at<cv::Vec3b>(0, 1) = {255, 0, 51};
  return bgr;
}

TEST(NetworkPixels, InputValuesAreChannelMajorRgbInTheNetworksScaling) {
  // Plane order R, G, B; values by hand.
  NetworkPixels minus_one;
  const std::vector<float> a = InputValues(TwoPixels(), minus_one);
  ASSERT_EQ(a.size(), 6u);
  EXPECT_FLOAT_EQ(a[0], 1.0f);              // R of pixel 0
  EXPECT_FLOAT_EQ(a[1], 51 / 127.5f - 1);   // R of pixel 1
  EXPECT_FLOAT_EQ(a[2], 128 / 127.5f - 1);  // G
  EXPECT_FLOAT_EQ(a[5], 1.0f);              // B of pixel 1
  const std::vector<float> b = InputValues(TwoPixels(), ZeroToOne());
  EXPECT_NEAR(b[0], 1.0, 1e-6);
  EXPECT_NEAR(b[2], 128 / 255.0, 1e-6);
  EXPECT_NEAR(b[4], 0.0, 1e-6);
  NetworkPixels normalised;
  normalised.normalisation = InputNormalisation{{0.5f, 0.25f, 0.0f}, {0.5f, 0.25f, 2.0f}};
  const std::vector<float> c = InputValues(TwoPixels(), normalised);
  EXPECT_NEAR(c[0], (1.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(c[2], (128 / 255.0 - 0.25) / 0.25, 1e-5);
  EXPECT_NEAR(c[5], (1.0 - 0.0) / 2.0, 1e-6);
}

TEST(NetworkPixels, InputImageUndoesInputValuesForEveryScaling) {
  cv::Mat bgr(16, 16, CV_8UC3);
  for (int i = 0; i < 16 * 16 * 3; ++i) bgr.data[i] = static_cast<std::uint8_t>(i % 256);
  NetworkPixels normalised;
  normalised.normalisation = InputNormalisation{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  for (const NetworkPixels& pixels : {NetworkPixels{}, ZeroToOne(), normalised}) {
    const std::vector<float> values = InputValues(bgr, pixels);
    const cv::Mat back = InputImage(values.data(), 16, 16, pixels);
    EXPECT_EQ(cv::norm(back, bgr, cv::NORM_INF), 0) << ToString(pixels.input_range);
  }
}

TEST(NetworkPixels, ImageOutputsAreReadInTheInputRangeRoundedHalfToEven) {
  // R plane -1, 0, 1; G plane 0.5 everywhere; B plane clamped values.
  const std::vector<float> chw = {-1, 0, 1, 0.5f, 0.5f, 0.5f, -3, 3, -0.2f};
  const cv::Mat image = OutputImage(chw.data(), 3, 1, 3, OutputKind::kImage, {}, nullptr, "net");
  EXPECT_EQ(image.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 191, 0));      // (B, G, R); 191.25 -> 191
  EXPECT_EQ(image.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 191, 128));  // 127.5 -> 128
  EXPECT_EQ(image.at<cv::Vec3b>(0, 2), cv::Vec3b(102, 191, 255));  // 102.0
  // In 0..1 (a 0..1 network, or a normalised one): 0.5 is 127.5 -> 128.
  NetworkPixels normalised;
  normalised.normalisation = InputNormalisation{{0.5f, 0.5f, 0.5f}, {0.2f, 0.2f, 0.2f}};
  for (const NetworkPixels& pixels : {ZeroToOne(), normalised}) {
    const cv::Mat half = OutputImage(chw.data(), 3, 1, 3, OutputKind::kImage, pixels, nullptr, "n");
    EXPECT_EQ(half.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 128, 0));
    EXPECT_EQ(half.at<cv::Vec3b>(0, 2), cv::Vec3b(0, 128, 255));
  }
}

Palette ThreeClasses() {
  return Palette({{0, "a", {255, 0, 0}}, {1, "b", {0, 255, 0}}, {2, "c", {0, 0, 255}}});
}

TEST(NetworkPixels, ClassScoresAreDrawnAsTheFirstArgMaxClass) {
  const Palette palette = ThreeClasses();
  // Two pixels: scores (1, 5, 2) -> class 1; (3, 3, 0) -> the first of the tie, class 0.
  const std::vector<float> chw = {1, 3, 5, 3, 2, 0};
  const cv::Mat image = OutputImage(chw.data(), 3, 1, 2, OutputKind::kLogits, {}, &palette, "net");
  EXPECT_EQ(image.at<cv::Vec3b>(0, 0), palette.Bgr(1));
  EXPECT_EQ(image.at<cv::Vec3b>(0, 1), palette.Bgr(0));
}

TEST(NetworkPixels, RefusesOutputsItCannotDraw) {
  const Palette palette = ThreeClasses();
  const std::vector<float> four(4, 0.0f);
  EXPECT_THROW(
      {
        try {
          OutputImage(four.data(), 4, 1, 1, OutputKind::kImage, {}, nullptr, "my.pt");
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("my.pt: the output has 4 channels"),
                    std::string::npos);
          throw;
        }
      },
      std::runtime_error);
  EXPECT_THROW(OutputImage(four.data(), 4, 1, 1, OutputKind::kLogits, {}, nullptr, "n"),
               std::runtime_error);  // no palette
  EXPECT_THROW(OutputImage(four.data(), 4, 1, 1, OutputKind::kLogits, {}, &palette, "n"),
               std::runtime_error);  // 4 scores, 3 classes
}

TEST(NetworkPixels, RecordRoundTripsAndRefusesBadValues) {
  NetworkPixels pixels;
  pixels.normalisation = InputNormalisation{{0.1f, 0.2f, 0.3f}, {1.0f, 2.0f, 3.0f}};
  pixels.output = "out";
  pixels.output_kind = OutputKind::kLogits;
  nlohmann::json record = {{"arch", "torchscript"}};
  pixels.Record(record);
  EXPECT_EQ(record["output_kind"], "logits");
  EXPECT_EQ(record["output"], "out");
  const NetworkPixels back = NetworkPixels::FromRecord(record, "m.json");
  EXPECT_EQ(back.normalisation, pixels.normalisation);
  EXPECT_EQ(back.output, "out");
  EXPECT_EQ(back.output_kind, OutputKind::kLogits);
  // Absent keys: pix2pix's -1..1 image.
  const NetworkPixels defaults = NetworkPixels::FromRecord(nlohmann::json::object(), "m.json");
  EXPECT_EQ(defaults.input_range, InputRange::kMinusOneToOne);
  EXPECT_EQ(defaults.output_kind, OutputKind::kImage);
  EXPECT_THROW(NetworkPixels::FromRecord({{"input_range", "0,255"}}, "m.json"), std::runtime_error);
  record["std"] = {1.0, 0.0, 1.0};
  EXPECT_THROW(NetworkPixels::FromRecord(record, "m.json"), std::runtime_error);
}

TEST(NetworkPixels, StoredLabelPredictionsSnapToTheNearestClassColour) {
  const Palette palette = ThreeClasses();
  cv::Mat painted(2, 2, CV_8UC3, cv::Scalar(10, 20, 240));  // near class a's red (BGR 0,0,255)
  const cv::Mat kept = StoredPrediction(painted, {4, 4}, true, &palette);
  ASSERT_EQ(kept.size(), cv::Size(4, 4));
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_EQ(kept.at<cv::Vec3b>(y, x), palette.Bgr(0));
  EXPECT_EQ(cv::norm(StoredPrediction(painted, {2, 2}, false, nullptr), painted, cv::NORM_INF), 0);
}

}  // namespace
}  // namespace compnn
