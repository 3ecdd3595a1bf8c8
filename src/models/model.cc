#include "compnn/model.h"

#include "compnn/prediction.h"
#include "compnn/torchscript.h"
#include "training_data.h"

namespace compnn {

std::unique_ptr<Model> Model::Open(const ModelSpec& spec) {
  std::unique_ptr<Model> m(new Model());
  m->path_ = spec.path;
  if (IsTorchScriptPath(spec.path)) {
    if (spec.input_range != "-1,1" && spec.input_range != "0,1")
      throw std::runtime_error("--input-range must be -1,1 or 0,1, got '" + spec.input_range + "'");
    m->script_ = std::make_shared<ScriptModel>(spec.path);
    m->arch_ = "torchscript";
    m->direction_ = ParseDirection(spec.direction);
    m->size_ = spec.size;
    m->input_range_ = spec.input_range;
    return m;
  }
  return Wrap(LoadNetwork(spec.path), spec.path);
}

std::unique_ptr<Model> Model::Wrap(std::shared_ptr<Network> network, std::string path) {
  std::unique_ptr<Model> m(new Model());
  m->path_ = std::move(path);
  m->network_ = std::move(network);
  m->network_->eval();
  m->arch_ = m->network_->config().arch;
  m->direction_ = ModelDirection(*m->network_);
  m->size_ = m->network_->config().size;
  return m;
}

Model::~Model() = default;

const std::vector<LayerInfo>& Model::layers() {
  if (layers_.empty()) {
    layers_ = script_ ? script_->ListLayers(size_) : ListLayers(*network_, size_);
  }
  return layers_;
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
    Forward(torch::zeros({1, 3, size_, size_}), &probe);
    const torch::Tensor& t = probe.values.at(name);
    if (t.dim() != 4) throw std::runtime_error(path_ + ": " + name + " is not a 4-D tensor");
    const int height = static_cast<int>(t.size(2));
    inputs_.push_back({name, static_cast<int>(t.size(1)), height, static_cast<int>(t.size(3)),
                       std::max(1, size_ / height)});
    return inputs_.back();
  }
  std::string have;
  for (const LayerInfo& l : layers()) have += (have.empty() ? "" : ", ") + l.name;
  throw std::runtime_error(path_ + ": no layer named '" + name + "' (it has " + have + ")");
}

std::string Model::training_data() const {
  return network_ ? network_->config().extra.value("dataset", std::string()) : "";
}

std::string Model::DefaultGlobalLayer(const std::vector<std::string>& chosen) {
  std::string global;
  if (network_) {
    for (const LayerInfo& l : layers()) {
      if (l.name.starts_with("encoder")) global = l.name;  // the last is the deepest
    }
    return global;
  }
  int fewest = 1 << 30;
  for (const LayerInfo& l : layers()) {
    const bool in =
        chosen.empty() || std::find(chosen.begin(), chosen.end(), l.name) != chosen.end();
    if (in && l.height * l.width < fewest) {
      fewest = l.height * l.width;
      global = l.name;
    }
  }
  return global;
}

torch::Tensor Model::Prepare(const cv::Mat& image, bool labels) const {
  const torch::Tensor x = models::ImageToTensor(image, size_, labels);
  return input_range_ == "0,1" ? (x + 1) / 2 : x;
}

torch::Tensor Model::Forward(const torch::Tensor& x, Capture* capture) {
  return script_ ? script_->Forward(x, capture) : network_->Forward(x, capture);
}

cv::Mat Model::OutputImage(const torch::Tensor& chw, const Palette* palette) const {
  const bool classes = arch_ == "segnet" || (arch_ == "torchscript" && palette &&
                                             chw.size(0) == palette->size() && chw.size(0) != 3);
  if (!classes) {
    if (chw.size(0) != 3)
      throw std::runtime_error(path_ + ": the output has " + std::to_string(chw.size(0)) +
                               " channels: neither an image nor one per palette class");
    return models::TensorToImage(input_range_ == "0,1" ? chw * 2 - 1 : chw);
  }
  if (!palette)
    throw std::runtime_error("a segmentation network's output needs the dataset's palette");
  const torch::Tensor ids = chw.argmax(0).to(torch::kUInt8).contiguous();
  return palette->Colourise(cv::Mat(static_cast<int>(ids.size(0)), static_cast<int>(ids.size(1)),
                                    CV_8U, ids.data_ptr<uint8_t>()));
}

}  // namespace compnn
