#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <set>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"
#include "scene_composer.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

constexpr const char* kStamps = "/usr/share/tuxpaint/stamps";

// The class map after pasting must be exactly the stamp's alpha >= 128, shifted, inside the canvas.
void ExpectMaskMatchesAlpha(const cv::Mat& stamp, int x, int y) {
  cv::Mat canvas(40, 50, CV_8UC3, cv::Scalar(7, 7, 7)), classes(40, 50, CV_8U, cv::Scalar(0));
  data::PasteStamp(stamp, x, y, 3, canvas, classes);
  for (int cy = 0; cy < canvas.rows; ++cy) {
    for (int cx = 0; cx < canvas.cols; ++cx) {
      const int sy = cy - y, sx = cx - x;
      const bool inside = sy >= 0 && sx >= 0 && sy < stamp.rows && sx < stamp.cols;
      const int alpha = inside ? stamp.at<cv::Vec4b>(sy, sx)[3] : 0;
      ASSERT_EQ(classes.at<uchar>(cy, cx), alpha >= 128 ? 3 : 0) << cy << "," << cx;
      if (alpha == 0) {
        ASSERT_EQ(canvas.at<cv::Vec3b>(cy, cx), cv::Vec3b(7, 7, 7));
      }
      if (alpha == 255) {
        const cv::Vec4b& p = stamp.at<cv::Vec4b>(sy, sx);
        ASSERT_EQ(canvas.at<cv::Vec3b>(cy, cx), cv::Vec3b(p[0], p[1], p[2]));
      }
    }
  }
}

TEST(SceneComposer, MaskIsTheAlphaOfAHandMadeStamp) {
  cv::Mat stamp(10, 12, CV_8UC4, cv::Scalar(200, 100, 50, 0));
  cv::circle(stamp, {6, 5}, 4, cv::Scalar(200, 100, 50, 255), -1);
  stamp.at<cv::Vec4b>(0, 0)[3] = 127;  // soft edge just under half: blended, not labelled
  stamp.at<cv::Vec4b>(0, 1)[3] = 128;  // just over: labelled
  ExpectMaskMatchesAlpha(stamp, 5, 6);
  ExpectMaskMatchesAlpha(stamp, -4, -3);  // partly off the canvas
  ExpectMaskMatchesAlpha(stamp, 44, 35);
}

TEST(SceneComposer, MaskIsTheAlphaOfRealStamps) {
  const std::vector<data::Stamp> stamps = data::FindStamps(kStamps);
  for (std::size_t i = 0; i < stamps.size(); i += 40) {
    cv::Mat stamp = data::ReadStamp(stamps[i].path);
    cv::resize(stamp, stamp, cv::Size(30, 25), 0, 0, cv::INTER_AREA);
    ExpectMaskMatchesAlpha(stamp, 10, 8);
  }
}

TEST(SceneComposer, StampLibraryHoldsEveryClassWithSomeHeldOut) {
  const std::vector<data::Stamp> stamps = data::FindStamps(kStamps);
  const int classes = static_cast<int>(data::SceneClasses().size());
  EXPECT_GE(classes, 8);
  EXPECT_LE(classes, 12);
  std::vector<int> seen(classes + 1, 0), held(classes + 1, 0);
  for (const data::Stamp& s : stamps) {
    ++seen[s.class_id];
    held[s.class_id] += s.held_out;
    EXPECT_EQ(s.path.find("/cartoon"), std::string::npos);
    EXPECT_EQ(s.path.find("_mirror"), std::string::npos);
  }
  for (int c = 1; c <= classes; ++c) {
    EXPECT_GE(seen[c] - held[c], 4) << data::SceneClasses()[c - 1].name;
    EXPECT_GE(held[c], 1) << data::SceneClasses()[c - 1].name;
  }
}

class ScenesTest : public testing::TempDirTest {};

TEST_F(ScenesTest, DeterministicPaletteOnlyAndHeldOutStampsNeverTrain) {
  GeneratorOptions o = testing::TinyDataset(Path("a"), 12, 4, 2, 3);
  GenerateScenes(o);
  o.out = Path("b");
  GenerateScenes(o);
  const Dataset a = Dataset::Open(Path("a"));
  EXPECT_EQ(ReadBytes(Path("a/meta.jsonl")), ReadBytes(Path("b/meta.jsonl")));
  std::set<std::string> held_out;
  for (const data::Stamp& s : data::FindStamps(kStamps)) {
    if (s.held_out) held_out.insert(std::filesystem::path(s.path).filename().string());
  }
  int objects = 0;
  for (const char* split : {"train", "val", "test"}) {
    for (const std::string& name : a.Names(split)) {
      EXPECT_EQ(ReadBytes(Path("a/") + split + "/" + name + ".png"),
                ReadBytes(Path("b/") + split + "/" + name + ".png"));
      const ImagePair pair = a.Read(split, name);  // checks every label colour
      EXPECT_EQ(pair.a.size(), cv::Size(64, 64));
      const nlohmann::json meta = a.Meta(split, name);
      for (const auto& object : meta["objects"]) {
        ++objects;
        if (std::string(split) == "train") {
          EXPECT_FALSE(held_out.count(object["stamp"])) << object;
        }
      }
    }
  }
  EXPECT_GE(objects, 18);
  EXPECT_EQ(a.palette()[0].name, "background");
}

}  // namespace
}  // namespace compnn
