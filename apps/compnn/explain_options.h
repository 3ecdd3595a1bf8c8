// Options shared by the commands that explain a model's predictions from its feature store
// (explain, sweep, control, eval): which model, store and queries, and how to search.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/pipeline/explainer.h"
#include "compnn/store/store_search.h"

namespace compnn::cli {

struct ExplainOptions {
  std::string model, store, data, out;
  std::vector<std::string> queries;
  std::string query_split;
  int count = 0;
  StoreSearchOptions search;  // --method, --topk-images, --k, --iterations, --seed, --threads
  PasteOptions paste;         // --overlap, --vote-power
};

// Registers the options; `queries` adds --query/--query-split/--count.
void AddExplainOptions(CLI::App* cmd, ExplainOptions* o, bool queries = true);

// The queries asked for, with a warning on standard error for each one resized.
std::vector<Query> ResolveQueries(const Explainer& explainer, const ExplainOptions& o);

// The names of a comma-separated --images list; throws when it names none.
std::vector<std::string> ImageNames(const std::string& list);

}  // namespace compnn::cli
