// A torchvision segmentation network as a user brings it (TorchScript, a dict output of logits,
// ImageNet mean/std inputs): compnn indexes it, and its Baseline CNN row equals what PyTorch
// computes independently (tests/fixtures/torchvision_reference.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "compnn/data/dataset_writer.h"
#include "run_compnn.h"
#include "temp_dir.h"

namespace compnn {
namespace {

const std::string kFixtures = COMPNN_FIXTURES;
const std::string kNormalise = " --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225";

class TorchvisionEval : public testing::TempDirTest {
 protected:
  // Uniform random photos (64 x 96) with labels of 3 classes in 8 x 8 blocks, some of them void.
  void WriteDataset() {
    const Palette palette(
        {{0, "road", {128, 64, 128}}, {1, "car", {0, 0, 142}}, {2, "sky", {70, 130, 180}}},
        LabelClass{0, "void", {0, 0, 0}});
    DatasetWriter writer(Path("data"), false);
    cv::RNG rng(7);
    const std::pair<const char*, int> splits[] = {{"train", 4}, {"val", 3}, {"test", 1}};
    for (const auto& [split, count] : splits) {
      for (int i = 0; i < count; ++i) {
        cv::Mat photo(64, 96, CV_8UC3), classes(64, 96, CV_8U);
        rng.fill(photo, cv::RNG::UNIFORM, 0, 256);
        for (int y = 0; y < 64; y += 8) {
          for (int x = 0; x < 96; x += 8) {
            const int c = rng.uniform(0, 4);
            classes(cv::Rect(x, y, 8, 8)).setTo(c == 3 ? kIgnoreClass : c);
          }
        }
        writer.WritePair(split, std::string(split) + std::to_string(i), photo,
                         palette.Colourise(classes));
      }
    }
    writer.SetLabels(palette, PairSide::kB);
    writer.Commit();
  }
};

TEST_F(TorchvisionEval, BaselineRowEqualsPyTorchsForLrAsppAndDeepLabV3) {
  const std::string models = Path("models");
  ASSERT_EQ(std::system(("/usr/bin/python3 " + kFixtures + "/make_torchvision_segmentation.py " +
                         models + " --classes 3 > " + Path("make.log") + " 2>&1")
                            .c_str()),
            0)
      << ReadBytes(Path("make.log"));
  WriteDataset();
  for (const std::string model : {"lraspp", "deeplabv3"}) {
    const std::string pt = models + "/" + model + ".pt";
    // No --size: the dataset's own 64 x 96. The flags are recorded in the store.
    testing::ProcessResult r = testing::RunCompnn(
        "index --model " + pt + " --data " + Path("data") + kNormalise +
        " --output out --output-kind logits --layers backbone.4,classifier --out " +
        Path(model + "-store"));
    ASSERT_EQ(r.status, 0) << r.output;
    r = testing::RunCompnn("eval --model " + pt + " --store " + Path(model + "-store") +
                           " --split val --topk-images 1 --layer classifier --out " +
                           Path(model + "-ev"));
    ASSERT_EQ(r.status, 0) << r.output;
    const nlohmann::json table = nlohmann::json::parse(ReadBytes(Path(model + "-ev/table.json")));
    const nlohmann::json& baseline = table["baselines"][0];
    ASSERT_EQ(baseline["approach"], "Baseline CNN");

    const std::string reference = Path(model + "-reference.json");
    ASSERT_EQ(
        std::system(("/usr/bin/python3 " + kFixtures + "/torchvision_reference.py " + pt + " " +
                     Path("data") + " val --output out" + kNormalise + " > " + reference + " 2>&1")
                        .c_str()),
        0)
        << ReadBytes(reference);
    const nlohmann::json python = nlohmann::json::parse(ReadBytes(reference));
    EXPECT_EQ(python["images"], 3);
    for (const char* metric : {"pixel_accuracy", "mean_pixel_accuracy", "mean_iou"}) {
      EXPECT_NEAR(baseline[metric].get<double>(), python[metric].get<double>(), 1e-3)
          << model << " " << metric;
    }
    // A random net is no good, but not constant either: the comparison means something.
    EXPECT_GT(python["mean_iou"].get<double>(), 0.05) << model;
  }

  // The class count must match the dataset's; a state_dict is refused with a way out.
  testing::ProcessResult r =
      testing::RunCompnn("index --model " + models + "/lraspp.pt --data " + Path("data") +
                         kNormalise + " --layers backbone.4 --out " + Path("no-key"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--output is not set"), std::string::npos) << r.output;
  r = testing::RunCompnn("index --model " + models + "/state_dict.pth --data " + Path("data") +
                         " --out " + Path("sd"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("torch.jit.script(model).save"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace compnn
