// compnn match: correspondence search on activations saved as .npy by any tool.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/core/searcher.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy_search_inputs.h"
#include "match_flags.h"
#include "progress_bar.h"
#include "search_flags.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

// A progress bar of the search's own units, on rank 0.
std::unique_ptr<ProgressBar> SearchBar(const std::string& what, SearchRequest& request) {
  if (!ToolRanks().is_root()) return nullptr;
  auto bar = std::make_unique<ProgressBar>(what, 1000);
  request.progress = [b = bar.get()](long long done, long long total) {
    b->Update(static_cast<long long>(1000.0 * done / std::max(total, 1LL)));
  };
  return bar;
}

void RunMatch(const MatchOptions& o) {
  COMPNN_CHECK(o.hyperpatch.size() == 2, "--hyperpatch takes two numbers: H W");
  const NpySearchInputs in = NpySearchInputs::Open(o.query, o.database);
  SearchRequest request = o.search;
  request.hyperpatch = {o.hyperpatch[0], o.hyperpatch[1]};
  request.candidates = in.Candidates(o.images, o.topk_images, o.query_global, o.database_global);
  const Ranks& ranks = ToolRanks();
  const bool across_ranks = ranks.size() > 1 && o.searcher->traits().splits_across_ranks;
  // Other methods run on rank 0 alone.
  if (!across_ranks && !ranks.is_root()) return;
  if (ranks.is_root()) std::filesystem::create_directories(o.out);

  nlohmann::json summary = SearchRecord(*o.searcher, request.seed);
  summary.update({{"query", o.query},
                  {"database", o.database},
                  {"k", request.k},
                  {"hyperpatch", o.hyperpatch},
                  {"candidates", request.candidates.empty() ? nlohmann::json("all")
                                                            : nlohmann::json(request.candidates)}});
  const auto bar = SearchBar(
      o.searcher->name() + " search" + (across_ranks ? " (rank 0's shard)" : ""), request);
  const auto start = Clock::now();
  CorrespondenceField field;
  try {
    field = SearchNpyInputs(in, *o.searcher, request, ranks, summary);
    if (!ranks.is_root()) return;
  } catch (const OptionError&) {
    throw;  // told in terms of flags by main
  } catch (const std::invalid_argument& e) {
    // The engine names images by index; say which file they came from.
    throw std::runtime_error(o.database + " / " + o.query + ": " + e.what());
  }
  const double seconds = SecondsSince(start);
  WriteField(field, o.out, "");
  summary["seconds"] = seconds;
  summary["mean_similarity"] = field.MeanSimilarity();
  summary["query_shape"] = {in.query.height, in.query.width, in.query.depth};
  WriteJsonFile(o.out + "/summary.json", summary);
  std::printf(
      "matched %d x %d cells against %s in %.3f s (mean similarity %.4f); wrote %s/nnf.npy, "
      "%s/similarity.npy, %s/summary.json\n",
      in.query.height, in.query.width, o.database.c_str(), seconds, field.MeanSimilarity(),
      o.out.c_str(), o.out.c_str(), o.out.c_str());
}

}  // namespace

void AddMatchCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<MatchOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "match");
  AddMatchFlags(cmd, *o);
  cmd->callback([&run, o] { run = [o] { RunMatch(*o); }; });
}

}  // namespace compnn::cli
