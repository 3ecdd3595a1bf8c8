// compnn data: generate the bundled datasets, check a dataset, draw a contact sheet.
#include <cstdio>
#include <memory>
#include <opencv2/imgproc.hpp>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/data/contact_sheet.h"
#include "compnn/data/dataset.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/data/generators.h"
#include "progress_bar.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

void AddGenerator(CLI::App& data, Command& run, const std::string& name, const std::string& help,
                  void (*generate)(GeneratorOptions), const std::string& defaults) {
  auto o = std::make_shared<GeneratorOptions>();
  CLI::App* cmd = data.add_subcommand(name, help);
  cmd->add_option("--out", o->out, "dataset folder to create (written whole, or not at all)")
      ->required();
  cmd->add_option("--size", o->size, "image side in pixels")
      ->check(CLI::Range(32, 4096))
      ->capture_default_str();
  cmd->add_option("--train", o->train, "training images (default " + defaults + ")")
      ->check(AtLeast(0));
  cmd->add_option("--val", o->val, "validation images")->check(AtLeast(0));
  cmd->add_option("--test", o->test, "test images")->check(AtLeast(0));
  cmd->add_option("--seed", o->seed, "random seed: same seed, same dataset")->capture_default_str();
  cmd->add_flag("--overwrite", o->overwrite, "replace an existing dataset folder");
  cmd->callback([&run, o, generate, name] {
    run = [o, generate, name] {
      GeneratorOptions options = *o;
      LazyProgressBar progress("generating " + name);
      options.progress = progress.Callback();
      generate(options);
      progress.Finish();
      std::printf("wrote the %s dataset to %s\n", name.c_str(), o->out.c_str());
    };
  });
}

}  // namespace

void AddDataCommand(CLI::App& app, Command& run) {
  CLI::App* data = AddCatalogCommand(app, "data");
  data->require_subcommand(1);
  AddGenerator(
      *data, run, "facades",
      "Procedural building facades: photo (A) | colour labels of the 12 CMP Facades classes (B).",
      GenerateFacades, "400 / 100 / 106");
  AddGenerator(
      *data, run, "scenes",
      "Real-photo scenes: photo cut-outs pasted on background photographs (A) | colour labels (B).",
      GenerateScenes, "600 / 150 / 150");

  AddImportCommand(*data, run);

  AddDataCheckCommand(*data, run);

  struct SheetOptions {
    std::string dir, out, split = "train";
    int count = 8, columns = 4, tile = 128;
  };
  auto s = std::make_shared<SheetOptions>();
  CLI::App* sheet = data->add_subcommand(
      "sheet", "Draw a contact sheet of a dataset's first pairs (A | B) as a PNG.");
  sheet->add_option("DIR", s->dir, "dataset folder")->required();
  sheet->add_option("--out", s->out, "PNG file to write")->required();
  sheet->add_option("--split", s->split)->capture_default_str();
  sheet->add_option("--count", s->count, "pairs to show")->check(AtLeast(1))->capture_default_str();
  sheet->add_option("--columns", s->columns)->check(AtLeast(1))->capture_default_str();
  sheet->add_option("--tile", s->tile, "side of each image in pixels")
      ->check(CLI::Range(16, 1024))
      ->capture_default_str();
  sheet->callback([&run, s] {
    run = [s] {
      WritePng(s->out,
               MakeContactSheet(Dataset::Open(s->dir), s->split, s->count, s->columns, s->tile));
      std::printf("wrote %s\n", s->out.c_str());
    };
  });
}

}  // namespace compnn::cli
