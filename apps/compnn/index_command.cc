// compnn index: feature stores from a model and a dataset split, or from saved .npy activations;
// compnn verify: a store's full checksums.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "compnn/feature_store.h"
#include "compnn/importer.h"
#include "progress_bar.h"
#ifdef COMPNN_WITH_TORCH
#include "compnn/indexer.h"
#endif

namespace compnn::cli {
namespace {

struct IndexCommandOptions {
  std::string model, data, split = "train", out, import_dir, names, global, dtype = "f16";
  std::string layers = "all", direction = "AtoB", input_range = "-1,1";
  int batch = 8, input_size = 0, size = 256;
  bool channels_first = false, overwrite = false;
};

#ifdef COMPNN_WITH_TORCH
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  if (text == "all") return items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}
#endif

void RunIndex(const IndexCommandOptions& o) {
  const DType dtype = o.dtype == "f16" ? DType::kFloat16 : DType::kFloat32;
  if (!o.import_dir.empty()) {
    ImportOptions import;
    import.dir = o.import_dir;
    import.names = o.names;
    import.out = o.out;
    import.channels_first = o.channels_first;
    import.dtype = dtype;
    import.input_size = o.input_size;
    import.global_layer = o.global;
    import.overwrite = o.overwrite;
    ImportActivations(import);
  } else {
#ifdef COMPNN_WITH_TORCH
    if (o.model.empty() || o.data.empty())
      throw std::runtime_error("index needs --model and --data, or --import");
    IndexOptions index;
    index.model = o.model;
    index.data = o.data;
    index.split = o.split;
    index.out = o.out;
    index.layers = SplitList(o.layers);
    index.global_layer = o.global;
    index.dtype = dtype;
    index.batch = o.batch;
    index.overwrite = o.overwrite;
    index.size = o.size;
    index.direction = o.direction;
    index.input_range = o.input_range;
    std::unique_ptr<ProgressBar> bar;
    index.progress = [&bar](int done, int total) {
      if (!bar) bar = std::make_unique<ProgressBar>("indexing", total);
      bar->Update(done);
    };
    IndexDataset(index);
    if (bar) bar->Finish();
#else
    throw std::runtime_error("this compnn was built without LibTorch: only --import is available");
#endif
  }
  const FeatureStore store = FeatureStore::Open(o.out);
  std::printf("wrote %s: %d images, layers", o.out.c_str(), store.size());
  for (const StoreLayer& l : store.manifest().layers)
    std::printf(" %s (%dx%dx%d)", l.name.c_str(), l.height, l.width, l.depth);
  std::printf("\n");
}

}  // namespace

void AddIndexCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<IndexCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "index",
      "Build a feature store: a model's activations over a dataset split (--model, --data), or\n"
      "activations saved by another tool as one .npy per layer (--import).");
  cmd->add_option("--out", o->out, "store folder (written whole; an interrupted run resumes)")
      ->required();
  cmd->add_option("--model", o->model,
                  "model file written by compnn train, or a TorchScript file (.pt, .pth)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "dataset folder")->check(CLI::ExistingDirectory);
  cmd->add_option("--split", o->split)->capture_default_str();
  cmd->add_option("--layers", o->layers,
                  "comma-separated layer names, or all; TorchScript: submodule names as compnn "
                  "layers lists them, NAME:input for the tensor entering NAME")
      ->capture_default_str();
  cmd->add_option("--size", o->size, "TorchScript: input image side")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  cmd->add_option("--direction", o->direction, "TorchScript: AtoB reads A, BtoA reads B")
      ->check(CLI::IsMember({"AtoB", "BtoA"}))
      ->capture_default_str();
  cmd->add_option("--input-range", o->input_range,
                  "TorchScript: pixel range the model expects: -1,1 (pix2pix) or 0,1")
      ->check(CLI::IsMember({"-1,1", "0,1"}))
      ->capture_default_str();
  cmd->add_option(
      "--global", o->global,
      "layer whose flattened tensor is the global descriptor (default: the bottleneck)");
  cmd->add_option("--dtype", o->dtype, "f16 or f32")
      ->check(CLI::IsMember({"f16", "f32"}))
      ->capture_default_str();
  cmd->add_option("--batch", o->batch)->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--import", o->import_dir, "folder of LAYER.npy files, (N, H, W, D) float32")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--names", o->names,
                  "--import: image names, one per line (default DIR/names.txt)");
  cmd->add_flag("--channels-first", o->channels_first, "--import: arrays are (N, D, H, W)");
  cmd->add_option("--input-size", o->input_size,
                  "--import: input image side, for strides (default: the largest map's side)");
  cmd->add_flag("--overwrite", o->overwrite, "replace an existing store");
  cmd->callback([&run, o] { run = [o] { RunIndex(*o); }; });

  auto dir = std::make_shared<std::string>();
  CLI::App* verify = app.add_subcommand(
      "verify", "Check a feature store: shapes, sizes and every file's checksum.");
  verify->add_option("STORE", *dir, "store folder")->required();
  verify->callback([&run, dir] {
    run = [dir] {
      const FeatureStore store = FeatureStore::Open(*dir);
      store.Verify();
      std::printf("%s: %d images, %zu layers, all checksums match\n", dir->c_str(), store.size(),
                  store.manifest().layers.size());
    };
  });
}

}  // namespace compnn::cli
