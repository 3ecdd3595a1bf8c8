// compnn-bench-hpm-curve: how much of exact search's quality does HyperPatch-Match reach, and in
// what fraction of its time? Runs HyperPatch-Match over the whole database (no prefilter) for each
// iteration count, then with its default stopping rule, and compares every field with exact search
// over all images. Times are taken in rounds: exact search of one query, then every point of the
// curve over all queries right after it; each point's time ratio is the median of the rounds'
// ratios, with its range. Quality figures are means over the queries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "search_bench_common.h"

namespace compnn::bench {
namespace {

// HyperPatch-Match of every query over the whole database.
std::vector<CorrespondenceField> PatchMatchAllQueries(const SearchData& data,
                                                      const PatchMatchParams& params) {
  std::vector<CorrespondenceField> fields;
  for (int i = 0; i < data.query_maps.count; ++i)
    fields.push_back(PatchMatch(data.query(i), data.database, params).field);
  return fields;
}

// The fields before any iteration: the floor that "gap closed" is measured from.
std::vector<CorrespondenceField> RandomFields(const SearchData& data,
                                              const PatchMatchParams& defaults) {
  PatchMatchParams initial = defaults;
  initial.max_iterations = 0;
  return PatchMatchAllQueries(data, initial);
}

double MeanSimilarityRatio(const std::vector<CorrespondenceField>& fields,
                           const std::vector<CorrespondenceField>& exact) {
  double ratio = 0;
  for (std::size_t i = 0; i < fields.size(); ++i)
    ratio += fields[i].MeanSimilarity() / exact[i].MeanSimilarity() / fields.size();
  return ratio;
}

// One point of the curve: HyperPatch-Match with `options`, and the fields of its last round.
struct CurvePoint {
  std::string label;
  PatchMatchParams options;
  std::vector<CorrespondenceField> fields;
};

std::vector<CurvePoint> CurvePoints(const std::vector<int>& iteration_counts,
                                    const PatchMatchParams& defaults) {
  std::vector<CurvePoint> points;
  for (int n : iteration_counts) {
    PatchMatchParams fixed = defaults;  // exactly n iterations: no early stop
    fixed.max_iterations = n;
    fixed.min_improved_fraction = 0.0;
    points.push_back({std::to_string(n), fixed, {}});
  }
  points.push_back({"default", defaults, {}});
  return points;
}

// Prints a point as a table row and returns it as JSON; its fields are compared with exact search.
nlohmann::json ReportPoint(const CurvePoint& point, const InterleavedTiming& t,
                           const std::vector<CorrespondenceField>& exact,
                           const std::vector<CorrespondenceField>& random_fields) {
  const int queries = static_cast<int>(exact.size());
  FieldComparison mean;
  for (int i = 0; i < queries; ++i) {
    const FieldComparison c = Compare(point.fields[i], exact[i], random_fields[i].MeanSimilarity());
    mean.similarity_ratio += c.similarity_ratio / queries;
    mean.exact_fraction += c.exact_fraction / queries;
    mean.gap_closed += c.gap_closed / queries;
  }
  std::printf("%10s %10.3f %12.4f %12.3f %12.3f   %s\n", point.label.c_str(), t.subject_median,
              mean.similarity_ratio, mean.exact_fraction, mean.gap_closed,
              SpreadText(RoundRatios(t)).c_str());
  return {{"iterations", point.label},
          {"seconds_per_query", t.subject_median},
          {"time_ratio", t.ratio_median},
          {"time_ratio_per_round", RoundRatios(t)},
          {"timing", t.ToJson()},  // per query; subject: this point, baseline: exact search
          {"similarity_ratio", mean.similarity_ratio},
          {"exact_fraction", mean.exact_fraction},
          {"gap_closed", mean.gap_closed}};
}

nlohmann::json OptionsJson(const PatchMatchParams& o) { return PatchMatchSearcher(o).Parameters(); }

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  std::vector<int> iteration_counts = {1, 2, 4, 8, 16, 32, 64};
  PatchMatchParams defaults;
  int rounds = 3;
  CLI::App app{
      "HyperPatch-Match over the whole database against exact search, per iteration count: "
      "time, similarity, exact cells and gap closed as fractions of exact search's; times in "
      "alternating rounds, the median over the rounds."};
  AddSearchBenchOptions(app, options, "query maps (figures are their mean)");
  app.add_option("--iterations", iteration_counts, "HyperPatch-Match iteration counts")
      ->delimiter(',');
  AddPatchMatchOptions(app, defaults);
  AddRoundsOption(app, rounds);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const int queries = data.query_maps.count;
  std::vector<CurvePoint> points = CurvePoints(iteration_counts, defaults);
  std::vector<std::function<void()>> subjects;
  for (CurvePoint& p : points)
    subjects.push_back([&data, &p] { p.fields = PatchMatchAllQueries(data, p.options); });
  ExactFields exact(data);
  const std::vector<InterleavedTiming> timings = TimeRoundsPerQuery(
      [&](int round) { exact.SearchForRound(round); }, subjects, queries, rounds);
  exact.Complete();

  const std::vector<CorrespondenceField> random_fields = RandomFields(data, defaults);
  const double random_ratio = MeanSimilarityRatio(random_fields, exact.fields);
  std::printf(
      "\nHyperPatch-Match over all %d images, mean of %d queries (random field: %.3f of exact "
      "mean similarity; exact search %.3f s per query, median of %d rounds)\n",
      data.database.size(), queries, random_ratio, timings[0].baseline_median, rounds);
  std::printf("%10s %10s %12s %12s %12s   %s\n", "iterations", "seconds", "sim/exact",
              "exact cells", "gap closed", "time/exact, median (range)");
  nlohmann::json curve = nlohmann::json::array();
  for (std::size_t i = 0; i < points.size(); ++i)
    curve.push_back(ReportPoint(points[i], timings[i], exact.fields, random_fields));
  std::printf("goals: sim/exact >= 0.99, gap closed >= 0.95, time/exact <= 0.01\n");
  report["rounds"] = rounds;
  report["hyperpatch_match"] = {{"queries", queries},
                                {"exact_seconds_per_query", timings[0].baseline_median},
                                {"exact_seconds_per_round", timings[0].baseline_seconds},
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
