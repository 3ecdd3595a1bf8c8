#include "compnn/explain/explorer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "embedded_page_data.h"
#include "temp_dir.h"

namespace compnn {
namespace {

using testing::DecodeArray;
using testing::DecodeBase64;
using testing::EmbeddedData;

const std::string kHostile = "<img src=x onerror=alert(1)>";

// A 8 x 12 query at stride 4 (a 2 x 3 field) matched into training images 1 and 3 of four.
ExplorerPage SmallPage() {
  ExplorerPage page;
  page.title = "explaining " + kHostile;
  page.names = {"a", kHostile, "c", "{{script}}"};
  for (int i = 0; i < 4; ++i) {
    page.source_inputs.push_back(cv::Mat(8, 12, CV_8UC3, cv::Scalar(i, 0, 0)));
    page.source_targets.push_back(cv::Mat(8, 12, CV_8UC3, cv::Scalar(0, i, 0)));
  }
  page.source_inputs[0] = cv::Mat();  // unused images need no pixels
  ExplorerQuery q;
  q.name = "q</script>";
  q.input = cv::Mat(8, 12, CV_8UC3, cv::Scalar(1, 2, 3));
  q.output = q.input.clone();
  ExplorerField f;
  f.layer = "decoder2";
  f.stride = 4;
  f.hyperpatch = {2, 2};
  f.field = CorrespondenceField(2, 3);
  const int images[6] = {1, 3, 3, 1, 1, 3};
  for (int c = 0; c < 6; ++c)
    f.field.matches[c] = {images[c], c / 3, 2 - c % 3, 0.5f + 0.0625f * c};
  f.input_reconstruction = q.input.clone();
  f.output_reconstruction = q.input.clone();
  q.fields.push_back(f);
  page.queries.push_back(q);
  return page;
}

TEST(ExplorerTest, EmbedsEveryCellsBestMatchInRasterOrder) {
  const ExplorerPage page = SmallPage();
  const nlohmann::json data = EmbeddedData(ExplorerHtml(page));
  const nlohmann::json& f = data["queries"][0]["fields"][0];
  EXPECT_EQ(f["height"], 2);
  EXPECT_EQ(f["width"], 3);
  EXPECT_EQ(f["stride"], 4);
  EXPECT_EQ(f["layer"], "decoder2");
  const auto images = DecodeArray<std::int32_t>(f["image"]);
  const auto ys = DecodeArray<std::int32_t>(f["y"]);
  const auto xs = DecodeArray<std::int32_t>(f["x"]);
  const auto similarities = DecodeArray<float>(f["similarity"]);
  ASSERT_EQ(images.size(), 6u);
  ASSERT_EQ(similarities.size(), 6u);
  const std::int32_t expected_images[6] = {1, 3, 3, 1, 1, 3};
  for (int c = 0; c < 6; ++c) {
    EXPECT_EQ(images[c], expected_images[c]);
    EXPECT_EQ(ys[c], c / 3);
    EXPECT_EQ(xs[c], 2 - c % 3);
    EXPECT_EQ(similarities[c], 0.5f + 0.0625f * c);
  }
  // Only the images matched into are embedded, with their store index and name.
  ASSERT_EQ(data["sources"].size(), 2u);
  EXPECT_EQ(data["sources"][0]["image"], 1);
  EXPECT_EQ(data["sources"][0]["name"], kHostile);
  EXPECT_EQ(data["sources"][1]["name"], "{{script}}");
  EXPECT_EQ(data["first_layer"], "decoder2");
  EXPECT_EQ(data["queries"][0]["truth"], "");
}

TEST(ExplorerTest, UserTextNeverBecomesMarkup) {
  const std::string html = ExplorerHtml(SmallPage());
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("q</script>"), std::string::npos);
  EXPECT_NE(html.find("<title>explaining &lt;img src=x onerror=alert(1)&gt;</title>"),
            std::string::npos);
  // A name that looks like a placeholder is not filled in: the script appears once.
  const std::string script_start = "\"use strict\";";
  EXPECT_EQ(html.find(script_start), html.rfind(script_start));
  EXPECT_EQ(EmbeddedData(html)["queries"][0]["name"], "q</script>");
}

TEST(ExplorerTest, CheckNamesTheInconsistentField) {
  auto expect_error = [](const ExplorerPage& page, const std::string& words) {
    try {
      page.Check();
      ADD_FAILURE() << "accepted; expected: " << words;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  ExplorerPage page = SmallPage();
  EXPECT_NO_THROW(page.Check());
  page.queries[0].fields[0].field.at(1, 2).image = 4;
  expect_error(page, "cell (1, 2) matches image 4, which has no name");
  page = SmallPage();
  page.source_targets[3] = cv::Mat();
  expect_error(page, "training image '{{script}}' has no pixels");
  page = SmallPage();
  page.first_layer = "encoder9";
  expect_error(page, "first_layer 'encoder9'");
  page = SmallPage();
  page.queries[0].fields.clear();
  expect_error(page, "has no fields");
  page = SmallPage();
  page.queries[0].truth = cv::Mat(4, 4, CV_8UC3);
  expect_error(page, "differ in size");
  page = SmallPage();
  page.queries.clear();
  expect_error(page, "no queries");
}

class ExplorerFileTest : public testing::TempDirTest {};

TEST_F(ExplorerFileTest, WritesThePageAtomically) {
  WriteExplorer(Path("explorer.html"), SmallPage());
  EXPECT_EQ(ReadBytes(Path("explorer.html")), ExplorerHtml(SmallPage()));
  ExplorerPage broken = SmallPage();
  broken.queries.clear();
  EXPECT_THROW(WriteExplorer(Path("broken.html"), broken), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(Path("broken.html")));
}

}  // namespace
}  // namespace compnn
