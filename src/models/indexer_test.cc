#include "compnn/models/indexer.h"

#include <gtest/gtest.h>

#include <torch/torch.h>
#include <algorithm>
#include <filesystem>
#include <functional>

#include "compnn/core/check.h"
#include "compnn/data/generators.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/network.h"
#include "compnn/store/feature_store.h"
#include "temp_dir.h"
#include "tiny_dataset.h"
#include "training_data.h"

namespace compnn {
namespace {

class Indexer : public testing::TempDirTest {};

TEST_F(Indexer, StoreHoldsTheActivationsOfAForwardPass) {
  GenerateFacades(testing::TinyDataset(Path("facades"), 5, 1, 1));
  NetworkConfig config;
  config.arch = Architecture::kPix2Pix;
  config.size = {32, 32};
  config.ngf = 4;
  config.extra = {{"direction", "BtoA"}};
  torch::manual_seed(1);
  auto network = MakeNetwork(config);
  network->eval();
  SaveNetwork(*network, Path("m.model"));
  network = LoadNetwork(Path("m.model"));

  IndexOptions o;
  o.model = Path("m.model");
  o.data = Path("facades");
  o.out = Path("store");
  o.layers = {"encoder1", "decoder3"};
  o.dtype = DType::kFloat32;
  o.batch = 2;
  IndexDataset(o);
  const FeatureStore store = FeatureStore::Open(Path("store"));
  store.Verify();
  EXPECT_EQ(store.manifest().global_layer, "encoder5");  // the bottleneck, added for the descriptor
  EXPECT_EQ(store.manifest().layer("decoder3").stride, 4);
  EXPECT_EQ(store.manifest().layer("decoder3").depth, 16);

  // The same images through the network one at a time, captured directly.
  const Dataset dataset = Dataset::Open(Path("facades"));
  const LayerMaps maps = store.Maps("decoder3");
  for (int i = 0; i < 5; ++i) {
    const ImagePair pair = dataset.Read("train", store.manifest().images[i]);
    Capture capture;
    capture.wanted = {"decoder3", "encoder5"};
    torch::NoGradGuard no_grad;
    const torch::Tensor output =
        network->Forward(models::ImageToTensor(pair.b, {32, 32}, true).unsqueeze(0), &capture);
    const torch::Tensor expected = capture.values["decoder3"][0].permute({1, 2, 0}).contiguous();
    const float* e = expected.data_ptr<float>();
    for (int k = 0; k < 8 * 8 * 16; ++k)
      ASSERT_NEAR(maps.database[i].data[k], e[k], 1e-5) << i << " " << k;
    const torch::Tensor global = capture.values["encoder5"][0].permute({1, 2, 0}).contiguous();
    for (int k = 0; k < store.Globals().length; ++k)
      ASSERT_NEAR(store.Globals().row(i)[k], global.data_ptr<float>()[k], 1e-5);

    // The pair's pixels, kept as RGB at the model's size: B is the input (BtoA), A the target.
    for (const auto& [side, image, labels] :
         {std::tuple{"inputs", &pair.b, dataset.input_is_labels(Direction::kBtoA)},
          {"targets", &pair.a, dataset.target_is_labels(Direction::kBtoA)}}) {
      const cv::Mat bgr = ResizeForModel(*image, {32, 32}, labels);
      const std::uint8_t* rgb = store.PixelFile(side)->data_as<std::uint8_t>() +
                                static_cast<std::size_t>(i) * 32 * 32 * 3;
      for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
          const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
          const std::uint8_t* q = rgb + (y * 32 + x) * 3;
          ASSERT_TRUE(q[0] == p[2] && q[1] == p[1] && q[2] == p[0]) << side << " " << i;
        }
      }
    }
    // The network's output (a photo in -1..1, channels RGB) kept as bytes: (v + 1) * 127.5,
    // rounded; the batched pass may differ from this single one in the last float bit.
    const std::uint8_t* kept = store.PixelFile("predictions")->data_as<std::uint8_t>() +
                               static_cast<std::size_t>(i) * 32 * 32 * 3;
    const torch::Tensor hwc = output[0].permute({1, 2, 0}).contiguous();
    for (int k = 0; k < 32 * 32 * 3; ++k) {
      const double expected = std::clamp((hwc.data_ptr<float>()[k] + 1.0) * 127.5, 0.0, 255.0);
      ASSERT_NEAR(kept[k], expected, 0.5 + 1e-3) << "prediction " << i << " value " << k;
    }
  }
  ASSERT_NE(store.manifest().pixel("predictions"), nullptr);
  EXPECT_EQ(store.manifest().pixel("predictions")->labels,
            dataset.target_is_labels(Direction::kBtoA));
  ASSERT_NE(store.manifest().pixel("targets"), nullptr);
  EXPECT_EQ(store.manifest().pixel("inputs")->labels, dataset.input_is_labels(Direction::kBtoA));
  EXPECT_EQ(store.manifest().pixel("targets")->labels, dataset.target_is_labels(Direction::kBtoA));
  EXPECT_FALSE(store.manifest().palette.is_null());

  // Without pixels, the store keeps none.
  o.keep_pixels = false;
  o.keep_predictions = false;
  o.out = Path("bare");
  IndexDataset(o);
  EXPECT_TRUE(FeatureStore::Open(Path("bare")).manifest().pixels.empty());

  // A layer named twice would be listed twice in the manifest: refused before any work.
  o.layers = {"decoder3", "encoder1", "decoder3"};
  o.out = Path("twice");
  try {
    IndexDataset(o);
    ADD_FAILURE() << "a layer named twice was accepted";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "layers");
  }
  EXPECT_FALSE(std::filesystem::exists(Path("twice")));
}

TEST_F(Indexer, NonFiniteOutputsAndActivationsBeyondFloat16AreRefusedNamingTheImage) {
  GenerateFacades(testing::TinyDataset(Path("facades"), 3, 1, 1));
  NetworkConfig config;
  config.arch = Architecture::kPix2Pix;
  config.size = {32, 32};
  config.ngf = 4;
  const auto index_with = [&](const std::string& name, bool predictions,
                              const std::function<void(Network&)>& change) {
    torch::manual_seed(1);
    auto network = MakeNetwork(config);
    torch::NoGradGuard no_grad;
    change(*network);
    SaveNetwork(*network, Path(name + ".model"));
    IndexOptions o;
    o.model = Path(name + ".model");
    o.data = Path("facades");
    o.out = Path(name);
    o.layers = {"encoder1"};
    o.keep_predictions = predictions;
    return [o] { IndexDataset(o); };
  };
  const auto expect_error = [](const std::function<void()>& run, const std::string& needle) {
    try {
      run();
      ADD_FAILURE() << "no error, expected " << needle;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // The last parameter is the output convolution's bias: NaN there leaves the layers finite.
  expect_error(index_with("nan-output", true, [](Network& n) { n.parameters().back().fill_(NAN); }),
               "image facade_train_0000: the network's output holds NaN or infinite values");
  // Scaled first filters put encoder1 beyond what float16 holds (float16 is the default); the
  // output, not kept here, overflows too.
  expect_error(index_with("huge", false, [](Network& n) { n.parameters().front().mul_(1e5); }),
               ", layer encoder1: cell (");
  expect_error(index_with("huge2", false, [](Network& n) { n.parameters().front().mul_(1e5); }),
               "beyond float16's range");
  EXPECT_FALSE(std::filesystem::exists(Path("huge")));
}

}  // namespace
}  // namespace compnn
