#include "index_flags.h"

#include "typed_options.h"

namespace compnn::cli {
namespace {

#ifdef COMPNN_WITH_TORCH
// The flags of indexing a model's activations.
void AddModelFlags(CLI::App* cmd, IndexCommandOptions* o) {
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
}
#endif

}  // namespace

void AddIndexFlags(CLI::App* cmd, IndexCommandOptions& options) {
  IndexCommandOptions* o = &options;
  cmd->add_option("--out", o->out, "store folder (written whole; an interrupted run resumes)")
      ->required();
#ifdef COMPNN_WITH_TORCH
  AddModelFlags(cmd, o);
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
}

}  // namespace compnn::cli
