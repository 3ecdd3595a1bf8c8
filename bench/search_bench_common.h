// What the search benchmarks (compnn-bench-exact-vs-sgemm, -exact-vs-faiss, -hpm-curve,
// -hpm-topk, -hnsw; see README.md) share: the dataset options, the maps they search, rounds of a
// baseline and its subjects timed alternately, field comparison and the JSON report. Each program
// answers one question and prints ratios against a baseline measured in the same run, each the
// median over the rounds with its range: absolute times on a shared machine mean little, and a
// baseline timed once drifts away from a subject timed at another moment.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/searcher.h"
#include "interleaved_timing.h"
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

// Registers HyperPatch-Match's --random-images, --long-range, --initial-samples and
// --search-matches.
void AddPatchMatchOptions(CLI::App& app, PatchMatchParams& params);

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

// Registers --rounds: how many alternating rounds of subject and baseline every ratio is the
// median of.
void AddRoundsOption(CLI::App& app, int& rounds);

// Exact search of `query` over `candidates` (all images when empty).
CorrespondenceField Exact(const MapView& query, const Database& database,
                          const std::vector<int>& candidates = {});

// HyperPatch-Match of `query` with `params`, answering `request` (by default: all images, one match
// a cell, seed 0, every thread).
SearchResult PatchMatch(const MapView& query, const Database& database,
                        const PatchMatchParams& params, const SearchRequest& request = {});

// Alternating rounds where one baseline serves several subjects (the points of a curve, the
// settings beside it): each round times the baseline, then every subject right after it, so that a
// round's ratios all see the same machine. `baseline(round)` searches one query and every subject
// `queries` of them; subject times are divided by `queries`, so that times and ratios are per
// query. Returns one timing per subject, against the baseline.
std::vector<InterleavedTiming> TimeRoundsPerQuery(
    const std::function<void(int round)>& baseline,
    const std::vector<std::function<void()>>& subjects, int queries, int rounds);

// Exact search over the whole database as the baseline of rounds (hpm-curve, hpm-topk): round r
// searches query r mod the query count alone. Exact search's time depends on the sizes, not on the
// values, so one query a round is every query's baseline; a round searching all of them would
// multiply the run's longest step by the rounds. With as many rounds as queries (the default) the
// rounds also leave every query's exact field, which the quality figures need.
struct ExactFields {
  explicit ExactFields(const SearchData& data) : data(data), fields(data.query_maps.count) {}

  void SearchForRound(int round);
  // Searches, untimed, the queries that no round reached (fewer rounds than queries).
  void Complete();

  const SearchData& data;
  std::vector<CorrespondenceField> fields;  // one per query; empty until searched
};

// How close an approximate field comes to the exact one over the same images.
struct FieldComparison {
  double similarity_ratio = 0;  // mean similarity / exact mean similarity
  double exact_fraction = 0;    // cells whose match is the exact one
  // Share of the gap between `random_similarity` (a random field's mean) and exact that is closed.
  double gap_closed = 0;
};
// Compares the best matches of the two fields.
FieldComparison Compare(const CorrespondenceField& approx, const CorrespondenceField& exact,
                        double random_similarity);

// Writes the report to `path` (atomically, indented) unless `path` is empty.
void WriteReportIfAsked(const std::string& path, const nlohmann::json& report);

// Runs a benchmark's Main; an exception becomes "PROGRAM: error: ..." on stderr and exit code 2.
int RunBenchmark(const char* program, int (*main)(int, char**), int argc, char** argv);

}  // namespace compnn::bench
