// compnn index: feature stores from a model and a dataset split, or from saved .npy activations.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/feature_store.h"
#include "index_flags.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

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
  AddIndexFlags(cmd, *o);
  cmd->callback([&run, o] { run = [o] { RunIndex(*o); }; });
}

}  // namespace compnn::cli
