#include "compnn/indexer.h"

#include <filesystem>

#include "compnn/dataset.h"
#include "compnn/feature_store.h"
#include "compnn/network.h"
#include "compnn/prediction.h"
#include "training_data.h"

namespace compnn {

void IndexDataset(const IndexOptions& o) {
  UseAllCores();
  std::shared_ptr<Network> network = LoadNetwork(o.model);
  const Dataset dataset = Dataset::Open(o.data);
  const Direction direction = ModelDirection(*network);
  const bool input_is_labels = dataset.input_is_labels(direction);
  const int size = network->config().size;

  const std::vector<LayerInfo> all = ListLayers(*network, size);
  std::vector<std::string> names = o.layers;
  if (names.empty()) {
    for (const LayerInfo& l : all) names.push_back(l.name);
  }
  StoreManifest plan;
  for (const std::string& name : names) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const LayerInfo& l) { return l.name == name; });
    if (it == all.end()) {
      std::string have;
      for (const LayerInfo& l : all) have += (have.empty() ? "" : ", ") + l.name;
      throw std::runtime_error(o.model + ": no layer named '" + name + "' (it has " + have + ")");
    }
    StoreLayer layer;
    layer.name = it->name;
    layer.height = it->height;
    layer.width = it->width;
    layer.depth = it->channels;
    layer.stride = it->stride;
    layer.dtype = o.dtype;
    layer.file = it->name + ".npy";
    plan.layers.push_back(layer);
  }
  if (o.global_layer.empty()) {
    for (const LayerInfo& l : all) {
      if (l.name.starts_with("encoder")) plan.global_layer = l.name;  // the last one is the deepest
    }
  } else {
    plan.global_layer = o.global_layer;
  }
  if (std::none_of(plan.layers.begin(), plan.layers.end(),
                   [&](const StoreLayer& l) { return l.name == plan.global_layer; })) {
    const auto it = std::find_if(all.begin(), all.end(),
                                 [&](const LayerInfo& l) { return l.name == plan.global_layer; });
    if (it == all.end())
      throw std::runtime_error(o.model + ": no layer named '" + plan.global_layer +
                               "' for --global");
    plan.layers.push_back({it->name,
                           it->height,
                           it->width,
                           it->channels,
                           it->stride,
                           {},
                           o.dtype,
                           it->name + ".npy",
                           ""});
  }
  plan.images = dataset.Names(o.split);
  plan.input_size = size;
  plan.model = {{"file", std::filesystem::absolute(o.model).string()},
                {"checksum", FileChecksum(o.model)},
                {"arch", network->config().arch}};
  plan.dataset = {{"dir", std::filesystem::absolute(o.data).string()},
                  {"split", o.split},
                  {"direction", direction == Direction::kAtoB ? "AtoB" : "BtoA"}};

  StoreWriter writer(o.out, plan, o.overwrite);
  const int n = static_cast<int>(plan.images.size());
  Capture capture;
  for (const StoreLayer& l : plan.layers) capture.wanted.insert(l.name);
  torch::NoGradGuard no_grad;
  network->eval();
  for (int start = writer.next_image(); start < n; start += o.batch) {
    const int count = std::min(o.batch, n - start);
    std::vector<torch::Tensor> inputs;
    for (int i = start; i < start + count; ++i) {
      const ImagePair pair = dataset.Read(o.split, plan.images[i]);
      inputs.push_back(models::ImageToTensor(InputOf(pair, direction), size, input_is_labels));
    }
    capture.values.clear();
    network->Forward(torch::stack(inputs), &capture);
    std::map<std::string, torch::Tensor> channels_last;
    for (const StoreLayer& l : plan.layers)
      channels_last[l.name] = capture.values.at(l.name).permute({0, 2, 3, 1}).contiguous();
    for (int j = 0; j < count; ++j) {
      std::map<std::string, const float*> maps;
      for (const StoreLayer& l : plan.layers) {
        maps[l.name] = channels_last[l.name].data_ptr<float>() +
                       static_cast<std::int64_t>(j) * l.height * l.width * l.depth;
      }
      writer.Write(start + j, maps, maps.at(plan.global_layer));
    }
    if (o.progress) o.progress(start + count, n);
  }
  writer.Commit();
}

}  // namespace compnn
