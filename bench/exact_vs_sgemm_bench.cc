// compnn-bench-exact-vs-sgemm: how close does exact search come to the matrix product it is built
// on? Times exact search of one query over the whole database, then OpenBLAS sgemm alone on the
// same shapes (the query's unit rows against one image's at a time), and prints exact search's
// throughput as a fraction of sgemm's, both measured in this run.
#include <cblas.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "compnn/core/stopwatch.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

struct SgemmThroughput {
  int images = 0;
  double flops_per_second = 0;
};

// sgemm of the first query's unit rows against each of the first `images` maps' rows in turn:
// the products exact search makes, without its arg-max, blocking and threading around them.
SgemmThroughput MeasureSgemm(const SearchData& data, int images) {
  const std::vector<int> some = FirstImages(std::min(images, data.database.size()));
  const std::vector<float> q = PackQueryRows(data.query(0), data.shape);
  const std::vector<float> p = PackUnitRows(data.database, some, data.shape);
  const int query_rows = data.query(0).cells(), per_image = data.cells_per_map;
  const int length = data.length;
  std::vector<float> c(static_cast<std::size_t>(query_rows) * per_image);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < some.size(); ++i) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, query_rows, per_image, length, 1.0f,
                q.data(), length, p.data() + i * per_image * length, length, 0.0f, c.data(),
                per_image);
  }
  const double seconds = SecondsSince(start);
  const double flops = 2.0 * query_rows * per_image * length * some.size();
  return {static_cast<int>(some.size()), flops / seconds};
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  int sgemm_images = 20;
  CLI::App app{
      "Exact search's throughput (one query over the whole database) as a fraction of OpenBLAS "
      "sgemm's on the same shapes, both measured in this run."};
  AddSearchBenchOptions(app, options, "query maps made (only the first is searched)");
  app.add_option("--sgemm-images", sgemm_images, "images for the sgemm throughput baseline")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const TimedField exact = TimedExactSearch(data.query(0), data.database);
  const double flops = 2.0 * data.query(0).cells() * data.database_rows * data.length;
  const double exact_flops_per_second = flops / exact.seconds;
  std::printf("\nexact search: %.2f s, %.1f GFLOP/s, mean similarity %.4f\n", exact.seconds,
              exact_flops_per_second * 1e-9, exact.field.MeanSimilarity());

  const SgemmThroughput sgemm = MeasureSgemm(data, sgemm_images);
  const double ratio = exact_flops_per_second / sgemm.flops_per_second;
  std::printf(
      "sgemm (%d x %d x %d, %d images): %.1f GFLOP/s -> exact search reaches %.3f of "
      "sgemm throughput (goal >= 0.85)\n",
      data.query(0).cells(), data.cells_per_map, data.length, sgemm.images,
      sgemm.flops_per_second * 1e-9, ratio);
  report["exact"] = {{"seconds", exact.seconds},
                     {"gflops", exact_flops_per_second * 1e-9},
                     {"sgemm_gflops", sgemm.flops_per_second * 1e-9},
                     {"fraction_of_sgemm", ratio},
                     {"mean_similarity", exact.field.MeanSimilarity()}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-exact-vs-sgemm", compnn::bench::Main, argc,
                                     argv);
}
