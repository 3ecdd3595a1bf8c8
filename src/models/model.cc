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
    m->input_range_ = spec.input_range;
    m->normalisation_ = spec.normalisation;
    m->output_ = spec.output;
    m->output_kind_ = spec.output_kind;
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

void RecordScriptSpec(const Model& model, nlohmann::json& m) {
  m["input_range"] = ToString(model.input_range());
  if (model.normalisation()) {
    m["mean"] = model.normalisation()->mean;
    m["std"] = model.normalisation()->std;
  }
  if (!model.output().empty()) m["output"] = model.output();
  m["output_kind"] = ToString(model.output_kind());
}

void ReadScriptSpec(const nlohmann::json& m, const std::string& path, ModelSpec& spec) {
  try {
    spec.input_range =
        ParseName(InputRangeNames(), m.value("input_range", std::string("-1,1")), "input_range");
    if (m.contains("mean") || m.contains("std")) {
      spec.normalisation = InputNormalisation{m.at("mean").get<std::array<float, 3>>(),
                                              m.at("std").get<std::array<float, 3>>()};
    }
    spec.output = m.value("output", std::string());
    spec.output_kind =
        ParseName(OutputKindNames(), m.value("output_kind", std::string("image")), "output_kind");
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": the model's record is unreadable: " + e.what());
  }
}

torch::Tensor Model::Prepare(const cv::Mat& image, bool labels) const {
  const torch::Tensor x = models::ImageToTensor(image, size_, labels);
  if (normalisation_) {
    const auto& n = *normalisation_;
    const torch::Tensor mean = torch::tensor({n.mean[0], n.mean[1], n.mean[2]}).view({3, 1, 1});
    const torch::Tensor std = torch::tensor({n.std[0], n.std[1], n.std[2]}).view({3, 1, 1});
    return ((x + 1) / 2 - mean) / std;
  }
  return input_range_ == InputRange::kZeroToOne ? (x + 1) / 2 : x;
}

torch::Tensor Model::Forward(const torch::Tensor& x, Capture* capture) {
  return script_ ? script_->Forward(x, capture) : network_->Forward(x, capture);
}

cv::Mat Model::OutputImage(const torch::Tensor& chw, const Palette* palette) const {
  if (!OutputsClasses()) {
    COMPNN_CHECK(chw.size(0) == 3, path_, ": the output has ", chw.size(0),
                 " channels, not an RGB image (class scores? set the output kind to logits)");
    if (normalisation_) return models::TensorToImage(chw * 2 - 1);  // an image in 0..1
    return models::TensorToImage(input_range_ == InputRange::kZeroToOne ? chw * 2 - 1 : chw);
  }
  if (!palette)
    throw std::runtime_error("a segmentation network's output needs the dataset's palette");
  COMPNN_CHECK(chw.size(0) == palette->size(), path_, ": the output has ", chw.size(0),
               " class scores per pixel, but the dataset has ", palette->size(), " classes");
  const torch::Tensor ids = chw.argmax(0).to(torch::kUInt8).contiguous();
  return palette->Colourise(cv::Mat(static_cast<int>(ids.size(0)), static_cast<int>(ids.size(1)),
                                    CV_8U, ids.data_ptr<uint8_t>()));
}

}  // namespace compnn
