// compnn index's options and flags: a model's activations (IndexOptions) or activations saved by
// another tool (ImportOptions).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "compnn/store/importer.h"
#ifdef COMPNN_WITH_TORCH
#include "compnn/models/indexer.h"
#endif

namespace compnn::cli {

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

void AddIndexFlags(CLI::App* cmd, IndexCommandOptions& options);

}  // namespace compnn::cli
