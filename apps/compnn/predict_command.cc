// compnn predict: a contact sheet of a model's predictions on a dataset split.
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/models/model.h"
#include "compnn/models/prediction.h"
#include "typed_options.h"

namespace compnn::cli {

void AddPredictCommand(CLI::App& app, Command& run) {
  struct Options {
    std::string model, data, split = "val", out;
    int count = 6, tile = 128;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = AddCatalogCommand(app, "predict");
  cmd->add_option("--model", o->model, "model file written by compnn train")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "dataset folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--split", o->split)->capture_default_str();
  cmd->add_option("--count", o->count, "images")->check(AtLeast(1))->capture_default_str();
  cmd->add_option("--tile", o->tile, "side of each image in the sheet")
      ->check(CLI::Range(16, 1024))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "PNG file to write")->required();
  cmd->callback([&run, o] {
    run = [o] {
      UseAllCores();
      ModelSpec spec;
      spec.path = o->model;
      std::unique_ptr<Model> model = Model::Open(spec);
      // A TorchScript file records neither its input size nor the side it reads.
      COMPNN_CHECK(model->arch() != Architecture::kTorchScript, o->model,
                   ": predict takes model files written by compnn train; explain a TorchScript "
                   "model through its store (compnn index, then compnn explain)");
      WritePng(o->out,
               PredictionSheet(*model, Dataset::Open(o->data), o->split, o->count, o->tile));
      std::printf("wrote %s\n", o->out.c_str());
    };
  });
}

}  // namespace compnn::cli
