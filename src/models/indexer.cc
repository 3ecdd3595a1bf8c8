#include "compnn/models/indexer.h"

#include <algorithm>
#include <filesystem>
#include <future>
#include <memory>

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/thread_limit.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/model.h"
#include "compnn/models/network.h"
#include "compnn/models/torchscript.h"
#include "compnn/store/feature_store.h"

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
  cv::Mat bgr = ResizeForModel(model.OutputImage(chw, palette), size, labels);
  if (labels) bgr = palette->Colourise(palette->Classes(bgr, true, "network output"));
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace

void IndexDataset(const IndexOptions& o, const Ranks& ranks) {
  o.Check();
  UseAllCores(o.threads);
  const Dataset dataset = Dataset::Open(o.data);
  // A TorchScript model runs at the dataset's own size unless told otherwise, a model file at its
  // training size.
  std::optional<ImageSize> size_asked = o.size;
  if (!size_asked && IsTorchScriptPath(o.model)) size_asked = dataset.ImageSizeOf(o.split);
  std::unique_ptr<Model> model = Model::Open(
      {o.model, size_asked, o.direction, o.input_range, o.normalisation, o.output, o.output_kind});
  const Direction direction = model->direction();
  const bool input_is_labels = dataset.input_is_labels(direction);
  const bool target_is_labels = dataset.target_is_labels(direction);
  const ImageSize size = model->size();

  std::vector<std::string> names = o.layers;
  if (names.empty()) {
    for (const LayerInfo& l : model->layers()) names.push_back(l.name);
  }
  StoreManifest plan;
  const auto add_layer = [&](const std::string& name) {
    const LayerInfo& info = model->layer(name);
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
  plan.global_layer = o.global_layer.empty() ? model->DefaultGlobalLayer() : o.global_layer;
  if (std::none_of(plan.layers.begin(), plan.layers.end(),
                   [&](const StoreLayer& l) { return l.name == plan.global_layer; })) {
    add_layer(plan.global_layer);
  }
  // Stored in forward order (NAME:input just before NAME), so that default layers, which follow
  // the network's geometry, can be chosen from the store alone.
  const auto rank = [&](const std::string& name) {
    const bool input = name.ends_with(":input");
    const std::string module = input ? name.substr(0, name.size() - 6) : name;
    const auto& all = model->layers();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const LayerInfo& l) { return l.name == module; });
    return 2 * static_cast<int>(it - all.begin()) - (input ? 1 : 0);
  };
  std::stable_sort(
      plan.layers.begin(), plan.layers.end(),
      [&](const StoreLayer& a, const StoreLayer& b) { return rank(a.name) < rank(b.name); });
  plan.images = dataset.Names(o.split);
  plan.input_size = size;
  plan.model = {{"file", std::filesystem::absolute(o.model).string()},
                {"checksum", FileChecksum(o.model)},
                {"arch", ToString(model->arch())}};
  if (model->arch() == Architecture::kTorchScript) RecordScriptSpec(*model, plan.model);
  plan.dataset = {{"dir", std::filesystem::absolute(o.data).string()},
                  {"split", o.split},
                  {"direction", ToString(direction)}};

  if (o.keep_pixels) {
    plan.pixels = {{"inputs", input_is_labels, "inputs.npy", ""},
                   {"targets", target_is_labels, "targets.npy", ""}};
  }
  if (o.keep_predictions)
    plan.pixels.push_back({"predictions", target_is_labels, "predictions.npy", ""});
  const Palette* palette = dataset.has_labels() ? &dataset.palette() : nullptr;
  if (!plan.pixels.empty() && palette) {
    plan.palette = {{"classes", palette->ToJson()}, {"ignore", palette->IgnoreJson()}};
  }

  const int n = static_cast<int>(plan.images.size());
  // This rank's run of whole batches (all of them, alone).
  const IndexRange batches = ShardOf((n + o.batch - 1) / o.batch, ranks.rank(), ranks.size());
  const IndexRange run{std::min(n, batches.begin * o.batch), std::min(n, batches.end * o.batch)};
  StoreWriter writer(o.out, plan, o.overwrite, ranks, run);
  const int end = run.end;
  Capture capture;
  for (const StoreLayer& l : plan.layers) capture.wanted.insert(l.name);
  torch::NoGradGuard no_grad;
  // Decoding and resizing the next batch's PNGs overlaps the network's pass over this one.
  struct Batch {
    std::vector<cv::Mat> inputs;                   // BGR, as the model takes them
    std::vector<cv::Mat> rgb_inputs, rgb_targets;  // RGB, as the store keeps them
  };
  auto read_batch = [&](int start) {
    Batch batch;
    for (int i = start; i < std::min(end, start + o.batch); ++i) {
      const ImagePair pair = dataset.Read(o.split, plan.images[i]);
      batch.inputs.push_back(ResizeForModel(InputOf(pair, direction), size, input_is_labels));
      if (!o.keep_pixels) continue;
      const cv::Mat target = ResizeForModel(TargetOf(pair, direction), size, target_is_labels);
      batch.rgb_inputs.emplace_back();
      batch.rgb_targets.emplace_back();
      cv::cvtColor(batch.inputs.back(), batch.rgb_inputs.back(), cv::COLOR_BGR2RGB);
      cv::cvtColor(target, batch.rgb_targets.back(), cv::COLOR_BGR2RGB);
    }
    return batch;
  };
  struct WrittenBatch {
    int start = 0, count = 0;
    std::map<std::string, torch::Tensor> maps;  // channels last, one per layer
    Batch pixels;
    std::vector<cv::Mat> predictions;
  };
  auto write_batch = [&](std::shared_ptr<WrittenBatch> b) {
    for (int j = 0; j < b->count; ++j) {
      std::map<std::string, const float*> maps;
      for (const StoreLayer& l : plan.layers) {
        maps[l.name] = b->maps.at(l.name).data_ptr<float>() +
                       static_cast<std::int64_t>(j) * l.height * l.width * l.depth;
      }
      std::map<std::string, const std::uint8_t*> pixels;
      if (o.keep_pixels) {
        pixels["inputs"] = b->pixels.rgb_inputs[j].ptr<std::uint8_t>();
        pixels["targets"] = b->pixels.rgb_targets[j].ptr<std::uint8_t>();
      }
      if (o.keep_predictions) pixels["predictions"] = b->predictions[j].ptr<std::uint8_t>();
      writer.Write(b->start + j, maps, maps.at(plan.global_layer), pixels);
    }
    if (o.progress) o.progress(b->start + b->count - run.begin, run.size());
  };
  std::future<void> writing;
  std::future<Batch> next;
  if (writer.next_image() < end)
    next = std::async(std::launch::async, read_batch, writer.next_image());
  for (int start = writer.next_image(); start < end; start += o.batch) {
    const int count = std::min(o.batch, end - start);
    Batch batch = next.get();
    if (start + o.batch < end) next = std::async(std::launch::async, read_batch, start + o.batch);
    std::vector<torch::Tensor> inputs;
    for (const cv::Mat& image : batch.inputs) {
      inputs.push_back(model->Prepare(image, input_is_labels));
    }
    capture.values.clear();
    const torch::Tensor outputs = model->Forward(torch::stack(inputs), &capture);
    std::vector<cv::Mat> predictions;
    if (o.keep_predictions) {
      for (int j = 0; j < count; ++j) {
        COMPNN_CHECK(torch::isfinite(outputs[j]).all().item<bool>(), "image ",
                     plan.images[start + j], ": the network's output holds NaN or infinite values");
      }
      for (int j = 0; j < count; ++j)
        predictions.push_back(
            PredictionPixels(*model, outputs[j], palette, target_is_labels, size));
    }
    // Written on a thread of its own while the network runs on the next batch: float16
    // conversion, checksums and the periodic syncs no longer wait for the forward pass, nor it
    // for them. One batch is in flight at a time, so images reach the store in order.
    auto written = std::make_shared<WrittenBatch>();
    written->start = start;
    written->count = count;
    for (const StoreLayer& l : plan.layers)
      written->maps[l.name] = capture.values.at(l.name).permute({0, 2, 3, 1}).contiguous();
    written->pixels = std::move(batch);
    written->predictions = std::move(predictions);
    if (writing.valid()) writing.get();
    writing = std::async(std::launch::async, write_batch, std::move(written));
  }
  if (writing.valid()) writing.get();
  writer.Commit();
}

}  // namespace compnn
