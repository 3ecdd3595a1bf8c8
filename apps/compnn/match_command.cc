// compnn match: correspondence search on activations saved as .npy by any tool.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "compnn/core/search.h"
#include "compnn/core/search_method.h"
#include "compnn/core/sharded_search.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

// The flags bind straight to the engine's search options (core/search.h); only the files, the
// hyperpatch and the candidates are set at run time.
struct MatchOptions {
  std::string query, database, out;
  std::string query_global, database_global;
  std::vector<int> hyperpatch = {2, 2};
  std::vector<int> images;
  int topk_images = 0;
  SearchOptions search;
};

// The query map: float32 (H, W, D) or (1, H, W, D).
MapView QueryView(const NpyFile& file) {
  file.Require(DType::kFloat32, {3, 4});
  const auto& s = file.shape();
  COMPNN_CHECK(!(s.size() == 4 && s[0] != 1), file.path(),
               ": a rank-4 query must hold one image, not ", std::to_string(s[0]));
  const std::size_t o = s.size() - 3;
  MapView view{file.data_as<float>(), static_cast<int>(s[o]), static_cast<int>(s[o + 1]),
               static_cast<int>(s[o + 2])};
  COMPNN_CHECK(!(view.cells() == 0 || view.depth == 0), file.path(), ": empty map");
  return view;
}

// The database's (N, H, W, D) shape: float32 (read through the memory mapping) or float16, as
// feature stores keep layers (converted for the candidate images only).
std::vector<std::int64_t> DatabaseShape(const NpyFile& file) {
  file.Require(file.dtype() == DType::kFloat16 ? DType::kFloat16 : DType::kFloat32, {4});
  const auto& s = file.shape();
  COMPNN_CHECK(s[0] != 0, file.path(), ": the database holds no images");
  if (s[1] == 0 || s[2] == 0 || s[3] == 0) throw std::runtime_error(file.path() + ": empty maps");
  return s;
}

std::vector<int> PrefilterImages(const MatchOptions& o, int database_size,
                                 const std::vector<int>& images) {
  if (o.topk_images == 0) return images;
  if (o.query_global.empty() || o.database_global.empty()) {
    throw std::runtime_error("--topk-images needs --query-global and --database-global");
  }
  const NpyFile query = NpyFile::Open(o.query_global);
  query.Require(DType::kFloat32, {1, 2});
  COMPNN_CHECK(!(query.shape().size() == 2 && query.shape()[0] != 1), o.query_global,
               ": must hold one descriptor, (D,) or (1, D)");
  const NpyFile database = NpyFile::Open(o.database_global);
  database.Require(DType::kFloat32, {2});
  COMPNN_CHECK(database.shape()[0] == database_size, o.database_global, ": holds ",
               std::to_string(database.shape()[0]), " descriptors but ", o.database, " holds ",
               std::to_string(database_size), " images");
  const std::int64_t length = query.shape().back();
  COMPNN_CHECK(database.shape()[1] == length, o.database_global, ": descriptors have length ",
               std::to_string(database.shape()[1]), " but ", o.query_global, " has ",
               std::to_string(length));
  const DescriptorMatrix matrix{database.data_as<float>(), database_size, static_cast<int>(length)};
  const std::size_t pool = images.empty() ? database_size : images.size();
  COMPNN_CHECK(o.topk_images <= static_cast<int>(pool), "--topk-images ",
               std::to_string(o.topk_images), " exceeds the ", std::to_string(pool),
               " images to choose from");
  return GlobalTopK(std::span<const float>(query.data_as<float>(), length), matrix, o.topk_images,
                    images);
}

// `candidates`, or every image when there are none.
std::vector<int> CandidatesOrAll(std::vector<int> candidates, int images) {
  if (candidates.empty()) {
    candidates.resize(images);
    std::iota(candidates.begin(), candidates.end(), 0);
  }
  return candidates;
}

// Exact search across the ranks: each searches its shard of the candidates, rank 0 merges.
CorrespondenceField MatchAcrossRanks(const MatchOptions& o, const MapView& query,
                                     const NpyFile& database_file, int images,
                                     const std::vector<int>& candidates, nlohmann::json& summary) {
  const Ranks& ranks = ToolRanks();
  const std::vector<int> all = CandidatesOrAll(candidates, images);
  const std::vector<int> shard = ShardCandidates(all, ranks.rank(), ranks.size());
  // Only the shard's maps: a rank's memory follows its shard. (No images asked for means all.)
  const LayerMaps maps = shard.empty() ? LayerMaps{} : ReadMaps(database_file, shard);
  SearchOptions search = o.search;
  search.hyperpatch = {o.hyperpatch[0], o.hyperpatch[1]};
  search.candidates.clear();  // the shard is the candidates
  ExactSearchOptions options = search.ForExact();
  std::unique_ptr<ProgressBar> bar;
  if (ranks.is_root()) {
    bar = std::make_unique<ProgressBar>("exact search (rank 0's shard)", 1000);
    options.progress = [&bar](long long done, long long total) {
      bar->Update(static_cast<long long>(1000.0 * done / total));
    };
  }
  ShardedSearchResult found = ShardedExactSearch(query, maps.database, shard, options, ranks);
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

// The search on this process alone, with a progress bar; records its method's details in
// `summary`.
CorrespondenceField SearchHere(const MatchOptions& o, const MapView& query,
                               const Database& database, const HyperpatchShape& shape,
                               const std::vector<int>& candidates, nlohmann::json& summary) {
  SearchOptions search = o.search;
  search.hyperpatch = shape;
  search.candidates = candidates;
  const SearchMethod method = search.method;
  std::unique_ptr<ProgressBar> bar;
  if (method == SearchMethod::kExact) {
    bar = std::make_unique<ProgressBar>("exact search", 1000);
    search.exact.progress = [&bar](long long done, long long total) {
      bar->Update(static_cast<long long>(1000.0 * done / total));
    };
  } else if (method == SearchMethod::kHyperPatchMatch) {
    bar = std::make_unique<ProgressBar>("hyperpatch-match", search.patch_match.max_iterations);
    search.patch_match.on_iteration = [&bar](const PatchMatchIteration& it) {
      bar->Update(it.iteration);
    };
  }
  const SearchResult found = Search(query, database, search);
  if (method == SearchMethod::kProjected) {
    const ProjectedSearchOptions used = search.ForProjected();
    summary["components"] = used.components;
    summary["shortlist"] = used.shortlist;
  } else if (method == SearchMethod::kHyperPatchMatch) {
    nlohmann::json iterations = nlohmann::json::array();
    for (const PatchMatchIteration& it : found.iterations) {
      iterations.push_back({{"iteration", it.iteration},
                            {"improved_fraction", it.improved_fraction},
                            {"mean_similarity", it.mean_similarity}});
    }
    summary["iterations"] = iterations;
    summary["search_matches"] = search.ForPatchMatch().SearchedMatches();
  }
  if (method != SearchMethod::kExact) summary["seed"] = search.seed;
  return found.field;
}

void RunMatch(const MatchOptions& o) {
  COMPNN_CHECK(o.hyperpatch.size() == 2, "--hyperpatch takes two numbers: H W");
  const NpyFile query_file = NpyFile::Open(o.query);
  const NpyFile database_file = NpyFile::Open(o.database);
  const MapView query = QueryView(query_file);
  const std::vector<std::int64_t> shape_db = DatabaseShape(database_file);
  const int images = static_cast<int>(shape_db[0]);
  COMPNN_CHECK(query.depth == shape_db[3], o.query, " has depth ", std::to_string(query.depth),
               " but ", o.database, " has depth ", std::to_string(shape_db[3]));
  for (int image : o.images) {
    COMPNN_CHECK(!(image < 0 || image >= images), "--image-indices: unknown image index ",
                 std::to_string(image), " (", o.database, " holds ", std::to_string(images), ")");
  }
  const std::vector<int> candidates = PrefilterImages(o, images, o.images);
  const Ranks& ranks = ToolRanks();
  const bool across_ranks = ranks.size() > 1 && o.search.method == SearchMethod::kExact;
  // Other methods run on rank 0 alone.
  if (!across_ranks && !ranks.is_root()) return;
  const LayerMaps maps = across_ranks ? LayerMaps{} : ReadMaps(database_file, candidates);
  const Database& database = maps.database;
  const HyperpatchShape shape{o.hyperpatch[0], o.hyperpatch[1]};
  if (ranks.is_root()) std::filesystem::create_directories(o.out);

  nlohmann::json summary = {
      {"query", o.query},
      {"database", o.database},
      {"method", ToString(o.search.method)},
      {"k", o.search.k},
      {"hyperpatch", o.hyperpatch},
      {"candidates", candidates.empty() ? nlohmann::json("all") : nlohmann::json(candidates)}};
  const auto start = Clock::now();
  CorrespondenceField field;
  try {
    if (across_ranks) {
      field = MatchAcrossRanks(o, query, database_file, images, candidates, summary);
      if (!ranks.is_root()) return;
    } else {
      field = SearchHere(o, query, database, shape, candidates, summary);
    }
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
  summary["query_shape"] = {query.height, query.width, query.depth};
  WriteJsonFile(o.out + "/summary.json", summary);
  std::printf(
      "matched %d x %d cells against %s in %.3f s (mean similarity %.4f); wrote %s/nnf.npy, "
      "%s/similarity.npy, %s/summary.json\n",
      query.height, query.width, o.database.c_str(), seconds, field.MeanSimilarity(), o.out.c_str(),
      o.out.c_str(), o.out.c_str());
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
  AddEnumOption(cmd, "--method", o->search.method, SearchMethodNames(),
                "exact: exhaustive search; hpm: HyperPatch-Match; projected: exact search in the "
                "hyperpatches' leading principal components, the best of each cell ranked again "
                "at full length (near-exact, faster than exact)");
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
      ->check(CLI::Range(1, kMaxPatchMatchTopK))
      ->capture_default_str();
  cmd->add_option("--iterations", o->search.patch_match.max_iterations, "hpm: iteration cap")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--search-matches", o->search.patch_match.search_matches,
                  "hpm: matches kept per cell while searching (at least --k); 2 finds better "
                  "best matches at some extra cost (docs/performance.md)")
      ->check(CLI::Range(1, kMaxPatchMatchTopK))
      ->capture_default_str();
  cmd->add_option("--min-improved", o->search.patch_match.min_improved_fraction,
                  "hpm: stop once fewer than this fraction of cells improve in an iteration")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--random-images", o->search.patch_match.random_images,
                  "hpm: random cells of other candidate images tried per cell and iteration")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--long-range", o->search.patch_match.long_range,
                  "hpm: matches of random other query cells, shifted, tried per cell and iteration")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--components", o->search.projected.components,
                  "projected: principal components the hyperpatches are projected on")
      ->check(CLI::Range(1, kMaxProjectedComponents))
      ->capture_default_str();
  cmd->add_option("--shortlist", o->search.projected.shortlist,
                  "projected: best matches per cell in the projection ranked again at full length")
      ->check(CLI::Range(1, kMaxProjectedShortlist))
      ->capture_default_str();
  cmd->add_option("--seed", o->search.seed, "hpm and projected: random seed")
      ->capture_default_str();
  cmd->add_option("--threads", o->search.threads,
                  "worker threads (0: all cores; under mpirun, each rank's share of its "
                  "machine's cores)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->callback([&run, o] { run = [o] { RunMatch(*o); }; });
}

}  // namespace compnn::cli
