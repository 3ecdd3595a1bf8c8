#include "compnn/explain/class_agreement.h"

#include <gtest/gtest.h>

#include "compnn/eval/metrics.h"

namespace compnn {
namespace {

Palette ThreeClasses() {
  return Palette(
      {{0, "road", {128, 64, 128}}, {1, "pole", {192, 192, 128}}, {2, "sky", {0, 0, 255}}},
      LabelClass{kIgnoreClass, "void", {0, 0, 0}});
}

// Worked by hand on a 2 x 4 map: the network sees road x4, pole x2, void x1, sky x1; the
// reconstruction gets 3 of the roads, 1 of the poles (the other pasted void), and the sky.
TEST(ClassAgreement, PerClassRecallOfTheNetworksClasses) {
  const std::uint8_t I = kIgnoreClass;
  const std::uint8_t net[8] = {0, 0, 0, 0, 1, 1, I, 2};
  const std::uint8_t rec[8] = {0, 0, 0, 1, 1, I, 0, 2};
  const cv::Mat network(2, 4, CV_8U, const_cast<std::uint8_t*>(net));
  const cv::Mat reconstruction(2, 4, CV_8U, const_cast<std::uint8_t*>(rec));
  const AgreementWithNetwork a = MeasureAgreement(reconstruction, network, ThreeClasses());
  EXPECT_DOUBLE_EQ(a.overall, 5.0 / 7);
  ASSERT_EQ(a.classes.size(), 3u);
  EXPECT_EQ(a.classes[0].pixels, 4);
  EXPECT_DOUBLE_EQ(a.classes[0].agreement, 0.75);
  EXPECT_EQ(a.classes[1].name, "pole");
  EXPECT_DOUBLE_EQ(a.classes[1].agreement, 0.5);
  EXPECT_DOUBLE_EQ(a.classes[2].agreement, 1.0);
  const nlohmann::json j = ToJson(a);
  EXPECT_DOUBLE_EQ(j["per_class"]["pole"]["agreement"].get<double>(), 0.5);
  EXPECT_EQ(j["per_class"]["road"]["pixels"], 4);

  // A class the network does not predict has no agreement and is left out of the JSON.
  const cv::Mat only_road(2, 4, CV_8U, cv::Scalar(0));
  const AgreementWithNetwork r = MeasureAgreement(reconstruction, only_road, ThreeClasses());
  EXPECT_EQ(r.classes[1].agreement, -1);
  EXPECT_FALSE(ToJson(r)["per_class"].contains("pole"));
}

// Exact colours (void's too) are their class; another colour is the nearest class's.
TEST(ClassAgreement, ClassesOfADrawing) {
  cv::Mat drawn(1, 4, CV_8UC3);
  drawn.at<cv::Vec3b>(0, 0) = cv::Vec3b(128, 64, 128);   // BGR of road (128, 64, 128)
  drawn.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 0);        // void
  drawn.at<cv::Vec3b>(0, 2) = cv::Vec3b(250, 5, 10);     // near sky's BGR (255, 0, 0)
  drawn.at<cv::Vec3b>(0, 3) = cv::Vec3b(120, 190, 195);  // near pole's BGR (128, 192, 192)
  const cv::Mat c = ClassesOfDrawing(drawn, ThreeClasses());
  EXPECT_EQ(c.at<uchar>(0, 0), 0);
  EXPECT_EQ(c.at<uchar>(0, 1), kIgnoreClass);
  EXPECT_EQ(c.at<uchar>(0, 2), 2);
  EXPECT_EQ(c.at<uchar>(0, 3), 1);
}

TEST(ClassAgreement, BadMapsAreRefused) {
  const cv::Mat a(2, 2, CV_8U, cv::Scalar(0)), b(2, 3, CV_8U, cv::Scalar(0));
  EXPECT_THROW(MeasureAgreement(a, b, ThreeClasses()), std::invalid_argument);
  EXPECT_THROW(MeasureAgreement(cv::Mat(2, 2, CV_8UC3), a, ThreeClasses()), std::invalid_argument);
  const cv::Mat unknown(2, 2, CV_8U, cv::Scalar(7));
  EXPECT_THROW(MeasureAgreement(a, unknown, ThreeClasses()), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
