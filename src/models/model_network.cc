#include "compnn/models/model_network.h"

#include "compnn/core/check.h"
#include "compnn/models/prediction.h"

namespace compnn {

bool ModelNetwork::HasLayer(const std::string& layer) {
  for (const LayerInfo& l : model_->layers())
    if (l.name == layer) return true;
  return false;
}

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

Model& ModelOf(Explainer& explainer, const std::string& what) {
  auto* network = dynamic_cast<ModelNetwork*>(&explainer.network());
  COMPNN_CHECK(network != nullptr, what, " needs a compnn model or TorchScript file, not ",
               explainer.network().name());
  return network->model();
}

}  // namespace compnn
