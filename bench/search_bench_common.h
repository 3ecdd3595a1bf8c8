// What the search benchmarks (compnn-bench-exact-vs-sgemm, -exact-vs-faiss, -hpm-curve,
// -hpm-topk, -hnsw; see README.md) share: the dataset options, the maps they search, the timed
// exact-search baseline, field comparison and the JSON report. Each program answers one question
// and prints ratios against a baseline measured in the same run: absolute times on a shared
// machine mean little.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/patch_match.h"
#include "synthetic_activations.h"

namespace compnn::bench {

// Options every search benchmark takes, with the same defaults, so that figures from different
// programs describe the same data.
struct SearchBenchOptions {
  int images = 400, image_size = 256, depth = 64, queries = 3;
  std::uint64_t seed = 1;
  std::string json_path;
};

// Registers --images, --image-size, --depth, --queries (described by `queries_help`, since the
// programs use the queries differently), --seed and --json.
void AddSearchBenchOptions(CLI::App& app, SearchBenchOptions& options,
                           const std::string& queries_help);

// Registers HyperPatch-Match's --random-images, --long-range and --initial-samples.
void AddPatchMatchOptions(CLI::App& app, PatchMatchOptions& options);

// Prints the thread count and the OpenBLAS build (its threading decides sgemm's speed) and records
// the thread count in report["threads"].
void PrintThreads(nlohmann::json& report);

// The database and query maps, made from real photographs (synthetic_activations.h). Not copyable:
// `database` views the memory of `database_maps`.
struct SearchData {
  SearchData(const SearchBenchOptions& options, nlohmann::json& report);
  SearchData(const SearchData&) = delete;
  SearchData& operator=(const SearchData&) = delete;

  MapView query(int i) const { return query_maps.map(i); }

  ActivationSet database_maps, query_maps;
  Database database;
  HyperpatchShape shape;
  int length = 0;               // floats per hyperpatch
  int cells_per_map = 0;        // every map has the same height x width
  long long database_rows = 0;  // hyperpatches in the whole database
};

// Images 0 .. count - 1.
std::vector<int> FirstImages(int count);

// Unit hyperpatch rows of the given images' maps, concatenated.
std::vector<float> PackUnitRows(const Database& db, const std::vector<int>& images,
                                const HyperpatchShape& shape);

// Unit hyperpatch rows of one query map.
std::vector<float> PackQueryRows(const MapView& query, const HyperpatchShape& shape);

// Row of a match's database cell among PackUnitRows of images 0, 1, 2, ...: the label FAISS and
// hnswlib give it.
long long RowOfMatch(const Match& match, const SearchData& data);

// A search's result and how long it took.
struct TimedField {
  CorrespondenceField field;
  double seconds = 0;
};

TimedField TimedExactSearch(const MapView& query, const Database& database,
                            const std::vector<int>& candidates = {});
TimedField TimedPatchMatch(const MapView& query, const Database& database,
                           const PatchMatchOptions& options);

// Exact search of every query over the whole database: the HyperPatch-Match benchmarks' baseline.
struct ExactBaseline {
  std::vector<CorrespondenceField> fields;  // one per query
  double seconds = 0;                       // all queries together
};
ExactBaseline ExactSearchAllQueries(const SearchData& data);

// How close an approximate field comes to the exact one over the same images.
struct FieldComparison {
  double similarity_ratio = 0;  // mean similarity / exact mean similarity
  double exact_fraction = 0;    // cells whose match is the exact one
  // Share of the gap between `random_similarity` (a random field's mean) and exact that is closed.
  double gap_closed = 0;
};
FieldComparison Compare(const CorrespondenceField& approx, const CorrespondenceField& exact,
                        double random_similarity);

// Writes the report to `path` (atomically, indented) unless `path` is empty.
void WriteReportIfAsked(const std::string& path, const nlohmann::json& report);

// Runs a benchmark's Main; an exception becomes "PROGRAM: error: ..." on stderr and exit code 2.
int RunBenchmark(const char* program, int (*main)(int, char**), int argc, char** argv);

}  // namespace compnn::bench
