// compnn cell-index: the index over a store layer's cells that searches over every training image
// use (store/cell_index.h).
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/store_search.h"
#include "progress_bar.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

struct CellIndexCommandOptions {
  std::string store, layer;
  std::optional<HyperpatchShape> hyperpatch;
  CellIndexOptions index;
};

void RunCellIndex(const CellIndexCommandOptions& o) {
  const FeatureStore store = FeatureStore::Open(o.store);
  const std::string layer = o.layer.empty() ? DefaultExplainLayer(store) : o.layer;
  const HyperpatchShape shape = o.hyperpatch.value_or(store.manifest().layer(layer).hyperpatch);
  ProgressBar bar("cell index of " + layer, store.size());
  const CellIndexSummary built =
      BuildCellIndex(store, layer, shape, o.index, [&](int done, int) { bar.Update(done); });
  bar.Finish();
  std::printf("wrote %s: %d lists, %d-byte codes, %.1f MB, in %.1f s\n", built.file.c_str(),
              built.lists, built.code_bytes, built.bytes / 1e6, built.seconds);
}

}  // namespace

void AddCellIndexCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<CellIndexCommandOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "cell-index");
  cmd->add_option("STORE", o->store, "store folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--layer", o->layer, "layer to index (default: the layer explanations use)");
  cmd->add_option_function<std::vector<int>>(
         "--hyperpatch",
         [o](const std::vector<int>& sides) {
           o->hyperpatch = HyperpatchShape{sides[0], sides[1]};
         },
         "cells compared around each cell, H W (default: the layer's); searches at another "
         "hyperpatch need an index of their own")
      ->expected(2)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--lists", o->index.lists,
                  "inverted lists (0: about sqrt(cells) / 2, a power of two)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--code-bytes", o->index.code_bytes,
                  "bytes each hyperpatch is compressed to (must divide its length)")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--train-cells", o->index.train_cells,
                  "hyperpatches the lists and codes are learnt from, drawn from the whole layer")
      ->capture_default_str();
  cmd->add_option("--seed", o->index.seed, "seed of the training sample and of k-means")
      ->capture_default_str();
  cmd->add_option("--threads", o->index.threads, "worker threads (0: every core)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->callback([&run, o] { run = [o] { RunCellIndex(*o); }; });
}

}  // namespace compnn::cli
