#include "compnn/models/training.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "compnn/core/check.h"
#include "compnn/data/generators.h"
#include "compnn/models/network.h"
#include "option_field.h"
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
  TrainOptions Options(Architecture arch, const std::string& data, const std::string& out) {
    TrainOptions o;
    o.arch = arch;
    o.data = Path(data);
    o.out = Path(out);
    o.size = ImageSize{32, 32};
    o.batch = 4;
    o.ngf = 8;
    o.widths = {8, 16};
    o.seed = 4;
    return o;
  }
};

TEST_F(Training, AFewStepsReduceTheLoss) {
  TrainOptions o = Options(Architecture::kPix2Pix, "facades", "p.model");
  o.direction = Direction::kBtoA;
  o.epochs = 12;
  o.learning_rate = 1e-3;
  const std::vector<EpochReport> pix2pix = Train(o);
  ASSERT_EQ(pix2pix.size(), 12u);
  EXPECT_LT(pix2pix.back().loss, 0.8 * pix2pix.front().loss);
  EXPECT_TRUE(pix2pix.back().validation.contains("l1"));  // photo targets: L1, not labels

  TrainOptions s = Options(Architecture::kSegNet, "scenes", "s.model");
  s.epochs = 12;
  s.learning_rate = 1e-2;
  const std::vector<EpochReport> segnet = Train(s);
  EXPECT_LT(segnet.back().loss, 0.8 * segnet.front().loss);
  EXPECT_TRUE(segnet.back().validation.contains("mean_iou"));
  EXPECT_EQ(LoadNetwork(Path("s.model"), Architecture::kSegNet)->config().out_channels, 12);
}

TEST_F(Training, ResumingGivesTheWeightsOfAnUninterruptedRun) {
  TrainOptions o = Options(Architecture::kPix2Pix, "facades", "whole.model");
  o.epochs = 3;
  Train(o);
  TrainOptions first = Options(Architecture::kPix2Pix, "facades", "split.model");
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

TEST_F(Training, ResumingKeepsTheDecayScheduleAndCropDraws) {
  // The learning rate follows the epoch and crops are drawn from the epoch's seed, so a resumed
  // run with decay and crops still ends with an uninterrupted run's weights.
  TrainOptions o = Options(Architecture::kSegNet, "scenes", "whole.model");
  o.epochs = 3;
  o.decay_epochs = 2;
  o.min_crop = 0.6;
  o.learning_rate = 1e-2;
  const std::vector<EpochReport> uninterrupted = Train(o);
  TrainOptions first = o;
  first.out = Path("split.model");
  first.epochs = 1;
  first.decay_epochs = 2;
  EXPECT_THROW(Train(first), OptionError);  // decay longer than the run is refused
  TrainOptions rest = o;
  rest.out = Path("split.model");
  // The same run, interrupted after its first epoch (checkpoint written), then resumed.
  TrainCallbacks stop_after_one;
  stop_after_one.on_epoch = [](const EpochReport& r) {
    if (r.epoch == 1) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW(Train(rest, stop_after_one), std::runtime_error);
  rest.resume = true;
  const std::vector<EpochReport> reports = Train(rest);
  ASSERT_EQ(reports.size(), 3u);
  // The last epoch's loss and validation match, whichever epoch the model files keep.
  EXPECT_EQ(reports[2].loss, uninterrupted[2].loss);
  EXPECT_EQ(reports[2].validation, uninterrupted[2].validation);
  auto whole = LoadNetwork(Path("whole.model")), split = LoadNetwork(Path("split.model"));
  const auto a = whole->named_parameters(), b = split->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  TrainOptions bad = o;
  bad.min_crop = 0.0;
  EXPECT_THROW(Train(bad), OptionError);
}

TEST(DefaultTrainingSize, KeepsTheDatasetsAspectRatioAsTheArchitectureAllows) {
  TrainOptions pix2pix;
  EXPECT_EQ(DefaultTrainingSize({256, 256}, pix2pix), (ImageSize{128, 128}));
  EXPECT_EQ(DefaultTrainingSize({1024, 2048}, pix2pix), (ImageSize{128, 256}));  // Cityscapes
  EXPECT_EQ(DefaultTrainingSize({600, 200}, pix2pix), (ImageSize{384, 128}));
  TrainOptions segnet;
  segnet.arch = Architecture::kSegNet;  // four blocks: stride 16
  EXPECT_EQ(DefaultTrainingSize({360, 480}, segnet), (ImageSize{128, 176}));  // CamVid, 4:3
  segnet.widths = {8, 16};                                                    // stride 4
  EXPECT_EQ(DefaultTrainingSize({360, 480}, segnet), (ImageSize{128, 172}));
}

TEST(TrainOptionsCheck, NamesTheFieldThatIsOutOfRange) {
  TrainOptions o;
  o.data = "d";
  o.out = "m.model";
  EXPECT_EQ(testing::FieldRefused(o), "");
  TrainOptions t = o;
  t.arch = Architecture::kTorchScript;
  EXPECT_EQ(testing::FieldRefused(t), "arch");
  t = o;
  t.epochs = 4;
  t.decay_epochs = 5;
  EXPECT_EQ(testing::FieldRefused(t), "decay_epochs");
  t = o;
  t.min_crop = 1.5;
  EXPECT_EQ(testing::FieldRefused(t), "min_crop");
  t = o;
  t.batch = 0;
  EXPECT_EQ(testing::FieldRefused(t), "batch");
  t = o;
  t.out.clear();
  EXPECT_EQ(testing::FieldRefused(t), "out");
  t = o;
  t.class_weight_power = -0.5;
  EXPECT_EQ(testing::FieldRefused(t), "class_weight_power");
}

TEST_F(Training, InitStartsFromAModelFilesWeights) {
  TrainOptions a = Options(Architecture::kSegNet, "scenes", "a.model");
  a.epochs = 2;
  a.learning_rate = 1e-2;
  Train(a);
  // One epoch at a learning rate too small to move the weights: they stay those of a.model.
  TrainOptions b = Options(Architecture::kSegNet, "scenes", "b.model");
  b.epochs = 1;
  b.learning_rate = 1e-12;
  b.init = Path("a.model");
  Train(b);
  auto from = LoadNetwork(Path("a.model")), to = LoadNetwork(Path("b.model"));
  const auto pa = from->named_parameters(), pb = to->named_parameters();
  for (const auto& item : pa)
    EXPECT_TRUE(torch::allclose(item.value(), pb[item.key()], 1e-3, 1e-3)) << item.key();
  // Another architecture or other widths are refused, naming the file.
  TrainOptions wider = b;
  wider.widths = {8, 32};
  EXPECT_THROW(Train(wider), std::runtime_error);
  TrainOptions pix = Options(Architecture::kPix2Pix, "facades", "c.model");
  pix.epochs = 1;
  pix.init = Path("a.model");
  EXPECT_THROW(Train(pix), std::runtime_error);
}

TEST_F(Training, DatasetThatDoesNotFitTheArchitectureIsRefused) {
  TrainOptions o = Options(Architecture::kSegNet, "facades", "bad.model");
  o.direction = Direction::kBtoA;  // would predict the photo side: not labels
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
