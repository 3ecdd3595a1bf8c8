#include "embedded_image.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <random>

#include "base64_decode.h"

namespace compnn {
namespace {

using testing::DecodeBase64;

TEST(Base64Test, MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors)
    EXPECT_EQ(Base64(plain.data(), plain.size()), encoded) << plain;
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t length : {0, 1, 2, 3, 254, 255, 256})
    EXPECT_EQ(DecodeBase64(Base64(bytes.data(), length)), bytes.substr(0, length));
}

cv::Mat Decoded(const std::string& uri, const std::string& prefix) {
  EXPECT_EQ(uri.rfind(prefix, 0), 0u) << uri.substr(0, 40);
  const std::string bytes = DecodeBase64(uri.substr(prefix.size()));
  return cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
}

TEST(ImageDataUriTest, LabelImagesArePngAndExact) {
  cv::Mat labels(24, 32, CV_8UC3, cv::Scalar(10, 20, 30));
  labels(cv::Rect(5, 5, 10, 8)).setTo(cv::Scalar(200, 0, 90));
  const cv::Mat back = Decoded(ImageDataUri(labels), "data:image/png;base64,");
  ASSERT_EQ(back.size(), labels.size());
  EXPECT_EQ(cv::norm(back, labels, cv::NORM_INF), 0);
}

TEST(ImageDataUriTest, PhotosAreJpegAndClose) {
  cv::Mat photo(32, 32, CV_8UC3);
  std::mt19937 random(3);
  for (int y = 0; y < photo.rows; ++y)
    for (int x = 0; x < photo.cols; ++x)
      photo.at<cv::Vec3b>(y, x) = {static_cast<uchar>(4 * x + random() % 8),
                                   static_cast<uchar>(4 * y + random() % 8),
                                   static_cast<uchar>(100 + random() % 8)};
  const cv::Mat back = Decoded(ImageDataUri(photo), "data:image/jpeg;base64,");
  ASSERT_EQ(back.size(), photo.size());
  EXPECT_LT(cv::norm(back, photo, cv::NORM_L1) / photo.total() / 3, 4.0);
  EXPECT_EQ(ImageDataUri(cv::Mat()), "");
  EXPECT_THROW(ImageDataUri(cv::Mat(4, 4, CV_32FC3)), std::invalid_argument);
}

TEST(ScriptSafeJsonTest, NothingInAStringCanCloseTheScript) {
  const nlohmann::json value = {{"name", "</script><!-- & <img src=x onerror=alert(1)>"},
                                {"unicode", "caf\u00e9 \u2028"}};
  const std::string text = ScriptSafeJson(value);
  for (char c : {'<', '>', '&'}) EXPECT_EQ(text.find(c), std::string::npos) << c;
  for (char c : text) EXPECT_LT(static_cast<unsigned char>(c), 128u);
  EXPECT_EQ(nlohmann::json::parse(text), value);
}

TEST(EscapeHtmlTest, EscapesTheFiveCharacters) {
  EXPECT_EQ(EscapeHtml("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("plain"), "plain");
}

}  // namespace
}  // namespace compnn
