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
#include "compnn/core/sharded_search.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy_search_inputs.h"
#include "progress_bar.h"
#include "search_flags.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

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

// A progress bar of the search's own units, on rank 0.
std::unique_ptr<ProgressBar> SearchBar(const std::string& what, SearchRequest& request) {
  if (!ToolRanks().is_root()) return nullptr;
  auto bar = std::make_unique<ProgressBar>(what, 1000);
  request.progress = [b = bar.get()](long long done, long long total) {
    b->Update(static_cast<long long>(1000.0 * done / std::max(total, 1LL)));
  };
  return bar;
}

// The search split across the ranks: each searches its shard of the candidates, rank 0 merges.
CorrespondenceField MatchAcrossRanks(const MatchOptions& o, const NpySearchInputs& in,
                                     SearchRequest request, nlohmann::json& summary) {
  const Ranks& ranks = ToolRanks();
  std::vector<int> all = request.candidates;
  if (all.empty()) {
    all.resize(in.images);
    std::iota(all.begin(), all.end(), 0);
  }
  const std::vector<int> shard = ShardCandidates(all, ranks.rank(), ranks.size());
  // Only the shard's maps: a rank's memory follows its shard. (No images asked for means all.)
  const LayerMaps maps = shard.empty() ? LayerMaps{} : ReadMaps(in.database_file, shard);
  const auto bar = SearchBar(o.searcher->name() + " search (rank 0's shard)", request);
  ShardedSearchResult found =
      ShardedSearch(*o.searcher, in.query, maps.database, shard, request, ranks);
  nlohmann::json shards = nlohmann::json::array();
  for (int r = 0; r < ranks.size(); ++r) {
    const std::vector<int> part = ShardCandidates(all, r, ranks.size());
    shards.push_back({{"rank", r},
                      {"images", part.size()},
                      {"first_image", part.empty() ? -1 : part.front()},
                      {"last_image", part.empty() ? -1 : part.back()}});
  }
  summary["ranks"] = ranks.size();
  summary["shards"] = shards;
  // Every rank but 0 sends its field once (a reduction tree); they all hold fields of one size.
  summary["bytes_sent_per_rank"] =
      static_cast<std::int64_t>(found.field.matches.size() * sizeof(Match));
  return std::move(found.field);
}

// The search on this process alone; records its iterations, if any, in `summary`.
CorrespondenceField SearchHere(const MatchOptions& o, const NpySearchInputs& in,
                               SearchRequest request, nlohmann::json& summary) {
  const LayerMaps maps = ReadMaps(in.database_file, request.candidates);
  const auto bar = SearchBar(o.searcher->name() + " search", request);
  const SearchResult found = o.searcher->Search(in.query, maps.database, request);
  if (!found.iterations.empty()) {
    nlohmann::json iterations = nlohmann::json::array();
    for (const SearchIteration& it : found.iterations) {
      iterations.push_back({{"iteration", it.iteration},
                            {"improved_fraction", it.improved_fraction},
                            {"mean_similarity", it.mean_similarity}});
    }
    summary["iterations"] = iterations;
  }
  return found.field;
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
  const auto start = Clock::now();
  CorrespondenceField field;
  try {
    field = across_ranks ? MatchAcrossRanks(o, in, request, summary)
                         : SearchHere(o, in, request, summary);
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
  cmd->add_option("--query", o->query, "query map: float32 (H, W, D) or (1, H, W, D)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option(
         "--database", o->database,
         "database maps: float32 or float16 (N, H', W', D), memory-mapped (a store's LAYER.npy)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out,
                  "output folder: nnf.npy (int32 H x W x 3: image, y, x), "
                  "similarity.npy (float32 H x W), summary.json")
      ->required();
  AddSearchFlags(cmd, o->searcher);
  cmd->add_option("--hyperpatch", o->hyperpatch, "hyperpatch height and width in cells")
      ->expected(2)
      ->capture_default_str();
  // Elsewhere --images takes training image names; a database of arrays has only indices.
  cmd->add_option("--image-indices", o->images,
                  "search only these database images (0-based indices, comma-separated)")
      ->delimiter(',');
  cmd->add_option_function<std::vector<int>>(
         "--images",
         [o](const std::vector<int>& indices) {
           std::fprintf(stderr,
                        "compnn: warning: --images is an old name of --image-indices (match takes "
                        "indices; the other commands' --images take names)\n");
           o->images = indices;
         },
         "old name of --image-indices")
      ->delimiter(',')
      ->excludes(cmd->get_option("--image-indices"));
  cmd->add_option("--topk-images", o->topk_images,
                  "keep the K images whose global descriptors are nearest the query's")
      ->check(AtLeast(1));
  cmd->add_option("--query-global", o->query_global,
                  "query global descriptor: float32 (D,) or (1, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--database-global", o->database_global,
                  "database global descriptors: float32 (N, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--k,--matches-per-cell", o->search.k,
                  "keep the K best matches per cell, distinct (outputs gain a K axis when K > 1; "
                  "hpm then costs about K times as much)")
      ->capture_default_str();
  cmd->add_option("--seed", o->search.seed, SeedHelp())->capture_default_str();
  cmd->add_option("--threads", o->search.threads,
                  "worker threads (0: all cores; under mpirun, each rank's share of its "
                  "machine's cores)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->callback([&run, o] { run = [o] { RunMatch(*o); }; });
}

}  // namespace compnn::cli
