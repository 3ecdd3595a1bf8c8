// Explaining a list of queries into a folder, as compnn explain does: each query's explanation at
// one layer (its files and summary.json, written atomically), the run's summary.json, credibility
// maps and the explorer page when asked, and the queries spread over MPI ranks.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/ranks.h"
#include "compnn/explain/explorer.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/store/store_search.h"

namespace compnn {

struct ExplainQueriesOptions {
  std::string layer;          // empty: DefaultExplainLayer
  StoreSearchOptions search;  // its `allowed` is set from where and images
  PasteOptions paste;
  // The database restricted to training images whose attributes satisfy `where`
  // (attribute_filter.h) and, when `images` is not empty, among those names.
  std::string where;
  std::vector<std::string> images;
  int highlighted = 5;  // sources drawn in colour in the correspondence map, in [1, 10]
  // A credibility calibration file (pipeline/credibility_maps.h); empty: no credibility maps.
  std::string calibration;
  bool html = false;  // also OUT/explorer.html
  std::vector<ExplorerLink> links;
  int credibility_patches = ExplorerCredibility().max_patches;
  nlohmann::json provenance = nlohmann::json::object();  // merged into each query's summary.json

  // Throws OptionError naming the field: highlighted outside [1, 10], credibility_patches outside
  // [0, 32767], an image name that is empty, and search's own.
  void Check() const;
};

// How one query went, for progress reports.
struct ExplainedQuery {
  std::string name;
  std::size_t sources = 0;  // training images pasted from
  double mean_similarity = 0;
  double seconds = 0;
};

// What a run wrote: the layer explained and the explorer page ("" without one; only rank 0's).
struct ExplainRun {
  std::string layer;
  std::string page;
};

// Explains `queries` into OUT/<SafeName(query)>/ and writes OUT/summary.json. Under several
// `ranks`, exact search splits each query's database over them (rank 0 pastes and writes); the
// other methods spread the queries (each rank writes its own). `progress` (may be empty) is told
// on rank 0 after each of its queries: how many it has done of how many. Throws
// std::runtime_error for a layer the store lacks, a page under ranks without exact search, and
// what the search and the files refuse.
ExplainRun ExplainQueries(
    Explainer& explainer, const std::vector<Query>& queries, const std::string& out,
    const ExplainQueriesOptions& options, const Ranks& ranks,
    const std::function<void(int done, int total, const ExplainedQuery& query)>& progress = {});

}  // namespace compnn
