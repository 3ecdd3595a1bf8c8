// compnn index: feature stores from a model and a dataset split, or from saved .npy activations.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/importer.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"
#ifdef COMPNN_WITH_TORCH
#include "compnn/models/indexer.h"
#endif

namespace compnn::cli {
namespace {

// The flags bind straight to the library's options: a model's activations (IndexOptions) or
// activations saved by another tool (ImportOptions). Both write a store in `out`.
struct IndexCommandOptions {
  std::string out, global, layers = "all";
  DType dtype = DType::kFloat16;
  bool overwrite = false;
  ImportOptions import;
#ifdef COMPNN_WITH_TORCH
  IndexOptions index;
#endif
};

void RunImport(const IndexCommandOptions& o) {
  ImportOptions import = o.import;
  import.out = o.out;
  import.dtype = o.dtype;
  import.global_layer = o.global;
  import.overwrite = o.overwrite;
  ImportActivations(import);
}

void RunModelIndex(const IndexCommandOptions& o) {
#ifdef COMPNN_WITH_TORCH
  COMPNN_CHECK(!o.index.model.empty() && !o.index.data.empty(),
               "index needs --model and --data, or --import");
  IndexOptions index = o.index;
  index.out = o.out;
  index.dtype = o.dtype;
  index.global_layer = o.global;
  index.overwrite = o.overwrite;
  index.layers = o.layers == "all" ? std::vector<std::string>{} : SplitList(o.layers);
  const Ranks& ranks = ToolRanks();
  LazyProgressBar bar(ranks.size() > 1 ? "indexing (rank 0's images)" : "indexing");
  if (ranks.is_root()) index.progress = bar.Callback();
  IndexDataset(index, ranks);
  bar.Finish();
#else
  (void)o;
  throw std::runtime_error("this compnn was built without LibTorch: only --import is available");
#endif
}

void RunIndex(const IndexCommandOptions& o) {
  const auto start = Clock::now();
  const Ranks& ranks = ToolRanks();
  if (!o.import.dir.empty()) {
    COMPNN_CHECK(ranks.size() == 1, "index --import runs as one process (run it without mpirun)");
    RunImport(o);
  } else {
    RunModelIndex(o);
  }
  // Rank 0 committed the store once every rank had written its images.
  if (!ranks.is_root()) return;
  const double seconds = SecondsSince(start);
  const FeatureStore store = FeatureStore::Open(o.out);
  // The time covers the work (model, images, forward passes, files, checksums), not the start of
  // the process.
  std::printf("wrote %s: %d images in %.2f s (%.1f images/s), layers", o.out.c_str(), store.size(),
              seconds, store.size() / std::max(seconds, 1e-9));
  for (const StoreLayer& l : store.manifest().layers)
    std::printf(" %s (%dx%dx%d)", l.name.c_str(), l.height, l.width, l.depth);
  std::printf("\n");
}

}  // namespace

void AddIndexCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<IndexCommandOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "index");
  cmd->add_option("--out", o->out, "store folder (written whole; an interrupted run resumes)")
      ->required();
#ifdef COMPNN_WITH_TORCH
  cmd->add_option("--model", o->index.model,
                  "model file written by compnn train, or a TorchScript file (.pt, .pth)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o->index.data, "dataset folder")->check(CLI::ExistingDirectory);
  cmd->add_option("--split", o->index.split, "dataset split whose images are indexed")
      ->capture_default_str();
  cmd->add_flag("--no-pixels{false}", o->index.keep_pixels,
                "do not keep the training pairs' pixels in the store (explanations then decode "
                "the dataset's PNGs, and need the dataset)");
  cmd->add_flag("--no-predictions{false}", o->index.keep_predictions,
                "do not keep the network's outputs on the training images (explanations then "
                "have no prediction reconstruction)");
  AddImageSizeOption(
      cmd, "--size", o->index.size,
      "input size HxW or N the network runs at (default: a model file's training "
      "size; TorchScript: the dataset's own); explanations from the store run at it");
  AddEnumOption(cmd, "--direction", o->index.direction, DirectionNames(),
                "TorchScript: AtoB reads A, BtoA reads B");
  AddEnumOption(cmd, "--input-range", o->index.input_range, InputRangeNames(),
                "TorchScript: pixel range the model expects (-1,1 is pix2pix's)");
  AddNormalisationOptions(cmd, o->index.normalisation);
  cmd->add_option("--output", o->index.output,
                  "TorchScript: the key (torchvision: out) or index of the output tensor when "
                  "forward returns a dict or a tuple");
  AddEnumOption(cmd, "--output-kind", o->index.output_kind, OutputKindNames(),
                "TorchScript: image (in the input range) or logits (N x C x H x W class scores in "
                "labels.json's order)");
  cmd->add_option("--threads", o->index.threads,
                  "threads of the forward passes (0: all cores; under mpirun, each rank's share "
                  "of its machine's cores)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--batch", o->index.batch, "images per forward pass")
      ->check(AtLeast(1))
      ->capture_default_str();
#endif
  cmd->add_option("--layers", o->layers,
                  "comma-separated layer names, or all; TorchScript: submodule names as compnn "
                  "layers lists them, NAME:input for the tensor entering NAME")
      ->capture_default_str();
  cmd->add_option(
      "--global", o->global,
      "layer whose flattened tensor is the global descriptor (default: the bottleneck)");
  AddEnumOption(cmd, "--dtype", o->dtype, {{"f16", DType::kFloat16}, {"f32", DType::kFloat32}},
                "precision the store keeps activations in");
  cmd->add_option("--import", o->import.dir, "folder of LAYER.npy files, (N, H, W, D) float32")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--names", o->import.names,
                  "--import: image names, one per line (default DIR/names.txt)");
  cmd->add_flag("--channels-first", o->import.channels_first, "--import: arrays are (N, D, H, W)");
  AddImageSizeOption(cmd, "--input-size", o->import.input_size,
                     "--import: input image size HxW (or N), for strides (default: the largest "
                     "map's)");
  cmd->add_flag("--overwrite", o->overwrite, "replace an existing store");
  cmd->callback([&run, o] { run = [o] { RunIndex(*o); }; });
}

}  // namespace compnn::cli
