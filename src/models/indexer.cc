#include "compnn/models/indexer.h"

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <memory>

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/layer_choice.h"
#include "compnn/core/thread_limit.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/model.h"
#include "compnn/models/network.h"
#include "compnn/models/torchscript.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/store_plan.h"

namespace compnn {

void IndexOptions::Check() const {
  COMPNN_CHECK_OPTION(!model.empty(), "model", "is empty: name a model file");
  COMPNN_CHECK_OPTION(!data.empty(), "data", "is empty: name a dataset folder");
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the store folder to write");
  COMPNN_CHECK_OPTION(!split.empty(), "split", "is empty");
  COMPNN_CHECK_OPTION(batch >= 1, "batch", "must be positive, got ", batch);
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
  CheckImageSize(size, "size");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    COMPNN_CHECK_OPTION(
        std::find(layers.begin(), layers.begin() + i, layers[i]) == layers.begin() + i, "layers",
        "names ", layers[i], " twice");
  }
}

namespace {

// The network's output on one training image as the store keeps it: RGB at the input size; for
// label targets, read as classes the way eval reads the network's output (a label image pix2pix
// paints is snapped to the nearest palette colours), so that reconstructions vote classes.
// (Averaging the painted colours first and reading classes afterwards agreed less with the
// network: the mean of two class colours is often a third class's.)
cv::Mat PredictionPixels(Model& model, const torch::Tensor& chw, const Palette* palette,
                         bool labels, const ImageSize& size) {
  cv::Mat rgb;
  cv::cvtColor(StoredPrediction(model.OutputImage(chw, palette), size, labels, palette), rgb,
               cv::COLOR_BGR2RGB);
  return rgb;
}

// A TorchScript model runs at the dataset's own size unless told otherwise, a model file at its
// training size.
std::unique_ptr<Model> OpenModel(const IndexOptions& o, const Dataset& dataset) {
  std::optional<ImageSize> size_asked = o.size;
  if (!size_asked && IsTorchScriptPath(o.model)) size_asked = dataset.ImageSizeOf(o.split);
  return Model::Open(
      {o.model, size_asked, o.direction, o.input_range, o.normalisation, o.output, o.output_kind});
}

// The store's manifest before its images are written: the layers asked for (all by default) and
// the global one, in forward order, with the model's, the dataset's and the pixels' records.
StoreManifest PlanIndex(const IndexOptions& o, Model& model, const Dataset& dataset) {
  const Direction direction = model.direction();
  std::vector<std::string> names = o.layers;
  if (names.empty()) {
    for (const LayerInfo& l : model.layers()) names.push_back(l.name);
  }
  StoreManifest plan;
  const auto add_layer = [&](const std::string& name) {
    const LayerInfo& info = model.layer(name);
    StoreLayer layer;
    layer.name = info.name;
    layer.height = info.height;
    layer.width = info.width;
    layer.depth = info.channels;
    layer.stride = info.stride;
    layer.dtype = o.dtype;
    layer.file = LayerFileName(info.name);
    plan.layers.push_back(layer);
  };
  for (const std::string& name : names) add_layer(name);
  plan.global_layer = o.global_layer.empty() ? model.DefaultGlobalLayer() : o.global_layer;
  if (std::none_of(plan.layers.begin(), plan.layers.end(),
                   [&](const StoreLayer& l) { return l.name == plan.global_layer; })) {
    add_layer(plan.global_layer);
  }
  // Stored in forward order (NAME:input just before NAME), so that default layers, which follow
  // the network's geometry, can be chosen from the store alone.
  std::vector<std::string> modules, names_given;
  for (const LayerInfo& l : model.layers()) modules.push_back(l.name);
  for (const StoreLayer& l : plan.layers) names_given.push_back(l.name);
  std::map<std::string, StoreLayer> by_name;
  for (StoreLayer& l : plan.layers) by_name.emplace(l.name, std::move(l));
  plan.layers.clear();
  for (const std::string& name : InForwardOrder(names_given, modules))
    plan.layers.push_back(std::move(by_name.at(name)));
  plan.images = dataset.Names(o.split);
  plan.input_size = model.size();
  plan.model = {{"file", std::filesystem::absolute(o.model).string()},
                {"checksum", FileChecksum(o.model)},
                {"arch", ToString(model.arch())}};
  if (model.arch() == Architecture::kTorchScript) model.pixels().Record(plan.model);
  plan.dataset = {{"dir", std::filesystem::absolute(o.data).string()},
                  {"split", o.split},
                  {"direction", ToString(direction)}};
  const bool input_is_labels = dataset.input_is_labels(direction);
  const bool target_is_labels = dataset.target_is_labels(direction);
  plan.pixels = PlanKeptPixels(o.keep_pixels, o.keep_predictions, /*has_dataset=*/true,
                               input_is_labels, target_is_labels);
  if (!plan.pixels.empty() && dataset.has_labels()) {
    plan.palette = {{"classes", dataset.palette().ToJson()},
                    {"ignore", dataset.palette().IgnoreJson()}};
  }
  return plan;
}

// One batch of training pairs: read (on a thread of its own, while the network runs on the
// previous batch), run through the network, then written (on another thread, while the network
// runs on the next).
struct Batch {
  int start = 0, count = 0;
  std::vector<cv::Mat> inputs;                   // BGR, as the model takes them
  std::vector<cv::Mat> rgb_inputs, rgb_targets;  // RGB, as the store keeps them
  std::map<std::string, torch::Tensor> maps;     // channels last, one per layer
  std::vector<cv::Mat> predictions;              // RGB
};

class IndexJob {
 public:
  IndexJob(const IndexOptions& o, const Dataset& dataset, Model& model, const StoreManifest& plan)
      : o_(o),
        dataset_(dataset),
        model_(model),
        plan_(plan),
        direction_(model.direction()),
        input_is_labels_(dataset.input_is_labels(direction_)),
        target_is_labels_(dataset.target_is_labels(direction_)),
        palette_(dataset.has_labels() ? &dataset.palette() : nullptr) {
    for (const StoreLayer& l : plan_.layers) capture_.wanted.insert(l.name);
  }

  Batch Read(int start, int end) const {
    Batch batch;
    batch.start = start;
    batch.count = std::min(o_.batch, end - start);
    for (int i = start; i < start + batch.count; ++i) {
      const ImagePair pair = dataset_.Read(o_.split, plan_.images[i]);
      batch.inputs.push_back(
          ResizeForModel(InputOf(pair, direction_), model_.size(), input_is_labels_));
      if (!o_.keep_pixels) continue;
      const cv::Mat target =
          ResizeForModel(TargetOf(pair, direction_), model_.size(), target_is_labels_);
      batch.rgb_inputs.emplace_back();
      batch.rgb_targets.emplace_back();
      cv::cvtColor(batch.inputs.back(), batch.rgb_inputs.back(), cv::COLOR_BGR2RGB);
      cv::cvtColor(target, batch.rgb_targets.back(), cv::COLOR_BGR2RGB);
    }
    return batch;
  }

  // The layers' maps and, when kept, the network's outputs.
  void Run(Batch& batch) {
    std::vector<torch::Tensor> inputs;
    for (const cv::Mat& image : batch.inputs) {
      inputs.push_back(model_.Prepare(image, input_is_labels_));
    }
    capture_.values.clear();
    const torch::Tensor outputs = model_.Forward(torch::stack(inputs), &capture_);
    if (o_.keep_predictions) {
      for (int j = 0; j < batch.count; ++j) {
        COMPNN_CHECK(torch::isfinite(outputs[j]).all().item<bool>(), "image ",
                     plan_.images[batch.start + j],
                     ": the network's output holds NaN or infinite values");
      }
      for (int j = 0; j < batch.count; ++j)
        batch.predictions.push_back(
            PredictionPixels(model_, outputs[j], palette_, target_is_labels_, model_.size()));
    }
    for (const StoreLayer& l : plan_.layers)
      batch.maps[l.name] = capture_.values.at(l.name).permute({0, 2, 3, 1}).contiguous();
  }

  void Write(const Batch& b, StoreWriter& writer) const {
    for (int j = 0; j < b.count; ++j) {
      std::map<std::string, const float*> maps;
      for (const StoreLayer& l : plan_.layers) {
        maps[l.name] = b.maps.at(l.name).data_ptr<float>() +
                       static_cast<std::int64_t>(j) * l.height * l.width * l.depth;
      }
      std::map<std::string, const std::uint8_t*> pixels;
      if (o_.keep_pixels) {
        pixels["inputs"] = b.rgb_inputs[j].ptr<std::uint8_t>();
        pixels["targets"] = b.rgb_targets[j].ptr<std::uint8_t>();
      }
      if (o_.keep_predictions) pixels["predictions"] = b.predictions[j].ptr<std::uint8_t>();
      writer.Write(b.start + j, maps, maps.at(plan_.global_layer), pixels);
    }
  }

 private:
  const IndexOptions& o_;
  const Dataset& dataset_;
  Model& model_;
  const StoreManifest& plan_;
  const Direction direction_;
  const bool input_is_labels_, target_is_labels_;
  const Palette* palette_;
  Capture capture_;
};

}  // namespace

void IndexDataset(const IndexOptions& o, const Ranks& ranks) {
  o.Check();
  UseAllCores(o.threads);
  const Dataset dataset = Dataset::Open(o.data);
  std::unique_ptr<Model> model = OpenModel(o, dataset);
  const StoreManifest plan = PlanIndex(o, *model, dataset);
  const int n = static_cast<int>(plan.images.size());
  // This rank's run of whole batches (all of them, alone).
  const IndexRange batches = ShardOf((n + o.batch - 1) / o.batch, ranks.rank(), ranks.size());
  const IndexRange run{std::min(n, batches.begin * o.batch), std::min(n, batches.end * o.batch)};
  StoreWriter writer(o.out, plan, o.overwrite, ranks, run);
  IndexJob job(o, dataset, *model, plan);
  torch::NoGradGuard no_grad;
  // Reading the next batch and writing the last overlap the network's pass over this one; one
  // batch is written at a time, so images reach the store in order.
  const auto read = [&](int start) { return job.Read(start, run.end); };
  const auto write = [&](std::shared_ptr<const Batch> b) {
    job.Write(*b, writer);
    if (o.progress) o.progress(b->start + b->count - run.begin, run.size());
  };
  std::future<void> writing;
  std::future<Batch> next;
  if (writer.next_image() < run.end)
    next = std::async(std::launch::async, read, writer.next_image());
  for (int start = writer.next_image(); start < run.end; start += o.batch) {
    auto batch = std::make_shared<Batch>(next.get());
    if (start + o.batch < run.end) next = std::async(std::launch::async, read, start + o.batch);
    job.Run(*batch);
    batch->inputs.clear();
    if (writing.valid()) writing.get();
    writing = std::async(std::launch::async, write, std::shared_ptr<const Batch>(batch));
  }
  if (writing.valid()) writing.get();
  writer.Commit();
}

}  // namespace compnn
