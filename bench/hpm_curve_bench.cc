// compnn-bench-hpm-curve: how much of exact search's quality does HyperPatch-Match reach, and in
// what fraction of its time? Runs HyperPatch-Match over the whole database (no prefilter) for each
// iteration count, then with its default stopping rule, and compares every field with exact search
// over all images measured in the same run. Figures are means over the queries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "compnn/core/stopwatch.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

// HyperPatch-Match of every query over the whole database, and the time of all of them.
std::vector<CorrespondenceField> PatchMatchAllQueries(const SearchData& data,
                                                      const PatchMatchOptions& options,
                                                      double* seconds = nullptr) {
  std::vector<CorrespondenceField> fields;
  const auto start = Clock::now();
  for (int i = 0; i < data.query_maps.count; ++i)
    fields.push_back(HyperPatchMatch(data.query(i), data.database, options).field);
  if (seconds) *seconds = SecondsSince(start);
  return fields;
}

// The fields before any iteration: the floor that "gap closed" is measured from.
std::vector<CorrespondenceField> RandomFields(const SearchData& data,
                                              const PatchMatchOptions& defaults) {
  PatchMatchOptions initial = defaults;
  initial.max_iterations = 0;
  return PatchMatchAllQueries(data, initial);
}

double MeanSimilarityRatio(const std::vector<CorrespondenceField>& fields,
                           const ExactBaseline& exact) {
  double ratio = 0;
  for (std::size_t i = 0; i < fields.size(); ++i)
    ratio += fields[i].MeanSimilarity() / exact.fields[i].MeanSimilarity() / fields.size();
  return ratio;
}

// One point of the curve: HyperPatch-Match with `options`, printed as a table row and returned as
// JSON.
nlohmann::json MeasurePoint(const SearchData& data, const PatchMatchOptions& options,
                            const std::string& label, const ExactBaseline& exact,
                            const std::vector<CorrespondenceField>& random_fields) {
  double seconds = 0;
  const std::vector<CorrespondenceField> fields = PatchMatchAllQueries(data, options, &seconds);
  const int queries = data.query_maps.count;
  FieldComparison mean;
  for (int i = 0; i < queries; ++i) {
    const FieldComparison c =
        Compare(fields[i], exact.fields[i], random_fields[i].MeanSimilarity());
    mean.similarity_ratio += c.similarity_ratio / queries;
    mean.exact_fraction += c.exact_fraction / queries;
    mean.gap_closed += c.gap_closed / queries;
  }
  std::printf("%10s %10.3f %12.5f %12.4f %12.3f %12.3f\n", label.c_str(), seconds / queries,
              seconds / exact.seconds, mean.similarity_ratio, mean.exact_fraction, mean.gap_closed);
  return {{"iterations", label},
          {"seconds_per_query", seconds / queries},
          {"time_ratio", seconds / exact.seconds},
          {"similarity_ratio", mean.similarity_ratio},
          {"exact_fraction", mean.exact_fraction},
          {"gap_closed", mean.gap_closed}};
}

nlohmann::json OptionsJson(const PatchMatchOptions& o) {
  return {{"random_images", o.random_images},
          {"long_range", o.long_range},
          {"initial_samples", o.initial_samples},
          {"max_iterations", o.max_iterations},
          {"min_improved_fraction", o.min_improved_fraction}};
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  std::vector<int> iteration_counts = {1, 2, 4, 8, 16, 32, 64};
  PatchMatchOptions defaults;
  CLI::App app{
      "HyperPatch-Match over the whole database against exact search, per iteration count: "
      "time, similarity, exact cells and gap closed as fractions of exact search's, measured in "
      "this run."};
  AddSearchBenchOptions(app, options, "query maps (figures are their mean)");
  app.add_option("--iterations", iteration_counts, "HyperPatch-Match iteration counts")
      ->delimiter(',');
  AddPatchMatchOptions(app, defaults);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const int queries = data.query_maps.count;
  const ExactBaseline exact = ExactSearchAllQueries(data);
  const std::vector<CorrespondenceField> random_fields = RandomFields(data, defaults);
  const double random_ratio = MeanSimilarityRatio(random_fields, exact);
  std::printf(
      "\nHyperPatch-Match over all %d images, mean of %d queries (random field: %.3f of exact "
      "mean similarity; exact search %.2f s per query)\n",
      data.database.size(), queries, random_ratio, exact.seconds / queries);
  std::printf("%10s %10s %12s %12s %12s %12s\n", "iterations", "seconds", "time/exact", "sim/exact",
              "exact cells", "gap closed");
  nlohmann::json curve = nlohmann::json::array();
  for (int n : iteration_counts) {
    PatchMatchOptions fixed = defaults;  // exactly n iterations: no early stop
    fixed.max_iterations = n;
    fixed.min_improved_fraction = 0.0;
    curve.push_back(MeasurePoint(data, fixed, std::to_string(n), exact, random_fields));
  }
  curve.push_back(MeasurePoint(data, defaults, "default", exact, random_fields));
  std::printf("goals: sim/exact >= 0.99, gap closed >= 0.95, time/exact <= 0.01\n");
  report["hyperpatch_match"] = {{"queries", queries},
                                {"random_similarity_ratio", random_ratio},
                                {"options", OptionsJson(defaults)},
                                {"curve", curve}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hpm-curve", compnn::bench::Main, argc, argv);
}
