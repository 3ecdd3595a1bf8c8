#include "compnn/training.h"

#include <gtest/gtest.h>

#include "compnn/generators.h"
#include "compnn/network.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

class Training : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    GeneratorOptions g = testing::TinyDataset(Path("facades"), 8, 2, 1, 9);
    GenerateFacades(g);
    g.out = Path("scenes");
    GenerateScenes(g);
  }
  TrainOptions Options(const std::string& arch, const std::string& data, const std::string& out) {
    TrainOptions o;
    o.arch = arch;
    o.data = Path(data);
    o.out = Path(out);
    o.size = 32;
    o.batch = 4;
    o.ngf = 8;
    o.widths = {8, 16};
    o.seed = 4;
    return o;
  }
};

TEST_F(Training, AFewStepsReduceTheLoss) {
  TrainOptions o = Options("pix2pix", "facades", "p.model");
  o.direction = "BtoA";
  o.epochs = 12;
  o.learning_rate = 1e-3;
  const std::vector<EpochReport> pix2pix = Train(o);
  ASSERT_EQ(pix2pix.size(), 12u);
  EXPECT_LT(pix2pix.back().loss, 0.8 * pix2pix.front().loss);
  EXPECT_TRUE(pix2pix.back().validation.contains("l1"));  // photo targets: L1, not labels

  TrainOptions s = Options("segnet", "scenes", "s.model");
  s.epochs = 12;
  s.learning_rate = 1e-2;
  const std::vector<EpochReport> segnet = Train(s);
  EXPECT_LT(segnet.back().loss, 0.8 * segnet.front().loss);
  EXPECT_TRUE(segnet.back().validation.contains("mean_iou"));
  EXPECT_EQ(LoadNetwork(Path("s.model"), "segnet")->config().out_channels, 12);
}

TEST_F(Training, ResumingGivesTheWeightsOfAnUninterruptedRun) {
  TrainOptions o = Options("pix2pix", "facades", "whole.model");
  o.epochs = 3;
  Train(o);
  TrainOptions first = Options("pix2pix", "facades", "split.model");
  first.epochs = 1;
  Train(first);
  TrainOptions rest = first;
  rest.epochs = 3;
  rest.resume = true;
  const std::vector<EpochReport> reports = Train(rest);
  EXPECT_EQ(reports.size(), 3u);  // the log carries over the first epoch
  auto whole = LoadNetwork(Path("whole.model")), split = LoadNetwork(Path("split.model"));
  const auto a = whole->named_parameters(), b = split->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  // Resuming with other options is refused.
  rest.batch = 2;
  EXPECT_THROW(Train(rest), std::runtime_error);
}

TEST_F(Training, DatasetThatDoesNotFitTheArchitectureIsRefused) {
  TrainOptions o = Options("segnet", "facades", "bad.model");
  o.direction = "BtoA";  // would predict the photo side: not labels
  o.epochs = 1;
  try {
    Train(o);
    FAIL() << "segnet trained on photo targets";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds no label images"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace compnn
