// compnn-bench-hpm-load: does HyperPatch-Match keep its speed when the machine is doing other work?
// The same search with all threads and with one, alternately, on a quiet machine and then beside
// one and two busy processes that the benchmark starts itself (noisy neighbours). The ratio that
// matters is all threads against one thread under the same load: above 1, the threads cost more
// in waiting for each other than they bring.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "busy_neighbours.h"
#include "interleaved_timing.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  options.images = 40;
  options.image_size = 256;
  options.depth = 32;
  options.queries = 1;
  PatchMatchParams defaults;
  std::vector<int> loads = {0, 1, 2};
  int rounds = 7;
  CLI::App app{
      "HyperPatch-Match with all threads against one thread, timed alternately, on a quiet "
      "machine and beside busy processes started by the benchmark (noisy neighbours)."};
  AddSearchBenchOptions(app, options, "query maps (each round searches all of them)");
  AddPatchMatchOptions(app, defaults);
  app.add_option("--neighbours", loads, "busy processes beside the search, one run per count")
      ->delimiter(',')
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--rounds", rounds, "alternating rounds per load (the median is reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const int threads = report["threads"];
  const SearchData data(options, report);
  auto search = [&](int thread_count) {
    SearchRequest request;
    request.threads = thread_count;
    return [&data, defaults, request] {
      for (int i = 0; i < data.query_maps.count; ++i)
        PatchMatch(data.query(i), data.database, defaults, request);
    };
  };
  const auto all_threads = search(threads), one_thread = search(1);
  all_threads();  // warm-up: page faults and caches belong to no round

  std::printf("\n%10s %16s %16s   %s\n", "neighbours", "all threads (s)", "1 thread (s)",
              "all / 1 thread, median (range)");
  double quiet = 0;
  for (int load : loads) {
    const BusyNeighbours neighbours(load);
    const InterleavedTiming t = TimeInterleaved(all_threads, one_thread, rounds);
    if (load == 0) quiet = t.subject_median;
    std::printf("%10d %16.4f %16.4f   %s\n", load, t.subject_median, t.baseline_median,
                t.RatioText().c_str());
    nlohmann::json row = t.ToJson();
    row["neighbours"] = load;
    report["loads"].push_back(row);
  }
  if (quiet > 0) {
    for (const nlohmann::json& row : report["loads"]) {
      std::printf("neighbours %d: all threads take %.2fx their quiet time\n",
                  row["neighbours"].get<int>(), row["subject_median"].get<double>() / quiet);
    }
  }
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hpm-load", compnn::bench::Main, argc, argv);
}
