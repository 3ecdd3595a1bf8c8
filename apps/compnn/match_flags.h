// compnn match's options and flags.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "compnn/core/searcher.h"

namespace compnn::cli {

// The flags bind straight to the engine's search (core/searcher.h); only the files, the
// hyperpatch and the candidates are set at run time.
struct MatchOptions {
  std::string query, database, out;
  std::string query_global, database_global;
  std::vector<int> hyperpatch = {2, 2};
  std::vector<int> images;
  int topk_images = 0;
  std::shared_ptr<const Searcher> searcher;
  SearchRequest search;
};

void AddMatchFlags(CLI::App* cmd, MatchOptions& options);

}  // namespace compnn::cli
