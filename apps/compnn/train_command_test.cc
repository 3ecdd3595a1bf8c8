// compnn train, layers and predict as a user runs them.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "compnn/data/generators.h"
#include "run_compnn.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

class TrainCommand : public testing::TempDirTest {};

TEST_F(TrainCommand, TrainListPredictAndRefuseBadInput) {
  GenerateFacades(testing::TinyDataset(Path("facades"), 4, 2, 1));
  const std::string base =
      "train --data " + Path("facades") + " --size 32 --ngf 4 --widths 4,8 --epochs 1 --batch 2";
  testing::ProcessResult r =
      testing::RunCompnn(base + " --arch pix2pix --direction AtoB --out " + Path("p.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pixel_accuracy"), std::string::npos) << r.output;

  r = testing::RunCompnn("layers " + Path("p.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("encoder5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("decoder2"), std::string::npos) << r.output;

  r = testing::RunCompnn("predict --model " + Path("p.model") + " --data " + Path("facades") +
                         " --count 2 --out " + Path("p.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(cv::imread(Path("p.png")).empty());

  r = testing::RunCompnn("index --model " + Path("p.model") + " --data " + Path("facades") +
                         " --layers encoder2,decoder3 --out " + Path("store"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("encoder2 (8x8x8)"), std::string::npos) << r.output;
  r = testing::RunCompnn("verify " + Path("store"));
  EXPECT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("index --model " + Path("p.model") + " --data " + Path("facades") +
                         " --layers encoder9 --out " + Path("store2"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no layer named 'encoder9' (it has encoder1,"), std::string::npos)
      << r.output;

  r = testing::RunCompnn(base + " --arch segnet --direction BtoA --out " + Path("s.model"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("holds no label images"), std::string::npos) << r.output;

  WriteText("junk.model", "not a model");
  r = testing::RunCompnn("layers " + Path("junk.model"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("junk.model: not a compnn model file"), std::string::npos) << r.output;

  // A learning rate that is not a number, and a size PatchGAN cannot halve three times: one line
  // naming the flag, not a LibTorch trace or a NaN model marked best.
  const std::string small = "train --data " + Path("facades") + " --ngf 4 --epochs 1";
  for (const std::string& bad : {base + " --lr inf", base + " --lr nan", small + " --size 16"}) {
    r = testing::RunCompnn(bad + " --arch pix2pix --out " + Path("bad.model"));
    EXPECT_EQ(r.status, 2) << bad << r.output;
    EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(bad.substr(bad.rfind(" --"), 6)), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(Path("bad.model"))) << bad;
  }
  // Architectures LibTorch cannot build (empty filters) or memory cannot hold: one line each.
  for (const auto& [arch, bad, message] :
       {std::tuple{"segnet", " --widths 0 8", "--widths must each be in [1, 4096], got 0"},
        {"pix2pix", " --ngf 100000", "--ngf must be in [1, 4096], got 100000"},
        {"pix2pix", " --size 99999", "--size: sides must be at most 8192"}}) {
    r = testing::RunCompnn("train --data " + Path("facades") + " --epochs 1" + bad + " --arch " +
                           arch + " --out " + Path("bad.model"));
    EXPECT_EQ(r.status, 2) << bad << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }

  r = testing::RunCompnn(base + " --arch pix2pix --out " + Path("fresh.model") + " --resume");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no checkpoint to resume from"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace compnn
