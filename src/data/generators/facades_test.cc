#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"
#include "facade_layout.h"
#include "facade_render.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

using data::FacadeLayout;

class FacadesTest : public testing::TempDirTest {};

TEST_F(FacadesTest, SameSeedSameBytesOtherSeedOtherImages) {
  GeneratorOptions o = testing::TinyDataset(Path("a"), 3, 1, 1, 5);
  GenerateFacades(o);
  o.out = Path("b");
  GenerateFacades(o);
  o.out = Path("c");
  o.seed = 6;
  GenerateFacades(o);
  const Dataset a = Dataset::Open(Path("a"));
  ASSERT_EQ(a.Names("train").size(), 3u);
  for (const std::string& name : a.Names("train")) {
    const std::string file = "/train/" + name + ".png";
    EXPECT_EQ(ReadBytes(Path("a") + file), ReadBytes(Path("b") + file));
    EXPECT_NE(ReadBytes(Path("a") + file), ReadBytes(Path("c") + file));
  }
  EXPECT_EQ(ReadBytes(Path("a/meta.jsonl")), ReadBytes(Path("b/meta.jsonl")));
  // Every label pixel is a palette colour: Read checks each one.
  for (const char* split : {"train", "val", "test"}) {
    for (const std::string& name : a.Names(split)) EXPECT_NO_THROW(a.Read(split, name));
  }
  EXPECT_EQ(a.palette().size(), 12);
  EXPECT_EQ(a.Meta("train", a.Names("train")[0]).count("wall_colour"), 1u);
}

TEST(FacadeLayout, WindowsLieInsideTheFacadeAndNeverOverlap) {
  for (int size : {64, 128, 256}) {
    for (std::uint64_t seed = 0; seed < 150; ++seed) {
      const FacadeLayout layout = data::MakeFacadeLayout(size, seed);
      const cv::Rect image(0, 0, size, size);
      ASSERT_EQ(layout.facade & image, layout.facade);
      std::vector<cv::Rect> openings;
      for (const auto& w : layout.windows) openings.push_back(w.glass);
      for (const auto& d : layout.doors) openings.push_back(d);
      for (const auto& s : layout.shops) openings.push_back(s);
      for (std::size_t i = 0; i < openings.size(); ++i) {
        ASSERT_FALSE(openings[i].empty()) << "size " << size << " seed " << seed;
        EXPECT_EQ(openings[i] & layout.facade, openings[i]) << "size " << size << " seed " << seed;
        for (std::size_t j = 0; j < i; ++j) {
          EXPECT_TRUE((openings[i] & openings[j]).empty())
              << "size " << size << " seed " << seed << ": openings " << i << " and " << j
              << " overlap";
        }
      }
      EXPECT_EQ(static_cast<int>(layout.floor_tops.size()), layout.attributes.floors);
      EXPECT_GE(layout.attributes.floors, 3);
      EXPECT_FALSE(layout.doors.empty());
    }
  }
}

TEST(FacadeRender, ClassFrequenciesAreSensibleAndWallColoursShow) {
  const int kImages = 60, kSize = 128;
  std::vector<double> share(data::kFacadeClassCount, 0.0);
  std::vector<int> present(data::kFacadeClassCount, 0);
  double red_minus_blue[2] = {0, 0};  // red facades, blue facades
  int counted[2] = {0, 0};
  std::set<std::string> colours, styles;
  for (int i = 0; i < kImages; ++i) {
    const FacadeLayout layout = data::MakeFacadeLayout(kSize, 1000 + i);
    const data::FacadeImages images = data::RenderFacade(layout, 77 + i);
    std::vector<int> count(data::kFacadeClassCount, 0);
    cv::Scalar facade_mean = cv::mean(images.photo, images.classes == data::kFacade);
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) ++count[images.classes.at<uchar>(y, x)];
    for (int c = 0; c < data::kFacadeClassCount; ++c) {
      share[c] += static_cast<double>(count[c]) / (kSize * kSize) / kImages;
      present[c] += count[c] > 0;
    }
    const std::string& colour = layout.attributes.wall_colour;
    colours.insert(colour);
    styles.insert(layout.attributes.window_style);
    const int k = colour == "red" ? 0 : colour == "blue" ? 1 : -1;
    if (k >= 0) {
      red_minus_blue[k] += facade_mean[2] - facade_mean[0];  // BGR
      ++counted[k];
    }
  }
  EXPECT_GT(share[data::kBackground], 0.02);
  EXPECT_LT(share[data::kBackground], 0.35);
  EXPECT_GT(share[data::kFacade], 0.2);
  EXPECT_LT(share[data::kFacade], 0.8);
  EXPECT_GT(share[data::kWindow], 0.05);
  EXPECT_LT(share[data::kWindow], 0.4);
  for (int c = 0; c < data::kFacadeClassCount; ++c) {
    EXPECT_GT(present[c], 0) << data::kFacadeClassNames[c] << " never drawn";
    EXPECT_LT(share[c], 0.8) << data::kFacadeClassNames[c];
  }
  EXPECT_EQ(colours.size(), 6u);
  EXPECT_EQ(styles.size(), 2u);
  ASSERT_GT(counted[0], 0);
  ASSERT_GT(counted[1], 0);
  EXPECT_GT(red_minus_blue[0] / counted[0], 30);  // red walls are red in the photo
  EXPECT_LT(red_minus_blue[1] / counted[1], -30);
}

}  // namespace
}  // namespace compnn
