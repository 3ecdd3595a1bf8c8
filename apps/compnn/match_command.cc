// compnn match: correspondence search on activations saved as .npy by any tool.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "commands.h"
#include "compnn/exact_search.h"
#include "compnn/feature_store.h"
#include "compnn/field_io.h"
#include "compnn/global_prefilter.h"
#include "compnn/json_file.h"
#include "compnn/npy.h"
#include "compnn/patch_match.h"
#include "compnn/stopwatch.h"
#include "progress_bar.h"

namespace compnn::cli {
namespace {

struct MatchOptions {
  std::string query, database, out, method = "hpm";
  std::string query_global, database_global;
  std::vector<int> hyperpatch = {2, 2};
  std::vector<int> images;
  int topk_images = 0;
  int matches_per_cell = 1;
  int iterations = 32;
  double min_improved = 0.001;
  int random_images = 1;
  int long_range = 2;
  std::uint64_t seed = 0;
  int threads = 0;
};

// The query map: float32 (H, W, D) or (1, H, W, D).
MapView QueryView(const NpyFile& file) {
  file.Require(DType::kFloat32, {3, 4});
  const auto& s = file.shape();
  if (s.size() == 4 && s[0] != 1) {
    throw std::runtime_error(file.path() + ": a rank-4 query must hold one image, not " +
                             std::to_string(s[0]));
  }
  const std::size_t o = s.size() - 3;
  MapView view{file.data_as<float>(), static_cast<int>(s[o]), static_cast<int>(s[o + 1]),
               static_cast<int>(s[o + 2])};
  if (view.cells() == 0 || view.depth == 0) throw std::runtime_error(file.path() + ": empty map");
  return view;
}

// The database's (N, H, W, D) shape: float32 (read through the memory mapping) or float16, as
// feature stores keep layers (converted for the candidate images only).
std::vector<std::int64_t> DatabaseShape(const NpyFile& file) {
  file.Require(file.dtype() == DType::kFloat16 ? DType::kFloat16 : DType::kFloat32, {4});
  const auto& s = file.shape();
  if (s[0] == 0) throw std::runtime_error(file.path() + ": the database holds no images");
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
  if (query.shape().size() == 2 && query.shape()[0] != 1) {
    throw std::runtime_error(o.query_global + ": must hold one descriptor, (D,) or (1, D)");
  }
  const NpyFile database = NpyFile::Open(o.database_global);
  database.Require(DType::kFloat32, {2});
  if (database.shape()[0] != database_size) {
    throw std::runtime_error(o.database_global + ": holds " + std::to_string(database.shape()[0]) +
                             " descriptors but " + o.database + " holds " +
                             std::to_string(database_size) + " images");
  }
  const std::int64_t length = query.shape().back();
  if (database.shape()[1] != length) {
    throw std::runtime_error(o.database_global + ": descriptors have length " +
                             std::to_string(database.shape()[1]) + " but " + o.query_global +
                             " has " + std::to_string(length));
  }
  const DescriptorMatrix matrix{database.data_as<float>(), database_size, static_cast<int>(length)};
  const std::size_t pool = images.empty() ? database_size : images.size();
  if (o.topk_images > static_cast<int>(pool)) {
    throw std::runtime_error("--topk-images " + std::to_string(o.topk_images) + " exceeds the " +
                             std::to_string(pool) + " images to choose from");
  }
  return GlobalTopK(std::span<const float>(query.data_as<float>(), length), matrix, o.topk_images,
                    images);
}

void RunMatch(const MatchOptions& o) {
  if (o.hyperpatch.size() != 2) throw std::runtime_error("--hyperpatch takes two numbers: H W");
  const NpyFile query_file = NpyFile::Open(o.query);
  const NpyFile database_file = NpyFile::Open(o.database);
  const MapView query = QueryView(query_file);
  const std::vector<std::int64_t> shape_db = DatabaseShape(database_file);
  const int images = static_cast<int>(shape_db[0]);
  if (query.depth != shape_db[3]) {
    throw std::runtime_error(o.query + " has depth " + std::to_string(query.depth) + " but " +
                             o.database + " has depth " + std::to_string(shape_db[3]));
  }
  for (int image : o.images) {
    if (image < 0 || image >= images) {
      throw std::runtime_error("--images: unknown image index " + std::to_string(image) + " (" +
                               o.database + " holds " + std::to_string(images) + ")");
    }
  }
  const std::vector<int> candidates = PrefilterImages(o, images, o.images);
  const LayerMaps maps = ReadMaps(database_file, candidates);
  const Database& database = maps.database;
  const HyperpatchShape shape{o.hyperpatch[0], o.hyperpatch[1]};
  std::filesystem::create_directories(o.out);

  nlohmann::json summary = {
      {"query", o.query},
      {"database", o.database},
      {"method", o.method},
      {"hyperpatch", o.hyperpatch},
      {"candidates", candidates.empty() ? nlohmann::json("all") : nlohmann::json(candidates)}};
  const auto start = Clock::now();
  CorrespondenceField field;
  try {
    if (o.method == "exact") {
      ExactSearchOptions options;
      options.hyperpatch = shape;
      options.candidates = candidates;
      options.top_k = o.matches_per_cell;
      options.threads = o.threads;
      ProgressBar bar("exact search", 1000);
      options.progress = [&bar](long long done, long long total) {
        bar.Update(static_cast<long long>(1000.0 * done / total));
      };
      field = ExactSearch(query, database, options);
    } else {
      if (o.matches_per_cell != 1)
        throw std::runtime_error("--matches-per-cell needs --method exact");
      PatchMatchOptions options;
      options.hyperpatch = shape;
      options.candidates = candidates;
      options.max_iterations = o.iterations;
      options.min_improved_fraction = o.min_improved;
      options.random_images = o.random_images;
      options.long_range = o.long_range;
      options.seed = o.seed;
      options.threads = o.threads;
      ProgressBar bar("hyperpatch-match", o.iterations);
      nlohmann::json iterations = nlohmann::json::array();
      options.on_iteration = [&](const PatchMatchIteration& it) {
        bar.Update(it.iteration);
        iterations.push_back({{"iteration", it.iteration},
                              {"improved_fraction", it.improved_fraction},
                              {"mean_similarity", it.mean_similarity}});
      };
      field = HyperPatchMatch(query, database, options).field;
      summary["iterations"] = iterations;
      summary["seed"] = o.seed;
    }
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
  CLI::App* cmd = app.add_subcommand(
      "match",
      "Match every cell of a query activation map to the most similar hyperpatch of a database of\n"
      "activation maps saved as .npy (float32, channels last), and write the correspondence "
      "field.");
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
  cmd->add_option("--method", o->method, "exact: exhaustive search; hpm: HyperPatch-Match")
      ->check(CLI::IsMember({"exact", "hpm"}))
      ->capture_default_str();
  cmd->add_option("--hyperpatch", o->hyperpatch, "hyperpatch height and width in cells")
      ->expected(2)
      ->capture_default_str();
  cmd->add_option("--images", o->images, "search only these database images (0-based indices)")
      ->delimiter(',');
  cmd->add_option("--topk-images", o->topk_images,
                  "keep the K images whose global descriptors are nearest the query's")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--query-global", o->query_global,
                  "query global descriptor: float32 (D,) or (1, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--database-global", o->database_global,
                  "database global descriptors: float32 (N, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--matches-per-cell", o->matches_per_cell,
                  "exact only: keep the K best matches per cell (outputs gain a K axis)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "hpm: iteration cap")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--min-improved", o->min_improved,
                  "hpm: stop once fewer than this fraction of cells improve in an iteration")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--random-images", o->random_images,
                  "hpm: random cells of other candidate images tried per cell and iteration")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--long-range", o->long_range,
                  "hpm: matches of random other query cells, shifted, tried per cell and iteration")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "hpm: random seed")->capture_default_str();
  cmd->add_option("--threads", o->threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([&run, o] { run = [o] { RunMatch(*o); }; });
}

}  // namespace compnn::cli
