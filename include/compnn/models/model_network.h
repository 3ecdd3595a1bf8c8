// compnn's own models and TorchScript files as the pipeline's QueryNetwork, and an Explainer over
// a model file and its feature store.
#pragma once

#include <memory>
#include <string>

#include "compnn/models/model.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/pipeline/query_network.h"

namespace compnn {

class ModelNetwork : public QueryNetwork {
 public:
  explicit ModelNetwork(std::unique_ptr<Model> model) : model_(std::move(model)) {}

  std::string name() const override { return model_->path(); }
  Direction direction() const override { return model_->direction(); }
  ImageSize input_size() const override { return model_->size(); }
  bool OutputsClasses() const override { return model_->OutputsClasses(); }
  bool HasLayer(const std::string& layer) override;
  QueryRun Run(const cv::Mat& input, bool input_is_labels, const Palette* palette,
               const std::set<std::string>& layers) override;
  // compnn's own networks, reloaded from the model file; null for TorchScript.
  std::unique_ptr<RandomisableNetwork> RandomisableCopy(std::uint64_t seed) override;

 private:
  std::unique_ptr<Model> model_;
};

// Opens `model` (compnn's own, or TorchScript with the input size, direction and input range the
// store records) to explain from the store at `store`, with the dataset `data` (see Explainer).
// Uses every core for LibTorch. Throws std::runtime_error when the store was built from another
// model file (checksums differ), or for a model or store that cannot be read.
std::unique_ptr<Explainer> OpenExplainer(const std::string& model, const std::string& store,
                                         const std::string& data = "");

}  // namespace compnn
