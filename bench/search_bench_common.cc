#include "search_bench_common.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <numeric>

#include "compnn/core/exact_search.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/json_file.h"

namespace compnn::bench {

void AddSearchBenchOptions(CLI::App& app, SearchBenchOptions& options,
                           const std::string& queries_help) {
  app.add_option("--images", options.images, "database maps")->capture_default_str();
  app.add_option("--image-size", options.image_size, "photo crop side; maps are a quarter of it")
      ->capture_default_str();
  app.add_option("--depth", options.depth, "channels per cell (hyperpatch 2 x 2 x depth)")
      ->capture_default_str();
  app.add_option("--queries", options.queries, queries_help)->capture_default_str();
  app.add_option("--seed", options.seed, "seed of the maps (queries use seed + 1000)")
      ->capture_default_str();
  app.add_option("--json", options.json_path, "also write the results to this JSON file");
}

void AddPatchMatchOptions(CLI::App& app, PatchMatchParams& params) {
  app.add_option("--random-images", params.random_images, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_option("--long-range", params.long_range, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_option("--initial-samples", params.initial_samples, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_option("--search-matches", params.search_matches,
                 "matches HyperPatch-Match keeps per cell while it searches (the best is compared)")
      ->capture_default_str();
}

void PrintThreads(nlohmann::json& report) {
  const int threads = omp_get_max_threads();
  std::printf("threads %d, OpenBLAS %s (parallel mode %d: 2 = OpenMP)\n", threads,
              openblas_get_config(), openblas_get_parallel());
  report["threads"] = threads;
}

SearchData::SearchData(const SearchBenchOptions& options, nlohmann::json& report) {
  const auto start = Clock::now();
  database_maps = MakeActivations(options.images, options.image_size, options.depth, options.seed);
  // A different seed, so no query is a database map.
  query_maps =
      MakeActivations(options.queries, options.image_size, options.depth, options.seed + 1000);
  database = Database(database_maps.maps());
  length = shape.length(options.depth);
  cells_per_map = database_maps.height * database_maps.width;
  database_rows = 1LL * options.images * cells_per_map;
  std::printf(
      "data: %d maps of %d x %d x %d from real photos, query %d x %d, hyperpatch 2 x 2 x %d "
      "(%.1f s to make)\n",
      options.images, database_maps.height, database_maps.width, options.depth, query(0).height,
      query(0).width, options.depth, SecondsSince(start));
  report["data"] = {{"images", options.images},
                    {"map", {database_maps.height, database_maps.width, options.depth}},
                    {"hyperpatch_length", length}};
}

std::vector<int> FirstImages(int count) {
  std::vector<int> images(count);
  std::iota(images.begin(), images.end(), 0);
  return images;
}

std::vector<float> PackUnitRows(const Database& db, const std::vector<int>& images,
                                const HyperpatchShape& shape) {
  const int length = shape.length(db.depth());
  std::size_t rows = 0;
  for (int i : images) rows += db[i].cells();
  std::vector<float> out(rows * length);
  std::size_t offset = 0;
  for (int i : images) {
    PackUnitHyperpatches(db[i], shape, 0, db[i].cells(), out.data() + offset * length);
    offset += db[i].cells();
  }
  return out;
}

std::vector<float> PackQueryRows(const MapView& query, const HyperpatchShape& shape) {
  return PackUnitRows(Database({query}), {0}, shape);
}

long long RowOfMatch(const Match& match, const SearchData& data) {
  return static_cast<long long>(match.image) * data.cells_per_map +
         match.y * data.database_maps.width + match.x;
}

void AddRoundsOption(CLI::App& app, int& rounds) {
  app.add_option("--rounds", rounds,
                 "alternating rounds of subject and baseline (ratios are their median)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
}

CorrespondenceField Exact(const MapView& query, const Database& database,
                          const std::vector<int>& candidates) {
  SearchRequest request;
  request.candidates = candidates;
  return ExactSearcher().Search(query, database, request).field;
}

SearchResult PatchMatch(const MapView& query, const Database& database,
                        const PatchMatchParams& params, const SearchRequest& request) {
  return PatchMatchSearcher(params).Search(query, database, request);
}

std::vector<InterleavedTiming> TimeRoundsPerQuery(
    const std::function<void(int round)>& baseline,
    const std::vector<std::function<void()>>& subjects, int queries, int rounds) {
  std::vector<double> baseline_seconds;
  std::vector<std::vector<double>> subject_seconds(subjects.size());
  for (int r = 0; r < std::max(1, rounds); ++r) {
    baseline_seconds.push_back(SecondsOf([&] { baseline(r); }));
    for (std::size_t s = 0; s < subjects.size(); ++s)
      subject_seconds[s].push_back(SecondsOf(subjects[s]) / queries);
  }
  std::vector<InterleavedTiming> timings;
  for (std::vector<double>& seconds : subject_seconds)
    timings.push_back(SummarizeRounds(std::move(seconds), baseline_seconds));
  return timings;
}

void ExactFields::SearchForRound(int round) {
  const int i = round % data.query_maps.count;
  fields[i] = Exact(data.query(i), data.database);
}

void ExactFields::Complete() {
  for (int i = 0; i < data.query_maps.count; ++i)
    if (fields[i].matches.empty()) fields[i] = Exact(data.query(i), data.database);
}

FieldComparison Compare(const CorrespondenceField& approx, const CorrespondenceField& exact,
                        double random_similarity) {
  FieldComparison c;
  c.exact_fraction = SameMatchFraction(BestMatches(approx), BestMatches(exact));
  c.similarity_ratio = approx.MeanSimilarity() / exact.MeanSimilarity();
  c.gap_closed =
      (approx.MeanSimilarity() - random_similarity) / (exact.MeanSimilarity() - random_similarity);
  return c;
}

void WriteReportIfAsked(const std::string& path, const nlohmann::json& report) {
  if (!path.empty()) WriteJsonFile(path, report);
}

int RunBenchmark(const char* program, int (*main)(int, char**), int argc, char** argv) {
  try {
    return main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 2;
  }
}

}  // namespace compnn::bench
