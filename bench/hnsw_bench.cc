// compnn-bench-hnsw: what would a graph index cost at comparable quality? Builds hnswlib
// (M 16, ef_construction 100) on a subset of the database (its build is slow) and queries it at
// several ef; beside it, HyperPatch-Match (defaults) over the same subset. Times are taken in
// rounds: exact search over the subset, then a fresh build, the queries at every ef and
// HyperPatch-Match right after it; each time ratio is the median of the rounds' ratios, with its
// range. Quality is printed as fractions of exact search over the subset.
#include <hnswlib/hnswlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "search_bench_common.h"

namespace compnn::bench {
namespace {

constexpr int kEfs[] = {16, 64, 256};

// Each query cell's best match found by hnswlib at one ef, from the last round.
struct EfResult {
  int ef = 0;
  std::vector<hnswlib::labeltype> found;
  std::vector<float> similarity;
};

// hnswlib over the subset's unit rows. Rebuilt every round: the build is most of hnswlib's cost,
// so it is timed against exact search like the queries are.
class HnswIndex {
 public:
  HnswIndex(const SearchData& data, const std::vector<int>& subset, std::uint64_t seed)
      : length_(data.length),
        seed_(seed),
        rows_(PackUnitRows(data.database, subset, data.shape)),
        query_(PackQueryRows(data.query(0), data.shape)),
        space_(data.length) {}

  // Adds every row (labelled by its position) on all threads.
  void Build() {
    index_.reset();  // one index in memory at a time
    index_ =
        std::make_unique<hnswlib::HierarchicalNSW<float>>(&space_, row_count(), 16, 100, seed_);
    const long long count = row_count();
#pragma omp parallel for schedule(dynamic, 256)
    for (long long i = 0; i < count; ++i) index_->addPoint(rows_.data() + i * length_, i);
  }

  // Queries every unit row of the first query at search width `out.ef`.
  void Query(EfResult& out) {
    const long long query_rows = static_cast<long long>(query_.size() / length_);
    index_->setEf(out.ef);
    out.found.resize(query_rows);
    out.similarity.resize(query_rows);
#pragma omp parallel for schedule(dynamic, 64)
    for (long long i = 0; i < query_rows; ++i) {
      auto top = index_->searchKnn(query_.data() + i * length_, 1);
      out.found[i] = top.top().second;
      out.similarity[i] = 1.0f - top.top().first;  // the inner-product space's distance is 1 - dot
    }
  }

  long long row_count() const { return static_cast<long long>(rows_.size() / length_); }

 private:
  int length_;
  std::uint64_t seed_;
  std::vector<float> rows_, query_;
  hnswlib::InnerProductSpace space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

// (build + query) / exact search in each round: what answering the query would cost from scratch.
InterleavedTiming BuildPlusQuery(const InterleavedTiming& build, const InterleavedTiming& query) {
  std::vector<double> seconds;
  for (std::size_t r = 0; r < build.subject_seconds.size(); ++r)
    seconds.push_back(build.subject_seconds[r] + query.subject_seconds[r]);
  return SummarizeRounds(seconds, build.baseline_seconds);
}

// Prints one ef's table row and returns it as JSON.
nlohmann::json ReportEf(const EfResult& r, const InterleavedTiming& query,
                        const InterleavedTiming& build, const CorrespondenceField& exact,
                        const SearchData& data) {
  int same = 0;
  double sum = 0;
  for (std::size_t i = 0; i < r.found.size(); ++i) {
    same += static_cast<long long>(r.found[i]) == RowOfMatch(exact.matches[i], data);
    sum += r.similarity[i];
  }
  const double exact_fraction = static_cast<double>(same) / r.found.size();
  const double ratio = sum / r.found.size() / exact.MeanSimilarity();
  const InterleavedTiming total = BuildPlusQuery(build, query);
  std::printf("%6d %12.3f %12.4f   %-36s %s\n", r.ef, exact_fraction, ratio,
              SpreadText(RoundRatios(query)).c_str(), SpreadText(RoundRatios(total)).c_str());
  return {{"ef", r.ef},
          {"query_seconds", query.subject_median},
          {"query_time_ratio", query.ratio_median},
          {"build_plus_query_time_ratio", total.ratio_median},
          {"query_timing", query.ToJson()},
          {"build_plus_query_timing", total.ToJson()},
          {"exact_fraction", exact_fraction},
          {"similarity_ratio", ratio}};
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  int hnsw_images = 40, rounds = 3;
  PatchMatchParams defaults;
  CLI::App app{
      "hnswlib on a subset of the database, build + query at several ef, and HyperPatch-Match "
      "over the same subset, against exact search over it; times in alternating rounds, the "
      "median over the rounds."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  app.add_option("--hnsw-images", hnsw_images, "database subset indexed by hnswlib")
      ->capture_default_str();
  AddPatchMatchOptions(app, defaults);
  AddRoundsOption(app, rounds);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const std::vector<int> subset = FirstImages(std::min(hnsw_images, data.database.size()));
  HnswIndex index(data, subset, options.seed);
  std::vector<EfResult> efs;
  for (int ef : kEfs) efs.push_back({ef, {}, {}});
  CorrespondenceField exact, hpm;
  SearchRequest request;
  request.candidates = subset;
  std::vector<std::function<void()>> subjects = {[&] { index.Build(); }};
  for (EfResult& r : efs) subjects.push_back([&index, &r] { index.Query(r); });
  subjects.push_back(
      [&] { hpm = PatchMatch(data.query(0), data.database, defaults, request).field; });
  const std::vector<InterleavedTiming> timings = TimeRoundsPerQuery(
      [&](int) { exact = Exact(data.query(0), data.database, subset); }, subjects, 1, rounds);
  const InterleavedTiming &build = timings.front(), &hpm_timing = timings.back();
  const FieldComparison hpm_vs_exact = Compare(hpm, exact, 0.0);

  std::printf(
      "\nhnswlib on %zu images (%lld vectors; M 16, ef_construction 100); medians of %d rounds: "
      "exact search on them %.3f s, build %.2f s, HyperPatch-Match (defaults) %.3f s\n",
      subset.size(), index.row_count(), rounds, build.baseline_median, build.subject_median,
      hpm_timing.subject_median);
  std::printf("build / exact search: %s\n", SpreadText(RoundRatios(build)).c_str());
  std::printf("HyperPatch-Match / exact search: %s; %.3f exact cells, sim/exact %.4f\n",
              SpreadText(RoundRatios(hpm_timing)).c_str(), hpm_vs_exact.exact_fraction,
              hpm_vs_exact.similarity_ratio);
  std::printf("%6s %12s %12s   %-36s %s\n", "ef", "exact cells", "sim/exact", "query/exact",
              "(build+query)/exact");
  nlohmann::json curve = nlohmann::json::array();
  for (std::size_t i = 0; i < efs.size(); ++i)
    curve.push_back(ReportEf(efs[i], timings[1 + i], build, exact, data));
  report["rounds"] = rounds;
  report["hnswlib"] = {{"images", subset.size()},
                       {"curve", curve},
                       {"exact_seconds", build.baseline_median},
                       {"exact_seconds_per_round", build.baseline_seconds},
                       {"build_seconds", build.subject_median},
                       {"build_time_ratio", build.ratio_median},
                       {"build_timing", build.ToJson()},
                       {"hyperpatch_match",
                        {{"seconds", hpm_timing.subject_median},
                         {"time_ratio", hpm_timing.ratio_median},
                         {"timing", hpm_timing.ToJson()},
                         {"exact_fraction", hpm_vs_exact.exact_fraction},
                         {"similarity_ratio", hpm_vs_exact.similarity_ratio}}}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hnsw", compnn::bench::Main, argc, argv);
}
