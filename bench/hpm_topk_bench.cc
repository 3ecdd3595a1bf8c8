// compnn-bench-hpm-topk: the paper's setting. HyperPatch-Match over the top-16 images by global
// descriptor (here the whole map, flattened), against exact search over the same 16 and over all
// images, measured in the same run. Figures are means over the queries.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <span>

#include "compnn/core/global_prefilter.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

constexpr int kPrefilterImages = 16;  // the paper's top-k

// Accumulated over the queries: times in all (printed as fractions of exact search over all
// images), ratios already divided by the query count (so they end as means).
struct PrefilterTotals {
  double exact16_seconds = 0, hpm16_seconds = 0;
  double vs_exact16 = 0, cells16 = 0, vs_exact_all = 0;
};

// Adds query `i`'s figures: prefilter, exact search and HyperPatch-Match over the top images.
void MeasureQuery(const SearchData& data, int i, const PatchMatchOptions& defaults,
                  const ExactBaseline& exact_all, PrefilterTotals& totals) {
  const int per_map = data.cells_per_map * data.database.depth();
  const DescriptorMatrix globals{data.database_maps.values.data(), data.database.size(), per_map};
  const MapView q = data.query(i);
  const std::vector<int> top = GlobalTopK(std::span<const float>(q.data, per_map), globals,
                                          std::min(kPrefilterImages, data.database.size()));
  const TimedField exact16 = TimedExactSearch(q, data.database, top);
  PatchMatchOptions po = defaults;
  po.candidates = top;
  const TimedField hpm16 = TimedPatchMatch(q, data.database, po);
  const FieldComparison c = Compare(hpm16.field, exact16.field, 0.0);
  const int queries = data.query_maps.count;
  totals.exact16_seconds += exact16.seconds;
  totals.hpm16_seconds += hpm16.seconds;
  totals.vs_exact16 += c.similarity_ratio / queries;
  totals.cells16 += c.exact_fraction / queries;
  totals.vs_exact_all +=
      hpm16.field.MeanSimilarity() / exact_all.fields[i].MeanSimilarity() / queries;
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  PatchMatchOptions defaults;
  CLI::App app{
      "The paper's setting: HyperPatch-Match over the top-16 images by global descriptor, "
      "against exact search over the same 16 and over all images, measured in this run."};
  AddSearchBenchOptions(app, options, "query maps (figures are their mean)");
  AddPatchMatchOptions(app, defaults);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const ExactBaseline exact_all = ExactSearchAllQueries(data);
  std::printf("\nexact search over all %d images: %.2f s per query\n", data.database.size(),
              exact_all.seconds / data.query_maps.count);
  PrefilterTotals totals;
  for (int i = 0; i < data.query_maps.count; ++i)
    MeasureQuery(data, i, defaults, exact_all, totals);
  const double exact_ratio = totals.exact16_seconds / exact_all.seconds;
  const double hpm_ratio = totals.hpm16_seconds / exact_all.seconds;
  std::printf(
      "with the top-16 global prefilter: exact over the 16 takes %.5f of exact over all; "
      "HyperPatch-Match over the 16 takes %.5f, reaches %.4f of exact-over-16 similarity "
      "(%.3f exact cells) and %.4f of exact-over-all\n",
      exact_ratio, hpm_ratio, totals.vs_exact16, totals.cells16, totals.vs_exact_all);
  report["prefilter16"] = {{"exact_time_ratio", exact_ratio},
                           {"hpm_time_ratio", hpm_ratio},
                           {"hpm_vs_exact16_similarity", totals.vs_exact16},
                           {"hpm_vs_exact16_cells", totals.cells16},
                           {"hpm_vs_exact_all_similarity", totals.vs_exact_all}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hpm-topk", compnn::bench::Main, argc, argv);
}
