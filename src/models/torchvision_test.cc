// torchvision's segmentation networks as people export them (torch.jit.script, a forward that
// returns {'out': logits, 'aux': ...}): compnn captures what PyTorch forward hooks see. The
// fixtures are made at test time by tests/fixtures/make_torchvision_segmentation.py (random,
// seeded weights: nothing can be downloaded), with Debian's Python.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "compnn/core/check.h"
#include "compnn/models/torchscript.h"
#include "compnn/store/npy.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

class TorchvisionModels : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        (fs::temp_directory_path() / ("compnn_torchvision_" + std::to_string(::getpid()))).string();
    const std::string command = "/usr/bin/python3 " + std::string(COMPNN_FIXTURES) +
                                "/make_torchvision_segmentation.py " + dir_ + " --classes 3 > " +
                                dir_ + ".log 2>&1";
    made_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    fs::remove_all(dir_);
    fs::remove(dir_ + ".log");
  }
  static torch::Tensor Load(const std::string& path) {
    const NpyFile file = NpyFile::Open(path);
    std::vector<int64_t> shape(file.shape().begin(), file.shape().end());
    return torch::from_blob(const_cast<float*>(file.data_as<float>()), shape).clone();
  }
  static inline std::string dir_;
  static inline bool made_ = false;
};

TEST_P(TorchvisionModels, CapturesWhatPyTorchHooksSee) {
  ASSERT_TRUE(made_) << "the fixture script failed; see " << dir_ << ".log";
  ScriptModel model(dir_ + "/" + GetParam() + ".pt");
  model.SelectOutput("out");
  Capture capture;
  const std::string hooks = dir_ + "/hooks/" + GetParam();
  for (const auto& entry : fs::directory_iterator(hooks)) {
    const std::string name = entry.path().stem().string();
    if (name != "out" && name != "aux") capture.wanted.insert(name);
  }
  ASSERT_GE(capture.wanted.size(), 5u);
  torch::NoGradGuard no_grad;
  const torch::Tensor out = model.Forward(Load(dir_ + "/input.npy"), &capture);
  const auto expect_close = [](const torch::Tensor& got, const torch::Tensor& want,
                               const std::string& name) {
    ASSERT_EQ(got.sizes(), want.sizes()) << name;
    // Relative: some activations reach 70, where float32 rounding alone exceeds 1e-5.
    const float scale = std::max(1.0f, want.abs().max().item<float>());
    EXPECT_LE((got - want).abs().max().item<float>(), 1e-5f * scale) << name;
  };
  expect_close(out, Load(hooks + "/out.npy"), "out");
  for (const std::string& name : capture.wanted)
    expect_close(capture.values.at(name), Load(hooks + "/" + name + ".npy"), name);
}

TEST_P(TorchvisionModels, ADictOutputNeedsItsKeyAndAStateDictIsRefused) {
  ASSERT_TRUE(made_) << "the fixture script failed; see " << dir_ << ".log";
  ScriptModel model(dir_ + "/" + GetParam() + ".pt");
  const torch::Tensor x = torch::zeros({1, 3, 64, 96});
  try {
    model.Forward(x);
    ADD_FAILURE() << "no error without an output key";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "output");
    EXPECT_NE(std::string(e.what()).find("returns a dict with the keys 'out'"), std::string::npos)
        << e.what();
  }
  try {
    ScriptModel state_dict(dir_ + "/state_dict.pth");
    ADD_FAILURE() << "a state_dict was loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("torch.jit.script(model).save"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(LrAsppAndDeepLabV3, TorchvisionModels,
                         ::testing::Values("lraspp", "deeplabv3"));

}  // namespace
}  // namespace compnn
