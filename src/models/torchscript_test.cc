#include "compnn/models/torchscript.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "compnn/store/npy.h"

namespace compnn {
namespace {

// Made by tests/fixtures/make_torchscript_unet.py with Debian's Python and PyTorch forward hooks.
const std::string kFixtures = std::string(COMPNN_FIXTURES) + "/torchscript";

torch::Tensor Load(const std::string& path) {
  const NpyFile file = NpyFile::Open(path);
  std::vector<int64_t> shape(file.shape().begin(), file.shape().end());
  return torch::from_blob(const_cast<float*>(file.data_as<float>()), shape).clone();
}

std::string HookFile(const std::string& name) {
  std::string file = name;
  if (file.size() > 6 && file.ends_with(":input"))
    file = file.substr(0, file.size() - 6) + "__input";
  return kFixtures + "/hooks/" + file + ".npy";
}

class ScriptModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScriptModelTest, CapturesWhatPyTorchHooksSee) {
  ScriptModel model(kFixtures + "/" + GetParam());
  Capture capture;
  capture.wanted = {"down_path.0.body",          "down_path.2", "Bottle_Neck",
                    "up_path.1.Fuse_Block",      "up_path.2",   "up_path.0.Fuse_Block:input",
                    "up_path.2.Fuse_Block:input"};
  torch::NoGradGuard no_grad;
  const torch::Tensor out = model.Forward(Load(kFixtures + "/input.npy"), &capture);
  EXPECT_LE((out - Load(kFixtures + "/hooks/output.npy")).abs().max().item<float>(), 1e-5);
  for (const std::string& name : capture.wanted) {
    const torch::Tensor expected = Load(HookFile(name));
    ASSERT_EQ(capture.values.at(name).sizes(), expected.sizes()) << name;
    EXPECT_LE((capture.values.at(name) - expected).abs().max().item<float>(), 1e-5) << name;
  }
}

TEST_P(ScriptModelTest, ListsNestedSubmodulesWithShapesAndStrides) {
  ScriptModel model(kFixtures + "/" + GetParam());
  const std::vector<std::string> names = model.SubmoduleNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "down_path.0.body.0"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "up_path.2.Fuse_Block"), names.end());
  const std::vector<LayerInfo> layers = model.ListLayers({64, 64});
  auto find = [&](const std::string& name) {
    const auto it = std::find_if(layers.begin(), layers.end(),
                                 [&](const LayerInfo& l) { return l.name == name; });
    EXPECT_NE(it, layers.end()) << name;
    return it == layers.end() ? LayerInfo{} : *it;
  };
  const LayerInfo down = find("down_path.1");
  EXPECT_EQ(down.channels, 16);
  EXPECT_EQ(down.height, 16);
  EXPECT_EQ(down.stride, 4);
  const LayerInfo out = find("output");
  EXPECT_EQ(out.channels, 3);
  EXPECT_EQ(out.stride, 1);
}

TEST_P(ScriptModelTest, RefusesWhatItCannotCapture) {
  ScriptModel model(kFixtures + "/" + GetParam());
  EXPECT_NE(model.WhyNotCapturable("up_path.0:input").find("with 2 values"), std::string::npos);
  Capture capture;
  capture.wanted = {"no_such.module"};
  try {
    model.Forward(torch::zeros({1, 3, 32, 32}), &capture);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no submodule named 'no_such.module'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("down_path.0.body"), std::string::npos) << e.what();
  }
}

TEST_P(ScriptModelTest, AFailedForwardPassIsOneLineThatNamesTheFileAndTheInput) {
  ScriptModel model(kFixtures + "/" + GetParam());
  try {
    model.Forward(torch::zeros({1, 1, 32, 32}));  // the model takes 3 channels
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(GetParam() + ": the model's forward failed on a 1 x 1 x 32 x 32 input: "),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("channels"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(ScriptedAndTraced, ScriptModelTest,
                         ::testing::Values("unet_scripted.pt", "unet_traced.pt"));

TEST(ScriptModel, MissingOrCorruptFilesGiveClearErrors) {
  EXPECT_THROW(ScriptModel("/nonexistent/model.pt"), std::runtime_error);
  const std::string junk = ::testing::TempDir() + "/junk.pt";
  FILE* f = std::fopen(junk.c_str(), "w");
  std::fputs("not a model", f);
  std::fclose(f);
  try {
    ScriptModel model(junk);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pt: not a TorchScript model"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace compnn
