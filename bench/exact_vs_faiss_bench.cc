// compnn-bench-exact-vs-faiss: is exact search as fast as a well-known exhaustive index? Times
// exact search of one query and FAISS IndexFlatIP (k = 1) on the same unit hyperpatch vectors
// alternately, round after round, over the first --faiss-images images of the database (both take
// time in proportion to it; three rounds of both over all 400 take about three minutes on 2 quiet
// cores, twice that on a busy machine), and prints the median time ratio with its range and how
// often the two find the same match.
#include <faiss/IndexFlat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "search_bench_common.h"

namespace compnn::bench {
namespace {

// FAISS IndexFlatIP over the unit rows of some images, and the first query's rows to search it
// with; built once, so that a round times the search alone.
class FaissSearch {
 public:
  FaissSearch(const SearchData& data, const std::vector<int>& images)
      : index_(data.length),
        query_(PackQueryRows(data.query(0), data.shape)),
        labels_(data.query(0).cells()),
        distances_(data.query(0).cells()) {
    // A temporary: the packed rows are freed once the index holds its own copy.
    index_.add(static_cast<faiss::Index::idx_t>(images.size()) * data.cells_per_map,
               PackUnitRows(data.database, images, data.shape).data());
  }

  void Run() {
    index_.search(static_cast<faiss::Index::idx_t>(labels_.size()), query_.data(), 1,
                  distances_.data(), labels_.data());
  }

  // Database row of each query cell's best match, from the last search.
  const std::vector<faiss::Index::idx_t>& labels() const { return labels_; }

 private:
  faiss::IndexFlatIP index_;
  std::vector<float> query_;
  std::vector<faiss::Index::idx_t> labels_;
  std::vector<float> distances_;
};

// Fraction of query cells where FAISS's match is exact search's (ties may differ).
double Agreement(const std::vector<faiss::Index::idx_t>& labels, const CorrespondenceField& exact,
                 const SearchData& data) {
  int agree = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    agree += labels[i] == RowOfMatch(exact.matches[i], data);
  return static_cast<double>(agree) / labels.size();
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  int faiss_images = 200, rounds = 3;
  CLI::App app{
      "Exact search's time against FAISS IndexFlatIP (k = 1) on the same unit hyperpatch "
      "vectors (one query over a part of the database), timed alternately in rounds; the median "
      "over the rounds."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  app.add_option("--faiss-images", faiss_images,
                 "images searched by both, the first of the database")
      ->capture_default_str();
  AddRoundsOption(app, rounds);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const std::vector<int> images = FirstImages(std::min(faiss_images, data.database.size()));
  FaissSearch faiss(data, images);
  CorrespondenceField exact;
  const InterleavedTiming t = TimeInterleaved(
      [&] { exact = Exact(data.query(0), data.database, images); }, [&] { faiss.Run(); }, rounds);
  const double flops =
      2.0 * data.query(0).cells() * images.size() * data.cells_per_map * data.length;
  const double agreement = Agreement(faiss.labels(), exact, data);
  std::printf(
      "\nover the first %zu images: exact search %.3f s (median), %.1f GFLOP/s, mean similarity "
      "%.4f; FAISS IndexFlatIP k=1 %.3f s (median)\n",
      images.size(), t.subject_median, flops / t.subject_median * 1e-9, exact.MeanSimilarity(),
      t.baseline_median);
  std::printf("exact search time / FAISS time = %s (goal <= 1); same match on %.1f%% of cells\n",
              t.RatioText().c_str(), 100.0 * agreement);
  report["rounds"] = t.subject_seconds.size();
  report["timing"] = t.ToJson();  // subject: exact search, baseline: FAISS
  report["exact"] = {{"images", images.size()},
                     {"seconds", t.subject_median},
                     {"gflops", flops / t.subject_median * 1e-9},
                     {"mean_similarity", exact.MeanSimilarity()}};
  report["faiss"] = {{"seconds", t.baseline_median},
                     {"exact_time_ratio", t.ratio_median},
                     {"exact_time_ratio_per_round", RoundRatios(t)},
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
