// compnn correspond: semantic correspondence between two images through a model's activations.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/semantic_correspondence.h"
#include "compnn/models/image_correspondence.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

namespace fs = std::filesystem;

struct CorrespondOptions {
  ModelSpec spec;
  std::string data, a, b, layer, out, colour = "class";
  int lines = 40;
  std::uint64_t seed = 0;
  int threads = 0;
};

void RunCorrespond(const CorrespondOptions& o) {
  UseAllCores();
  ModelSpec spec = o.spec;
  // A TorchScript model runs at its dataset's own size unless told otherwise.
  if (!spec.size && !o.data.empty()) spec.size = Dataset::Open(o.data).ImageSizeOf("train");
  std::unique_ptr<Model> model = Model::Open(spec);
  const std::string data = o.data.empty() ? model->training_data() : o.data;
  COMPNN_CHECK(!data.empty(), o.spec.path, " does not name its dataset; pass --data");
  const Dataset dataset = Dataset::Open(data);
  ImageCorrespondenceOptions options;
  options.layer = o.layer;
  options.colour_by_class = o.colour == "class";
  options.lines = o.lines;
  options.seed = o.seed;
  options.threads = o.threads;
  std::vector<std::string> warnings;
  const ImageCorrespondence c = CorrespondImages(*model, dataset, o.a, o.b, options, &warnings);
  for (const std::string& w : warnings) std::fprintf(stderr, "compnn: warning: %s\n", w.c_str());
  const SemanticCorrespondenceInputs& in = c.figure;
  fs::create_directories(o.out);
  WritePng(o.out + "/correspondence.png", SemanticCorrespondenceFigure(in));
  WriteField(c.field, o.out);
  const nlohmann::json summary = {{"a", in.name_a},
                                  {"b", in.name_b},
                                  {"layer", c.layer},
                                  {"stride", in.stride},
                                  {"colour", in.classes_a.empty() ? "position" : "class"},
                                  {"mean_similarity", c.field.MeanSimilarity()},
                                  {"model", fs::absolute(o.spec.path).string()}};
  WriteJsonFile(o.out + "/summary.json", summary);
  std::printf("matched %s to %s at %s (mean similarity %.4f); wrote %s/correspondence.png\n",
              in.name_a.c_str(), in.name_b.c_str(), c.layer.c_str(), c.field.MeanSimilarity(),
              o.out.c_str());
}

}  // namespace

void AddCorrespondCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<CorrespondOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "correspond");
  cmd->add_option("A", o->a, "image A: a dataset image name or a PNG file")->required();
  cmd->add_option("B", o->b, "image B: a dataset image name or a PNG file")->required();
  cmd->add_option("--model", o->spec.path,
                  "model file written by compnn train, or a TorchScript file (.pt, .pth)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data,
                  "dataset folder (default: a compnn model's training data; TorchScript: needed)")
      ->check(CLI::ExistingDirectory);
  AddImageSizeOption(cmd, "--size", o->spec.size,
                     "TorchScript: input size HxW or N (default: the dataset's own)");
  AddEnumOption(cmd, "--direction", o->spec.direction, DirectionNames(),
                "TorchScript: AtoB reads A, BtoA reads B");
  AddEnumOption(cmd, "--input-range", o->spec.input_range, InputRangeNames(),
                "TorchScript: pixel range the model expects");
  AddNormalisationOptions(cmd, o->spec.normalisation);
  cmd->add_option("--output", o->spec.output,
                  "TorchScript: the key (torchvision: out) or index of the output tensor");
  AddEnumOption(cmd, "--output-kind", o->spec.output_kind, OutputKindNames(),
                "TorchScript: image or logits (class scores)");
  cmd->add_option("--layer", o->layer,
                  "layer (default: the finest layer after the bottleneck, e.g. decoder2)");
  cmd->add_option("--out", o->out, "output folder")->required();
  cmd->add_option("--colour", o->colour,
                  "class: colour A's patches by the predicted class; position: by where they are")
      ->check(CLI::IsMember({"class", "position"}))
      ->capture_default_str();
  cmd->add_option("--lines", o->lines, "matches drawn as lines")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "which matches are drawn")->capture_default_str();
  cmd->add_option("--threads", o->threads, "worker threads (0: every core)")->check(AtLeast(0));
  cmd->callback([&run, o] { run = [o] { RunCorrespond(*o); }; });
}

}  // namespace compnn::cli
