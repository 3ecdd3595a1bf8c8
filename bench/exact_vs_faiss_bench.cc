// compnn-bench-exact-vs-faiss: is exact search as fast as a well-known exhaustive index? Times
// exact search of one query over the whole database and FAISS IndexFlatIP (k = 1) on the same unit
// hyperpatch vectors in the same run, prints the time ratio and how often the two find the same
// match.
#include <faiss/IndexFlat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "compnn/core/stopwatch.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

struct FaissResult {
  std::vector<faiss::Index::idx_t> labels;  // database row of each query cell's best match
  double seconds = 0;                       // the search alone, not adding the vectors
};

FaissResult SearchWithFaiss(const SearchData& data) {
  faiss::IndexFlatIP index(data.length);
  {
    // Scoped: the packed rows are freed once the index holds its own copy.
    const std::vector<float> vectors =
        PackUnitRows(data.database, FirstImages(data.database.size()), data.shape);
    index.add(data.database_rows, vectors.data());
  }
  const std::vector<float> q = PackQueryRows(data.query(0), data.shape);
  const int query_rows = data.query(0).cells();
  std::vector<float> distances(query_rows);
  FaissResult result{std::vector<faiss::Index::idx_t>(query_rows)};
  const auto start = Clock::now();
  index.search(query_rows, q.data(), 1, distances.data(), result.labels.data());
  result.seconds = SecondsSince(start);
  return result;
}

// Fraction of query cells where FAISS's match is exact search's (ties may differ).
double Agreement(const FaissResult& faiss, const CorrespondenceField& exact,
                 const SearchData& data) {
  int agree = 0;
  for (std::size_t i = 0; i < faiss.labels.size(); ++i)
    agree += faiss.labels[i] == RowOfMatch(exact.matches[i], data);
  return static_cast<double>(agree) / faiss.labels.size();
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  CLI::App app{
      "Exact search's time against FAISS IndexFlatIP (k = 1) on the same unit hyperpatch "
      "vectors (one query over the whole database), both measured in this run."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const TimedField exact = TimedExactSearch(data.query(0), data.database);
  const double flops = 2.0 * data.query(0).cells() * data.database_rows * data.length;
  std::printf("\nexact search: %.2f s, %.1f GFLOP/s, mean similarity %.4f\n", exact.seconds,
              flops / exact.seconds * 1e-9, exact.field.MeanSimilarity());

  const FaissResult faiss = SearchWithFaiss(data);
  const double agreement = Agreement(faiss, exact.field, data);
  std::printf(
      "FAISS IndexFlatIP k=1: %.2f s -> exact search time / FAISS time = %.3f (goal <= 1); "
      "same match on %.1f%% of cells\n",
      faiss.seconds, exact.seconds / faiss.seconds, 100.0 * agreement);
  report["exact"] = {{"seconds", exact.seconds},
                     {"gflops", flops / exact.seconds * 1e-9},
                     {"mean_similarity", exact.field.MeanSimilarity()}};
  report["faiss"] = {{"seconds", faiss.seconds},
                     {"exact_time_ratio", exact.seconds / faiss.seconds},
                     {"agreement", agreement}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-exact-vs-faiss", compnn::bench::Main, argc,
                                     argv);
}
