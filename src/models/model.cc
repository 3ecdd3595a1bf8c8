#include "compnn/models/model.h"

#include <torch/torch.h>

#include "compnn/core/check.h"
#include "compnn/core/layer_choice.h"
#include "compnn/core/strings.h"
#include "compnn/models/network.h"
#include "compnn/models/prediction.h"
#include "compnn/models/torchscript.h"
#include "training_data.h"

namespace compnn {

void ModelSpec::Check() const {
  COMPNN_CHECK_OPTION(!path.empty(), "path", "is empty: name a model file");
  CheckImageSize(size, "size");
  if (normalisation) {
    for (float s : normalisation->std)
      COMPNN_CHECK_OPTION(s > 0, "std", "must be positive for every channel, got ", s);
  }
}

std::unique_ptr<Model> Model::Open(const ModelSpec& spec) {
  spec.Check();
  std::unique_ptr<Model> m(new Model());
  m->path_ = spec.path;
  if (IsTorchScriptPath(spec.path)) {
    m->script_ = std::make_shared<ScriptModel>(spec.path);
    m->arch_ = Architecture::kTorchScript;
    m->direction_ = spec.direction;
    COMPNN_CHECK_OPTION(spec.size, "size", "is not given, and ", spec.path,
                        " (TorchScript) records no input size: give one");
    m->size_ = *spec.size;
    m->pixels_ = {spec.input_range, spec.normalisation, spec.output, spec.output_kind};
    m->script_->SelectOutput(spec.output);
    return m;
  }
  // compnn's networks are fully convolutional: they run at another size than they trained at.
  return Wrap(LoadNetwork(spec.path), spec.path, spec.size);
}

std::unique_ptr<Model> Model::Wrap(std::shared_ptr<Network> network, std::string path,
                                   std::optional<ImageSize> size) {
  std::unique_ptr<Model> m(new Model());
  m->path_ = std::move(path);
  m->network_ = std::move(network);
  m->network_->eval();
  m->arch_ = m->network_->config().arch;
  m->direction_ = ModelDirection(*m->network_);
  m->size_ = size.value_or(m->network_->config().size);
  return m;
}

Model::~Model() = default;

const std::vector<LayerInfo>& Model::layers() {
  if (layers_.empty()) layers_ = LayersAt(size_);
  return layers_;
}

std::vector<LayerInfo> Model::LayersAt(const ImageSize& size) {
  return script_ ? script_->ListLayers(size) : ListLayers(*network_, size);
}

const LayerInfo& Model::layer(const std::string& name) {
  const auto named = [&](const LayerInfo& l) { return l.name == name; };
  const auto found = std::find_if(layers().begin(), layers().end(), named);
  if (found != layers().end()) return *found;
  const auto measured = std::find_if(inputs_.begin(), inputs_.end(), named);
  if (measured != inputs_.end()) return *measured;
  if (script_ && name.ends_with(":input")) {
    Capture probe;
    probe.wanted = {name};
    torch::NoGradGuard no_grad;
    Forward(torch::zeros({1, 3, size_.height, size_.width}), &probe);
    const torch::Tensor& t = probe.values.at(name);
    COMPNN_CHECK(t.dim() == 4, path_, ": ", name, " is not a 4-D tensor");
    const int height = static_cast<int>(t.size(2));
    inputs_.push_back({name, static_cast<int>(t.size(1)), height, static_cast<int>(t.size(3)),
                       std::max(1, size_.height / height)});
    return inputs_.back();
  }
  std::vector<std::string> have;
  for (const LayerInfo& l : layers()) have.push_back(l.name);
  throw std::runtime_error(
      Concat(path_, ": no layer named '", name, "' (it has ", Join(have), ")"));
}

std::vector<std::string> Model::Uncapturable() const {
  std::vector<std::string> reasons;
  if (!script_) return reasons;
  for (const std::string& name : script_->SubmoduleNames()) {
    const std::string why = script_->WhyNotCapturable(name);
    if (!why.empty()) reasons.push_back(why);
  }
  return reasons;
}

std::string Model::training_data() const {
  return network_ ? network_->config().extra.value("dataset", std::string()) : "";
}

std::string Model::DefaultGlobalLayer() {
  // The bottleneck of the whole forward pass, whichever layers are stored: one rule for compnn's
  // networks (their deepest encoder), TorchScript models, imported activations and Python hooks.
  std::vector<LayerShape> shapes;
  for (const LayerInfo& l : layers()) {
    if (l.name != "output") shapes.push_back({l.name, l.height, l.width, l.stride});
  }
  return Bottleneck(shapes);
}

void ReadScriptSpec(const nlohmann::json& m, const std::string& path, ModelSpec& spec) {
  const NetworkPixels pixels = NetworkPixels::FromRecord(m, path);
  spec.input_range = pixels.input_range;
  spec.normalisation = pixels.normalisation;
  spec.output = pixels.output;
  spec.output_kind = pixels.output_kind;
}

torch::Tensor Model::Prepare(const cv::Mat& image, bool labels) const {
  return models::ImageToTensor(image, size_, labels, pixels_);
}

torch::Tensor Model::Forward(const torch::Tensor& x, Capture* capture) {
  return script_ ? script_->Forward(x, capture) : network_->Forward(x, capture);
}

cv::Mat Model::OutputImage(const torch::Tensor& chw, const Palette* palette) const {
  COMPNN_CHECK(chw.dim() == 3, path_, ": an output of ", chw.dim(), " dimensions, not C x H x W");
  const torch::Tensor values = chw.detach().to(torch::kFloat).contiguous();
  return compnn::OutputImage(values.data_ptr<float>(), static_cast<int>(values.size(0)),
                             static_cast<int>(values.size(1)), static_cast<int>(values.size(2)),
                             OutputsClasses() ? OutputKind::kLogits : OutputKind::kImage, pixels_,
                             palette, path_);
}

}  // namespace compnn
