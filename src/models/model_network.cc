#include "compnn/models/model_network.h"

#include <torch/torch.h>

#include <algorithm>

#include "compnn/core/check.h"
#include "compnn/models/network.h"
#include "compnn/models/prediction.h"

namespace compnn {
namespace {

bool HasLayerOf(Model& model, const std::string& layer) {
  for (const LayerInfo& l : model.layers())
    if (l.name == layer) return true;
  return false;
}

// The network's modules in the order cascading randomisation takes them: from the output down.
// Modules named after a layer follow the layers' forward order, reversed; the others (the output
// head, decoder blocks that no layer is named after) come first, last registered first.
std::vector<std::string> CascadeOrderOf(Network& network) {
  std::vector<std::string> children;
  for (const auto& child : network.named_children()) children.push_back(child.key());
  std::vector<std::string> named;
  const std::vector<std::string> layers = network.LayerNames();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (std::find(children.begin(), children.end(), *it) != children.end()) named.push_back(*it);
  std::vector<std::string> order;
  for (auto it = children.rbegin(); it != children.rend(); ++it)
    if (std::find(named.begin(), named.end(), *it) == named.end()) order.push_back(*it);
  order.insert(order.end(), named.begin(), named.end());
  return order;
}

// A compnn network reloaded from its file, randomised in place module by module.
class RandomisedModel : public RandomisableNetwork {
 public:
  RandomisedModel(const Model& trained, std::uint64_t seed)
      : network_(LoadNetwork(trained.path())),
        // At the store's size, as the explainer runs the trained network.
        model_(Model::Wrap(network_, trained.path(), trained.size())) {
    torch::manual_seed(seed);
  }

  std::string name() const override { return model_->path(); }
  Direction direction() const override { return model_->direction(); }
  ImageSize input_size() const override { return model_->size(); }
  bool OutputsClasses() const override { return model_->OutputsClasses(); }
  bool HasLayer(const std::string& layer) override { return HasLayerOf(*model_, layer); }
  QueryRun Run(const cv::Mat& input, bool input_is_labels, const Palette* palette,
               const std::set<std::string>& layers) override {
    return RunQuery(*model_, input, input_is_labels, palette, layers);
  }
  std::vector<std::string> CascadeOrder() override { return CascadeOrderOf(*network_); }

  // Every convolution's weights normal, with the spread of the trained ones; batch normalisation
  // back to its initial state (scale 1, shift 0, running mean 0 and variance 1), since the
  // trained running statistics would mis-scale random convolutions' outputs into constant maps.
  void Randomise(const std::string& module) override {
    torch::NoGradGuard no_grad;
    for (const auto& child : network_->named_children()) {
      if (child.key() != module) continue;
      for (const std::shared_ptr<torch::nn::Module>& m : child.value()->modules()) {
        if (auto* norm = m->as<torch::nn::BatchNorm2dImpl>()) {
          norm->reset_parameters();
          norm->reset_running_stats();
          continue;
        }
        for (torch::Tensor& p : m->parameters(/*recurse=*/false)) {
          const double spread = p.numel() > 1 ? p.std().item<double>() : 0.01;
          p.normal_(0.0, spread > 0 ? spread : 0.01);
        }
      }
    }
  }

 private:
  std::shared_ptr<Network> network_;
  std::unique_ptr<Model> model_;
};

}  // namespace

std::unique_ptr<RandomisableNetwork> ModelNetwork::RandomisableCopy(std::uint64_t seed) {
  if (model_->arch() == Architecture::kTorchScript) return nullptr;
  return std::make_unique<RandomisedModel>(*model_, seed);
}

bool ModelNetwork::HasLayer(const std::string& layer) { return HasLayerOf(*model_, layer); }

QueryRun ModelNetwork::Run(const cv::Mat& input, bool input_is_labels, const Palette* palette,
                           const std::set<std::string>& layers) {
  return RunQuery(*model_, input, input_is_labels, palette, layers);
}

std::unique_ptr<Explainer> OpenExplainer(const std::string& model, const std::string& store,
                                         const std::string& data) {
  UseAllCores();
  FeatureStore opened = FeatureStore::Open(store);
  const StoreManifest& manifest = opened.manifest();
  ModelSpec spec;
  spec.path = model;
  spec.size = manifest.input_size;
  spec.direction = ParseDirection(manifest.dataset.value("direction", std::string("AtoB")));
  ReadScriptSpec(manifest.model, store + "/manifest.json", spec);
  auto network = std::make_unique<ModelNetwork>(Model::Open(spec));
  const std::string built_from = manifest.model.value("checksum", "");
  COMPNN_CHECK(built_from.empty() || built_from == FileChecksum(model), store, " was built from ",
               manifest.model.value("file", std::string("another model")), ", not from ", model,
               " (checksums differ): index the dataset again with this model");
  return std::make_unique<Explainer>(std::move(network), std::move(opened), data);
}

}  // namespace compnn
