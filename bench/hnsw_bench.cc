// compnn-bench-hnsw: what would a graph index cost at comparable quality? Builds hnswlib
// (M 16, ef_construction 100) on a subset of the database (its build is slow) and queries it at
// several ef; beside it, exact search and HyperPatch-Match (defaults) over the same subset,
// measured in the same run. Quality is printed as fractions of exact search over the subset.
#include <hnswlib/hnswlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "compnn/core/stopwatch.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

// Exact search and HyperPatch-Match of the first query over the subset: hnswlib's baselines.
struct SubsetBaselines {
  TimedField exact, hpm;
  FieldComparison hpm_vs_exact;
};

SubsetBaselines MeasureBaselines(const SearchData& data, const std::vector<int>& subset,
                                 const PatchMatchOptions& defaults) {
  SubsetBaselines b;
  b.exact = TimedExactSearch(data.query(0), data.database, subset);
  PatchMatchOptions po = defaults;
  po.candidates = subset;
  b.hpm = TimedPatchMatch(data.query(0), data.database, po);
  b.hpm_vs_exact = Compare(b.hpm.field, b.exact.field, 0.0);
  return b;
}

// Adds every row (labelled by its position) on all threads; returns the build's seconds.
double AddAllRows(hnswlib::HierarchicalNSW<float>& index, const std::vector<float>& rows,
                  int length) {
  const long long count = static_cast<long long>(rows.size() / length);
  const auto start = Clock::now();
#pragma omp parallel for schedule(dynamic, 256)
  for (long long i = 0; i < count; ++i) index.addPoint(rows.data() + i * length, i);
  return SecondsSince(start);
}

// Queries every unit row of the first query at search width `ef`; prints a table row and returns
// it as JSON.
nlohmann::json QueryAtEf(hnswlib::HierarchicalNSW<float>& index, int ef,
                         const std::vector<float>& q, const SearchData& data,
                         const CorrespondenceField& exact, double build_seconds) {
  const long long query_rows = data.query(0).cells();
  index.setEf(ef);
  std::vector<hnswlib::labeltype> found(query_rows);
  std::vector<float> similarity(query_rows);
  const auto start = Clock::now();
#pragma omp parallel for schedule(dynamic, 64)
  for (long long i = 0; i < query_rows; ++i) {
    auto top = index.searchKnn(q.data() + i * data.length, 1);
    found[i] = top.top().second;
    similarity[i] = 1.0f - top.top().first;  // the inner-product space's distance is 1 - dot
  }
  const double query_seconds = SecondsSince(start);
  int same = 0;
  double sum = 0;
  for (long long i = 0; i < query_rows; ++i) {
    same += static_cast<long long>(found[i]) == RowOfMatch(exact.matches[i], data);
    sum += similarity[i];
  }
  const double exact_fraction = static_cast<double>(same) / query_rows;
  const double ratio = sum / query_rows / exact.MeanSimilarity();
  std::printf("%6d %12.3f %16.2f %12.3f %12.4f\n", ef, query_seconds, build_seconds + query_seconds,
              exact_fraction, ratio);
  return {{"ef", ef},
          {"query_seconds", query_seconds},
          {"build_seconds", build_seconds},
          {"exact_fraction", exact_fraction},
          {"similarity_ratio", ratio}};
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  int hnsw_images = 40;
  PatchMatchOptions defaults;
  CLI::App app{
      "hnswlib on a subset of the database, build + query at several ef, against exact search "
      "and HyperPatch-Match over the same subset, measured in this run."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  app.add_option("--hnsw-images", hnsw_images, "database subset indexed by hnswlib")
      ->capture_default_str();
  AddPatchMatchOptions(app, defaults);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const std::vector<int> subset = FirstImages(std::min(hnsw_images, data.database.size()));
  const SubsetBaselines base = MeasureBaselines(data, subset, defaults);
  const std::vector<float> rows = PackUnitRows(data.database, subset, data.shape);
  const long long row_count = static_cast<long long>(subset.size()) * data.cells_per_map;
  hnswlib::InnerProductSpace space(data.length);
  hnswlib::HierarchicalNSW<float> index(&space, row_count, 16, 100, options.seed);
  const double build_seconds = AddAllRows(index, rows, data.length);
  std::printf(
      "\nhnswlib on %zu images (%lld vectors; M 16, ef_construction 100): build %.2f s; "
      "exact search on them %.3f s; HyperPatch-Match (defaults) %.3f s, %.3f exact cells, "
      "sim/exact %.4f\n",
      subset.size(), row_count, build_seconds, base.exact.seconds, base.hpm.seconds,
      base.hpm_vs_exact.exact_fraction, base.hpm_vs_exact.similarity_ratio);
  std::printf("%6s %12s %16s %12s %12s\n", "ef", "query s", "build+query s", "exact cells",
              "sim/exact");
  const std::vector<float> q = PackQueryRows(data.query(0), data.shape);
  nlohmann::json curve = nlohmann::json::array();
  for (int ef : {16, 64, 256})
    curve.push_back(QueryAtEf(index, ef, q, data, base.exact.field, build_seconds));
  report["hnswlib"] = {{"images", subset.size()},
                       {"curve", curve},
                       {"exact_seconds", base.exact.seconds},
                       {"hyperpatch_match",
                        {{"seconds", base.hpm.seconds},
                         {"exact_fraction", base.hpm_vs_exact.exact_fraction},
                         {"similarity_ratio", base.hpm_vs_exact.similarity_ratio}}}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hnsw", compnn::bench::Main, argc, argv);
}
