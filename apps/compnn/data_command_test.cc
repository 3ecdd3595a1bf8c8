// compnn data as a user runs it: generate, check, draw, and a clear error on a broken dataset.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "published_layouts.h"
#include "run_compnn.h"
#include "temp_dir.h"

namespace compnn {
namespace {

class DataCommand : public testing::TempDirTest {};

TEST_F(DataCommand, GenerateCheckSheetAndBrokenDataset) {
  testing::ProcessResult r =
      testing::RunCompnn("data facades --size 64 --train 2 --val 1 --test 1 --out " + Path("f"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("data check " + Path("f"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("window"), std::string::npos) << r.output;
  r = testing::RunCompnn("data sheet " + Path("f") + " --count 2 --out " + Path("sheet.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(cv::imread(Path("sheet.png")).empty(), false);
  // Generating over an existing dataset needs --overwrite.
  r = testing::RunCompnn("data facades --size 64 --train 1 --val 1 --test 1 --out " + Path("f"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--overwrite"), std::string::npos) << r.output;
  // No training pairs: a dataset `data check` would refuse is refused here.
  r = testing::RunCompnn("data facades --size 64 --train 0 --out " + Path("empty"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--train must be at least 1"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(Path("empty")));
  // A label pixel outside the palette.
  const std::string victim = Path("f/val/facade_val_0000.png");
  cv::Mat pair = cv::imread(victim);
  pair.at<cv::Vec3b>(10, 70) = cv::Vec3b(1, 2, 3);
  cv::imwrite(victim, pair);
  r = testing::RunCompnn("data check " + Path("f"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("facade_val_0000.png: label colour"), std::string::npos) << r.output;
  r = testing::RunCompnn("data check " + Path("missing"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("missing"), std::string::npos) << r.output;
}

TEST_F(DataCommand, ImportCamVidThenCheckItAndRefuseABrokenCopy) {
  testing::WriteCamVid(Path("camvid"), {});
  testing::ProcessResult r = testing::RunCompnn("data import camvid " + Path("camvid") + " --out " +
                                                Path("c") + " --size 48x64");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("train     2 images of 90x120 (HxW) -> 48x64"), std::string::npos)
      << r.output;
  r = testing::RunCompnn("data check " + Path("c"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pairs of 48x64 (HxW)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(ignore: never trained on or scored)"), std::string::npos) << r.output;

  // One line naming the file, exit status 2, and nothing written.
  std::filesystem::remove(Path("camvid/testannot/Seq05VD_f00000.png"));
  r = testing::RunCompnn("data import camvid " + Path("camvid") + " --out " + Path("d"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.output, "compnn: error: " + Path("camvid/test/Seq05VD_f00000.png") +
                          ": its annotation " + Path("camvid/testannot/Seq05VD_f00000.png") +
                          " is missing\n");
  EXPECT_FALSE(std::filesystem::exists(Path("d")));
  r = testing::RunCompnn("data import camvid " + Path("camvid") + " --out " + Path("d") +
                         " --size 0x4");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--size: expected HEIGHTxWIDTH"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace compnn
