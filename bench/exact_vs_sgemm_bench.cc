// compnn-bench-exact-vs-sgemm: how close does exact search come to the matrix product it is built
// on? Times exact search of one query over the whole database and OpenBLAS sgemm alone on the same
// shapes (the query's unit rows against one image's at a time) alternately, round after round, and
// prints exact search's throughput as a fraction of sgemm's: the median over the rounds, with its
// range.
#include <cblas.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "search_bench_common.h"

namespace compnn::bench {
namespace {

// sgemm of the first query's unit rows against each of the first `images` maps' rows in turn:
// the products exact search makes, without its arg-max, blocking and threading around them. The
// rows are packed once, so that a round times the products alone.
class SgemmBaseline {
 public:
  SgemmBaseline(const SearchData& data, int images)
      : images_(std::min(images, data.database.size())),
        query_rows_(data.query(0).cells()),
        per_image_(data.cells_per_map),
        length_(data.length),
        q_(PackQueryRows(data.query(0), data.shape)),
        p_(PackUnitRows(data.database, FirstImages(images_), data.shape)),
        c_(static_cast<std::size_t>(query_rows_) * per_image_) {}

  void Run() {
    for (int i = 0; i < images_; ++i) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, query_rows_, per_image_, length_, 1.0f,
                  q_.data(), length_,
                  p_.data() + static_cast<std::size_t>(i) * per_image_ * length_, length_, 0.0f,
                  c_.data(), per_image_);
    }
  }

  double flops() const { return 2.0 * query_rows_ * per_image_ * length_ * images_; }
  int images() const { return images_; }

 private:
  int images_, query_rows_, per_image_, length_;
  std::vector<float> q_, p_, c_;
};

// Exact search's throughput as a fraction of sgemm's in each round: (flops_e / flops_s) / (t_e /
// t_s). The round where exact search's time ratio is highest has the lowest fraction: the range
// flips.
std::vector<double> ThroughputFractions(const InterleavedTiming& t, double flops_ratio) {
  std::vector<double> fractions;
  for (double ratio : RoundRatios(t)) fractions.push_back(flops_ratio / ratio);
  return fractions;
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  int sgemm_images = 20, rounds = 3;
  CLI::App app{
      "Exact search's throughput (one query over the whole database) as a fraction of OpenBLAS "
      "sgemm's on the same shapes, timed alternately in rounds; the median over the rounds."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  app.add_option("--sgemm-images", sgemm_images, "images for the sgemm throughput baseline")
      ->capture_default_str();
  AddRoundsOption(app, rounds);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  SgemmBaseline sgemm(data, sgemm_images);
  CorrespondenceField exact;
  const InterleavedTiming t = TimeInterleaved([&] { exact = Exact(data.query(0), data.database); },
                                              [&] { sgemm.Run(); }, rounds);
  const double exact_flops = 2.0 * data.query(0).cells() * data.database_rows * data.length;
  const std::vector<double> fractions = ThroughputFractions(t, exact_flops / sgemm.flops());
  const double exact_gflops = exact_flops / t.subject_median * 1e-9;
  const double sgemm_gflops = sgemm.flops() / t.baseline_median * 1e-9;
  std::printf("\nexact search: %.3f s (median), %.1f GFLOP/s, mean similarity %.4f\n",
              t.subject_median, exact_gflops, exact.MeanSimilarity());
  std::printf("sgemm (%d x %d x %d, %d images): %.3f s (median), %.1f GFLOP/s\n",
              data.query(0).cells(), data.cells_per_map, data.length, sgemm.images(),
              t.baseline_median, sgemm_gflops);
  std::printf("exact search reaches %s of sgemm throughput (goal >= 0.85)\n",
              SpreadText(fractions).c_str());
  report["rounds"] = t.subject_seconds.size();
  report["timing"] = t.ToJson();  // subject: exact search, baseline: sgemm
  report["exact"] = {{"seconds", t.subject_median},
                     {"gflops", exact_gflops},
                     {"sgemm_images", sgemm.images()},
                     {"sgemm_seconds", t.baseline_median},
                     {"sgemm_gflops", sgemm_gflops},
                     {"fraction_of_sgemm", Median(fractions)},
                     {"fraction_of_sgemm_per_round", fractions},
                     {"mean_similarity", exact.MeanSimilarity()}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-exact-vs-sgemm", compnn::bench::Main, argc,
                                     argv);
}
