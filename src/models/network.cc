#include "compnn/models/network.h"

#include <omp.h>

#include <sstream>

#include <torch/torch.h>

#include "compnn/core/check.h"
#include "compnn/models/zip_check.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "segnet.h"
#include "unet.h"

namespace compnn {

nlohmann::json NetworkConfig::ToJson() const {
  return {{"format", "compnn-network-1"},
          {"arch", ToString(arch)},
          {"in_channels", in_channels},
          {"out_channels", out_channels},
          {"size", ImageSizeToJson(size)},
          {"ngf", ngf},
          {"max_mult", max_mult},
          {"widths", widths},
          {"extra", extra}};
}

NetworkConfig NetworkConfig::FromJson(const nlohmann::json& j) {
  NetworkConfig c;
  c.arch = ParseName(ArchitectureNames(), j.at("arch").get<std::string>(), "arch");
  c.in_channels = j.at("in_channels").get<int>();
  c.out_channels = j.at("out_channels").get<int>();
  c.size = ImageSizeFromJson(j.at("size"));
  c.ngf = j.value("ngf", c.ngf);
  c.max_mult = j.value("max_mult", c.max_mult);
  c.widths = j.value("widths", c.widths);
  c.extra = j.value("extra", nlohmann::json::object());
  if (c.extra.is_null()) c.extra = nlohmann::json::object();
  COMPNN_CHECK(c.extra.is_object(), "'extra' must be an object");
  return c;
}

void NetworkConfig::Check() const {
  // Far above any network compnn trains, far below what exhausts memory on being built.
  constexpr int kMaxChannels = 1024, kMaxFilters = 4096, kMaxBlocks = 8;
  COMPNN_CHECK_OPTION(in_channels >= 1 && in_channels <= kMaxChannels, "in_channels",
                      "must be in [1, ", kMaxChannels, "], got ", in_channels);
  COMPNN_CHECK_OPTION(out_channels >= 1 && out_channels <= kMaxChannels, "out_channels",
                      "must be in [1, ", kMaxChannels, "], got ", out_channels);
  CheckImageSize(size, "size");
  COMPNN_CHECK_OPTION(ngf >= 1 && ngf <= kMaxFilters, "ngf", "must be in [1, ", kMaxFilters,
                      "], got ", ngf);
  COMPNN_CHECK_OPTION(max_mult >= 1 && static_cast<long long>(ngf) * max_mult <= kMaxFilters,
                      "max_mult", "must be at least 1 with ngf x max_mult at most ", kMaxFilters,
                      ", got ", max_mult, " (ngf ", ngf, ")");
  COMPNN_CHECK_OPTION(!widths.empty() && widths.size() <= kMaxBlocks, "widths", "must list 1 to ",
                      kMaxBlocks, " encoder widths, got ", widths.size());
  for (const int width : widths) {
    COMPNN_CHECK_OPTION(width >= 1 && width <= kMaxFilters, "widths", "must each be in [1, ",
                        kMaxFilters, "], got ", width);
  }
}

std::shared_ptr<Network> MakeNetwork(const NetworkConfig& config) {
  config.Check();
  if (config.arch == Architecture::kPix2Pix) return std::make_shared<models::UNet>(config);
  if (config.arch == Architecture::kSegNet) return std::make_shared<models::SegNet>(config);
  throw std::invalid_argument("a " + ToString(config.arch) + " network is not built by compnn");
}

std::vector<LayerInfo> ListLayers(Network& network, const ImageSize& size) {
  const int stride = network.TotalStride();
  if (size.height % stride != 0 || size.width % stride != 0) {
    throw std::invalid_argument("input size " + size.ToString() +
                                " is not a multiple of the network's stride " +
                                std::to_string(stride) + " on both sides");
  }
  torch::NoGradGuard no_grad;
  const bool training = network.is_training();
  network.eval();
  Capture capture;
  for (const std::string& name : network.LayerNames()) capture.wanted.insert(name);
  network.Forward(torch::zeros({1, network.config().in_channels, size.height, size.width}),
                  &capture);
  network.train(training);
  std::vector<LayerInfo> layers;
  for (const std::string& name : network.LayerNames()) {
    const torch::Tensor& t = capture.values.at(name);
    layers.push_back({name, static_cast<int>(t.size(1)), static_cast<int>(t.size(2)),
                      static_cast<int>(t.size(3)), static_cast<int>(size.height / t.size(2))});
  }
  return layers;
}

void SaveNetwork(Network& network, const std::string& path) {
  torch::serialize::OutputArchive archive;
  archive.write("config", c10::IValue(network.config().ToJson().dump()));
  torch::serialize::OutputArchive weights;
  for (const auto& item : network.named_parameters())
    weights.write(item.key(), item.value().detach().to(torch::kHalf));
  for (const auto& item : network.named_buffers()) {
    const torch::Tensor& t = item.value();
    weights.write(item.key(), t.is_floating_point() ? t.to(torch::kHalf) : t, /*is_buffer=*/true);
  }
  archive.write("weights", weights);
  std::ostringstream bytes;
  archive.save_to(bytes);
  WriteFileAtomically(path, bytes.str());
}

std::shared_ptr<Network> LoadNetwork(const std::string& path,
                                     std::optional<Architecture> expected) {
  torch::serialize::InputArchive archive;
  NetworkConfig config;
  try {
    CheckZipFile(path);
    archive.load_from(path);
    c10::IValue text;
    archive.read("config", text);
    const nlohmann::json json = nlohmann::json::parse(text.toStringRef());
    if (json.value("format", "") != "compnn-network-1") throw std::runtime_error("unknown format");
    config = NetworkConfig::FromJson(json);
    config.Check();
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (why.rfind(path + ": ", 0) == 0) why = why.substr(path.size() + 2);  // CheckZipFile's
    why = why.substr(0, why.find('\n'));
    throw std::runtime_error(path + ": not a compnn model file, or truncated (" + why + ")");
  }
  COMPNN_CHECK(!expected || config.arch == *expected, path, ": holds a ", ToString(config.arch),
               " network, not a ", ToString(expected.value_or(config.arch)), " one");
  std::shared_ptr<Network> network = MakeNetwork(config);
  try {
    torch::serialize::InputArchive weights;
    archive.read("weights", weights);
    torch::NoGradGuard no_grad;
    for (auto& item : network->named_parameters()) {
      torch::Tensor t;
      weights.read(item.key(), t);
      COMPNN_CHECK(t.sizes() == item.value().sizes(), "shape of ", item.key(), " differs");
      item.value().copy_(t.to(torch::kFloat));
    }
    for (auto& item : network->named_buffers()) {
      torch::Tensor t;
      weights.read(item.key(), t, /*is_buffer=*/true);
      item.value().copy_(t.to(item.value().dtype()));
    }
  } catch (const std::exception& e) {
    std::string why = e.what();
    why = why.substr(0, why.find('\n'));
    throw std::runtime_error(path + ": weights do not match its " + ToString(config.arch) +
                             " configuration (" + why + ")");
  }
  network->eval();
  return network;
}

void UseAllCores(int threads) {
  // OpenMP's default team: every core, or the share of them that compnn-full gives each of
  // several ranks on one machine (or OMP_NUM_THREADS).
  torch::set_num_threads(threads > 0 ? threads : std::max(1, omp_get_max_threads()));
}

}  // namespace compnn
