// compnn correspond: semantic correspondence between two images through a model's activations.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/layer_choice.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/semantic_correspondence.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/model.h"
#include "compnn/models/prediction.h"
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
  const Direction direction = model->direction();
  const ImageSize size = model->size();
  std::string layer = o.layer;
  if (layer.empty()) {
    std::vector<std::string> names;
    std::vector<LayerShape> shapes;
    for (const LayerInfo& l : model->layers()) {
      names.push_back(l.name);
      shapes.push_back({l.name, l.height, l.width, l.stride});
    }
    layer = DefaultExplainLayer(shapes, model->DefaultGlobalLayer());
    COMPNN_CHECK(!layer.empty(), o.spec.path,
                 ": no layer follows the bottleneck, so there is no default; pass --layer (one of ",
                 Join(names), ")");
  }
  std::vector<std::string> warnings;
  const Query a = LoadQuery(dataset, direction, size, o.a, &warnings);
  const Query b = LoadQuery(dataset, direction, size, o.b, &warnings);
  for (const std::string& w : warnings) std::fprintf(stderr, "compnn: warning: %s\n", w.c_str());
  const Palette* palette = dataset.has_labels() ? &dataset.palette() : nullptr;
  const bool input_labels = dataset.input_is_labels(direction);
  const QueryRun run_a = RunQuery(*model, a.input, input_labels, palette, {layer});
  const QueryRun run_b = RunQuery(*model, b.input, input_labels, palette, {layer});
  const OwnedMap& map_a = run_a.maps.at(layer);
  const OwnedMap& map_b = run_b.maps.at(layer);

  ExactSearchOptions search;
  search.threads = o.threads;
  const CorrespondenceField field = ExactSearch(map_a.view(), Database({map_b.view()}), search);

  SemanticCorrespondenceInputs in;
  in.heading = "compnn semantic correspondence at " + layer + ": patches of A matched to B alone";
  in.image_a = a.input;
  in.image_b = b.input;
  in.name_a = a.name;
  in.name_b = b.name;
  in.field = field;
  in.stride = size.height / map_a.height;
  in.lines = o.lines;
  in.seed = o.seed;
  if (o.colour == "class" && palette) {
    // The class of A's pixels: the network's prediction when it predicts labels, else A's own
    // label input.
    const bool target_labels = dataset.target_is_labels(direction);
    if (target_labels) {
      in.classes_a = palette->Classes(run_a.output, true, "network output");
    } else if (input_labels) {
      in.classes_a = palette->Classes(a.input, true, a.name);
    }
    in.palette = palette;
  }
  fs::create_directories(o.out);
  WritePng(o.out + "/correspondence.png", SemanticCorrespondenceFigure(in));
  WriteField(field, o.out);
  const nlohmann::json summary = {{"a", a.name},
                                  {"b", b.name},
                                  {"layer", layer},
                                  {"stride", in.stride},
                                  {"colour", in.classes_a.empty() ? "position" : "class"},
                                  {"mean_similarity", field.MeanSimilarity()},
                                  {"model", fs::absolute(o.spec.path).string()}};
  WriteJsonFile(o.out + "/summary.json", summary);
  std::printf("matched %s to %s at %s (mean similarity %.4f); wrote %s/correspondence.png\n",
              a.name.c_str(), b.name.c_str(), layer.c_str(), field.MeanSimilarity(), o.out.c_str());
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
