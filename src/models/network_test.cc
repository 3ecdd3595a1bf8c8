#include "compnn/models/network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "temp_dir.h"

namespace compnn {
namespace {

NetworkConfig Pix2Pix(int size, int ngf, int max_mult) {
  NetworkConfig c;
  c.arch = Architecture::kPix2Pix;
  c.size = {size, size};
  c.ngf = ngf;
  c.max_mult = max_mult;
  return c;
}

NetworkConfig SegNetConfig(int size, std::vector<int> widths, int classes) {
  NetworkConfig c;
  c.arch = Architecture::kSegNet;
  c.size = {size, size};
  c.widths = std::move(widths);
  c.out_channels = classes;
  return c;
}

TEST(Network, Pix2PixLayersMatchThePapersTable3) {
  // Table 3 of the paper: pix2pix at 256 x 256 with 64 filters, capped at 512.
  torch::manual_seed(0);
  auto net = MakeNetwork(Pix2Pix(256, 64, 8));
  const std::vector<LayerInfo> layers = ListLayers(*net, {256, 256});
  const std::vector<std::tuple<std::string, int, int>> table3 = {
      {"encoder1", 64, 2},    {"encoder2", 128, 4},    {"encoder3", 256, 8},
      {"encoder4", 512, 16},  {"encoder5", 512, 32},   {"encoder6", 512, 64},
      {"encoder7", 512, 128}, {"decoder8", 1024, 128}, {"decoder7", 1024, 64},
      {"decoder6", 1024, 32}, {"decoder5", 1024, 16},  {"decoder4", 512, 8},
      {"decoder3", 256, 4},   {"decoder2", 128, 2}};
  for (const auto& [name, depth, patch] : table3) {
    const auto it = std::find_if(layers.begin(), layers.end(),
                                 [&](const LayerInfo& l) { return l.name == name; });
    ASSERT_NE(it, layers.end()) << name;
    EXPECT_EQ(it->channels, depth) << name;
    EXPECT_EQ(it->stride, patch) << name;
    EXPECT_EQ(it->height, 256 / patch) << name;
  }
  EXPECT_EQ(layers.back().name, "output");
  EXPECT_EQ(layers.back().channels, 3);
  EXPECT_EQ(layers.back().height, 256);
}

TEST(Network, Pix2PixShapesForSeveralSizesAndDepths) {
  for (int size : {16, 32, 64}) {
    for (int max_mult : {2, 8}) {
      auto net = MakeNetwork(Pix2Pix(size, 4, max_mult));
      const std::vector<LayerInfo> layers = ListLayers(*net, {size, size});
      const int depth = static_cast<int>(std::log2(size));
      ASSERT_EQ(static_cast<int>(layers.size()), 2 * depth);
      for (int k = 1; k <= depth; ++k) {
        const LayerInfo& e = layers[k - 1];
        EXPECT_EQ(e.name, "encoder" + std::to_string(k));
        EXPECT_EQ(e.channels, 4 * std::min(1 << (k - 1), max_mult));
        EXPECT_EQ(e.stride, 1 << k);
        EXPECT_EQ(e.width, size >> k);
      }
      for (int k = depth; k >= 2; --k) {
        const LayerInfo& d = layers[depth + (depth - k)];
        EXPECT_EQ(d.name, "decoder" + std::to_string(k));
        EXPECT_EQ(d.channels,
                  2 * 4 * std::min(1 << (k - 2), max_mult));  // its output + encoder (k-1)
        EXPECT_EQ(d.stride, 1 << (k - 1));
      }
    }
  }
  EXPECT_THROW(MakeNetwork(Pix2Pix(48, 4, 2)), std::invalid_argument);
}

TEST(Network, SegNetShapes) {
  auto net = MakeNetwork(SegNetConfig(48, {4, 8, 16}, 5));
  const std::vector<LayerInfo> layers = ListLayers(*net, {48, 48});
  const std::vector<std::tuple<std::string, int, int>> expected = {
      {"encoder1", 4, 2}, {"encoder2", 8, 4}, {"encoder3", 16, 8},
      {"decoder3", 8, 4}, {"decoder2", 4, 2}, {"output", 5, 1}};
  ASSERT_EQ(layers.size(), expected.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(layers[i].name, std::get<0>(expected[i]));
    EXPECT_EQ(layers[i].channels, std::get<1>(expected[i]));
    EXPECT_EQ(layers[i].stride, std::get<2>(expected[i]));
    EXPECT_EQ(layers[i].height, 48 / std::get<2>(expected[i]));
  }
  EXPECT_THROW(ListLayers(*net, {44, 44}), std::invalid_argument);
}

TEST(Network, NonSquareInputsKeepTheirAspectRatioThroughEveryLayer) {
  // pix2pix goes down to one cell on the shorter side: 32 x 64 ends at 1 x 2.
  NetworkConfig wide = Pix2Pix(32, 4, 4);
  wide.size = {32, 64};
  const std::vector<LayerInfo> unet = ListLayers(*MakeNetwork(wide), wide.size);
  for (const LayerInfo& l : unet) {
    EXPECT_EQ(l.width, 2 * l.height) << l.name;
    EXPECT_EQ(l.height * l.stride, 32) << l.name;
  }
  EXPECT_EQ(unet[4].name, "encoder5");
  EXPECT_EQ(unet[4].height, 1);
  NetworkConfig odd = wide;
  odd.size = {32, 48};  // the longer side is not a multiple of the shorter
  EXPECT_THROW(MakeNetwork(odd), std::invalid_argument);

  NetworkConfig tall = SegNetConfig(32, {4, 8}, 3);
  tall.size = {48, 20};
  const std::vector<LayerInfo> segnet = ListLayers(*MakeNetwork(tall), tall.size);
  EXPECT_EQ(segnet.front().height, 24);
  EXPECT_EQ(segnet.front().width, 10);
  EXPECT_EQ(segnet.back().height, 48);
  EXPECT_EQ(segnet.back().width, 20);
  tall.size = {48, 18};  // not a multiple of SegNet's stride 4
  EXPECT_THROW(MakeNetwork(tall), std::invalid_argument);
}

class NetworkFile : public testing::TempDirTest {};

TEST_F(NetworkFile, NonSquareSizeIsSavedAsHeightAndWidthAndSquareAsBefore) {
  NetworkConfig config = SegNetConfig(32, {4, 8}, 3);
  EXPECT_EQ(config.ToJson()["size"], 32);  // files of square networks read as they always did
  config.size = {16, 40};
  EXPECT_EQ(config.ToJson()["size"], nlohmann::json({16, 40}));
  SaveNetwork(*MakeNetwork(config), Path("n.model"));
  EXPECT_EQ(LoadNetwork(Path("n.model"))->config().size, (ImageSize{16, 40}));
}

TEST_F(NetworkFile, SaveLoadGivesTheSameOutputsAsHalfPrecisionWeights) {
  torch::manual_seed(3);
  for (const NetworkConfig& config : {Pix2Pix(32, 4, 4), SegNetConfig(32, {4, 8}, 3)}) {
    auto net = MakeNetwork(config);
    // Give batch norm non-trivial running statistics.
    net->train();
    net->Forward(torch::randn({2, 3, 32, 32}));
    net->eval();
    SaveNetwork(*net, Path("n.model"));
    auto loaded = LoadNetwork(Path("n.model"), config.arch);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : net->parameters()) p.copy_(p.to(torch::kHalf).to(torch::kFloat));
      for (auto& b : net->buffers()) {
        if (b.is_floating_point()) b.copy_(b.to(torch::kHalf).to(torch::kFloat));
      }
    }
    const torch::Tensor x = torch::randn({1, 3, 32, 32});
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(net->Forward(x), loaded->Forward(x), 1e-5, 1e-6))
        << ToString(config.arch);
    EXPECT_EQ(loaded->config().ToJson(), config.ToJson());
  }
}

TEST_F(NetworkFile, TruncatedForeignAndWrongArchitectureFilesGiveClearErrors) {
  auto net = MakeNetwork(SegNetConfig(32, {4, 8}, 3));
  SaveNetwork(*net, Path("seg.model"));
  auto expect_error = [&](const std::string& path, std::optional<Architecture> arch,
                          const std::string& what) {
    try {
      LoadNetwork(path, arch);
      ADD_FAILURE() << path << " loaded";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error(Path("seg.model"), Architecture::kPix2Pix,
               "holds a segnet network, not a pix2pix one");
  std::filesystem::copy_file(Path("seg.model"), Path("cut.model"));
  std::filesystem::resize_file(Path("cut.model"),
                               std::filesystem::file_size(Path("cut.model")) / 2);
  expect_error(Path("cut.model"), std::nullopt, "truncated");
  WriteText("text.model", "hello");
  expect_error(Path("text.model"), std::nullopt, "not a compnn model file");
  expect_error(Path("absent.model"), std::nullopt, "not a compnn model file");
}

}  // namespace
}  // namespace compnn
