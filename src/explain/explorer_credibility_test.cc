// The credibility part of the explorer page: which training patches are embedded (worked out by
// hand on a small case), what they show, and the votes the page reads back.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "compnn/explain/explorer.h"
#include "embedded_page_data.h"
#include "explorer_credibility.h"

namespace compnn {
namespace {

using testing::DecodeArray;
using testing::DecodeBase64;
using testing::EmbeddedData;

const std::string kHostile = "<img src=x onerror=alert(1)>";

// An 8 x 12 query seen at one layer of stride 4 (2 x 3 cells, 3 neighbours each), predicted class
// 0 everywhere. Pixel (1, 1) of cell (0, 0) has credibility 0.01 and pixel (5, 9) of cell (1, 2)
// 0.05; every other pixel 0.5. Cell (0, 0)'s neighbours: class 0 (agrees), void, class 1; cell
// (1, 2)'s: class 2, class 1, class 0.
ExplorerCredibility SmallCredibility() {
  ExplorerCredibility c;
  c.credibility = cv::Mat(8, 12, CV_32F, cv::Scalar(0.5));
  c.credibility.at<float>(1, 1) = 0.01f;
  c.credibility.at<float>(5, 9) = 0.05f;
  c.credibility.at<float>(7, 0) = std::nanf("");
  c.heat_map = cv::Mat(8, 12, CV_8UC3, cv::Scalar(0, 0, 255));
  c.predicted = cv::Mat(8, 12, CV_8U, cv::Scalar(0));
  c.class_names = {"road", kHostile, "sky"};
  c.class_colours.resize(3);  // (1, 2, 3), (4, 5, 6), (7, 8, 9)
  for (int i = 0; i < 3; ++i)
    for (int channel = 0; channel < 3; ++channel)
      c.class_colours[i][channel] = static_cast<std::uint8_t>(3 * i + channel + 1);
  ExplorerEvidence e;
  e.layer = "decoder2";
  e.stride = 4;
  e.field = CorrespondenceField(2, 3, 3);
  e.labels.assign(18, 0);
  for (int m = 0; m < 18; ++m) e.field.matches[m] = {m % 2, 1, 2, 0.9f - 0.01f * m};
  // Cell 0 and cell 5 (1, 2): distinct matched cells, so each patch is its own.
  e.field.matches[0] = {0, 0, 0, 0.9f};
  e.field.matches[1] = {1, 0, 1, 0.8f};
  e.field.matches[2] = {0, 1, 2, 0.7f};
  e.field.matches[15] = {1, 1, 0, 0.6f};
  e.field.matches[16] = {0, 0, 2, 0.5f};
  e.field.matches[17] = {1, 1, 1, 0.4f};
  const int labels[6] = {0, -1, 1, 2, 1, 0};
  for (int j = 0; j < 3; ++j) {
    e.labels[j] = labels[j];
    e.labels[15 + j] = labels[3 + j];
  }
  c.evidence.push_back(e);
  return c;
}

// Training input pixel (r, c) is (10 r, 10 c, image) in BGR; the targets are grey.
ExplorerPage PageWith(const ExplorerCredibility& c) {
  ExplorerPage page;
  page.names = {"first", "second"};
  for (int i = 0; i < 2; ++i) {
    cv::Mat input(8, 12, CV_8UC3);
    for (int r = 0; r < 8; ++r)
      for (int col = 0; col < 12; ++col)
        input.at<cv::Vec3b>(r, col) = {static_cast<std::uint8_t>(10 * r),
                                       static_cast<std::uint8_t>(10 * col),
                                       static_cast<std::uint8_t>(i)};
    page.source_inputs.push_back(input);
    page.source_targets.push_back(cv::Mat(8, 12, CV_8UC3, cv::Scalar(90, 90, 90)));
  }
  ExplorerQuery q;
  q.name = "query";
  q.input = cv::Mat(8, 12, CV_8UC3, cv::Scalar(1, 2, 3));
  q.output = q.input.clone();
  ExplorerField f;
  f.layer = "decoder2";
  f.stride = 4;
  f.hyperpatch = {1, 1};
  f.field = CorrespondenceField(2, 3);
  for (Match& m : f.field.matches) m = {0, 0, 0, 1.0f};
  f.input_reconstruction = f.output_reconstruction = q.input.clone();
  q.fields.push_back(f);
  q.credibility = c;
  page.queries.push_back(q);
  return page;
}

TEST(ExplorerCredibilityTest, EmbedsDisagreeingPatchesLeastCredibleCellFirstInRounds) {
  // Round 1: cell (0, 0)'s class-1 neighbour (its void one casts no vote), then cell (1, 2)'s
  // class-2 one; round 2: cell (1, 2)'s class-1 one. Class-0 neighbours agree.
  const ExplorerCredibility c = SmallCredibility();
  const std::vector<EvidencePatch> all = ChooseEvidencePatches(c);
  const std::vector<EvidencePatch> expected = {{0, 1, 2, 4}, {1, 1, 0, 4}, {0, 0, 2, 4}};
  EXPECT_EQ(all, expected);
  ExplorerCredibility two = c;
  two.max_patches = 2;
  EXPECT_EQ(ChooseEvidencePatches(two),
            std::vector<EvidencePatch>(expected.begin(), expected.begin() + 2));
  ExplorerCredibility strict = c;
  strict.threshold = 0.02f;  // only cell (0, 0) is below it
  EXPECT_EQ(ChooseEvidencePatches(strict), std::vector<EvidencePatch>{expected[0]});
  // Where a cell's pixels predict two classes, every labelled neighbour disagrees with one.
  ExplorerCredibility mixed = c;
  mixed.predicted = c.predicted.clone();  // a copy of a cv::Mat shares its pixels
  mixed.predicted.at<std::uint8_t>(0, 0) = 1;
  EXPECT_EQ(ChooseEvidencePatches(mixed),
            (std::vector<EvidencePatch>{{0, 0, 0, 4}, {1, 1, 0, 4}, {0, 1, 2, 4}, {0, 0, 2, 4}}));
  // A patch two cells share is embedded once.
  ExplorerCredibility shared = c;
  shared.evidence[0].field.matches[15] = shared.evidence[0].field.matches[2];
  EXPECT_EQ(ChooseEvidencePatches(shared).size(), 2u);
}

TEST(ExplorerCredibilityTest, PageCarriesVotesOfEveryCellAndVotersOfTheLeastCredible) {
  const ExplorerPage page = PageWith(SmallCredibility());
  const std::string html = ExplorerHtml(page);
  EXPECT_EQ(html.find("<img"), std::string::npos);  // the class name stays text
  const nlohmann::json data = EmbeddedData(html);
  EXPECT_EQ(data["names"], nlohmann::json({"first", "second"}));
  const nlohmann::json& c = data["queries"][0]["credibility"];
  EXPECT_EQ(c["classes"][1]["name"], kHostile);
  EXPECT_EQ(c["classes"][2]["colour"], "#090807");  // BGR (7, 8, 9) as #rrggbb
  const auto values = DecodeArray<std::uint16_t>(c["values"]);
  ASSERT_EQ(values.size(), 96u);
  EXPECT_EQ(values[1 * 12 + 1], std::lround(0.01 * 65534));
  EXPECT_EQ(values[7 * 12 + 0], 65535);  // NaN: no credibility
  EXPECT_EQ(values[0], 32767);

  const nlohmann::json& l = c["layers"][0];
  EXPECT_EQ(l["k"], 3);
  const auto labels = DecodeArray<std::uint8_t>(l["label"]);
  const auto similarity = DecodeArray<std::uint16_t>(l["similarity"]);
  ASSERT_EQ(labels.size(), 18u);
  EXPECT_EQ(labels[1], 255);  // void
  EXPECT_EQ(labels[15], 2);
  EXPECT_NEAR(similarity[2] / 32767.0 - 1, 0.7, 1e-4);
  EXPECT_EQ(DecodeArray<std::int32_t>(l["cells"]), (std::vector<std::int32_t>{0, 5}));
  EXPECT_EQ(DecodeArray<std::int32_t>(l["image"]), (std::vector<std::int32_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(DecodeArray<std::int16_t>(l["y"]), (std::vector<std::int16_t>{0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(DecodeArray<std::int16_t>(l["patch"]),
            (std::vector<std::int16_t>{-1, -1, 0, 1, 2, -1}));

  // Patch 0: training image 0's cell (1, 2) of stride 4, in an 8 x 8 window (the image's height)
  // that stays inside the image: columns 4-11. Input, a 2-pixel white gap, target.
  ASSERT_EQ(c["patches"].size(), 3u);
  const std::string uri = c["patches"][0];
  const std::string prefix = "data:image/png;base64,";
  ASSERT_EQ(uri.rfind(prefix, 0), 0u) << uri.substr(0, 30);
  const std::string png = DecodeBase64(uri.substr(prefix.size()));
  const cv::Mat patch =
      cv::imdecode(std::vector<std::uint8_t>(png.begin(), png.end()), cv::IMREAD_COLOR);
  ASSERT_EQ(patch.rows, 8);
  ASSERT_EQ(patch.cols, 18);
  EXPECT_EQ(patch.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 40, 0));
  EXPECT_EQ(patch.at<cv::Vec3b>(2, 1), cv::Vec3b(20, 50, 0));
  EXPECT_EQ(patch.at<cv::Vec3b>(4, 4), cv::Vec3b(0, 255, 255));  // the matched cell's outline
  EXPECT_EQ(patch.at<cv::Vec3b>(0, 8), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(patch.at<cv::Vec3b>(0, 10), cv::Vec3b(90, 90, 90));
}

TEST(ExplorerCredibilityTest, CheckNamesTheInconsistentField) {
  auto expect_error = [](const ExplorerPage& page, const std::string& words) {
    try {
      page.Check();
      ADD_FAILURE() << "accepted; expected: " << words;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  EXPECT_NO_THROW(PageWith(SmallCredibility()).Check());
  ExplorerCredibility c = SmallCredibility();
  c.credibility = cv::Mat(4, 4, CV_32F);
  expect_error(PageWith(c), "query 'query': the credibility map is not one float per query pixel");
  c = SmallCredibility();
  c.evidence[0].labels[4] = 3;
  expect_error(PageWith(c), "evidence at 'decoder2': label 3 names no class");
  c = SmallCredibility();
  c.evidence[0].labels.pop_back();
  expect_error(PageWith(c), "one label per match is needed");
  c = SmallCredibility();
  c.evidence[0].field.matches[7].image = 2;
  expect_error(PageWith(c), "a match into image 2, which has no name");
  ExplorerPage page = PageWith(SmallCredibility());
  page.source_targets[1] = cv::Mat();
  expect_error(page, "training image 'second' has no pixels for its evidence");
  c = SmallCredibility();
  c.predicted = c.predicted.clone();
  c.predicted.at<std::uint8_t>(2, 3) = 3;
  expect_error(PageWith(c), "predicted class 3 has no name");
  c = SmallCredibility();
  c.class_colours.pop_back();
  expect_error(PageWith(c), "class_names and class_colours differ in length");
}

}  // namespace
}  // namespace compnn
