// compnn-bench-hpm-topk: the paper's setting. HyperPatch-Match over the top-16 images by global
// descriptor (here the whole map, flattened), against exact search over the same 16 and over all
// images. Times are taken in rounds: exact search of one query over all images, then exact search
// and HyperPatch-Match of every query over its 16 right after it; each time ratio is the median of
// the rounds' ratios, with its range. Quality figures are means over the queries.
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

// Every query's top images by global descriptor: chosen once, outside the timed rounds, as before
// the rounds existed.
std::vector<std::vector<int>> TopImages(const SearchData& data) {
  const int per_map = data.cells_per_map * data.database.depth();
  const DescriptorMatrix globals{data.database_maps.values.data(), data.database.size(), per_map};
  std::vector<std::vector<int>> top;
  for (int i = 0; i < data.query_maps.count; ++i) {
    top.push_back(GlobalTopK(std::span<const float>(data.query(i).data, per_map), globals,
                             std::min(kPrefilterImages, data.database.size())));
  }
  return top;
}

// Exact search and HyperPatch-Match of every query over its top images: the rounds' subjects,
// keeping the fields of the last round.
struct PrefilterSearches {
  std::vector<CorrespondenceField> exact16, hpm16;

  void RunExact(const SearchData& data, const std::vector<std::vector<int>>& top) {
    exact16.clear();
    for (int i = 0; i < data.query_maps.count; ++i)
      exact16.push_back(Exact(data.query(i), data.database, top[i]));
  }
  void RunPatchMatch(const SearchData& data, const std::vector<std::vector<int>>& top,
                     const PatchMatchParams& defaults) {
    hpm16.clear();
    for (int i = 0; i < data.query_maps.count; ++i) {
      SearchRequest request;
      request.candidates = top[i];
      hpm16.push_back(PatchMatch(data.query(i), data.database, defaults, request).field);
    }
  }
};

// Means over the queries of HyperPatch-Match's quality against exact search over its 16 and over
// all images.
struct PrefilterQuality {
  double vs_exact16 = 0, cells16 = 0, vs_exact_all = 0;
};

PrefilterQuality Quality(const PrefilterSearches& s,
                         const std::vector<CorrespondenceField>& exact_all) {
  PrefilterQuality q;
  const double queries = static_cast<double>(exact_all.size());
  for (std::size_t i = 0; i < exact_all.size(); ++i) {
    const FieldComparison c = Compare(s.hpm16[i], s.exact16[i], 0.0);
    q.vs_exact16 += c.similarity_ratio / queries;
    q.cells16 += c.exact_fraction / queries;
    q.vs_exact_all += s.hpm16[i].MeanSimilarity() / exact_all[i].MeanSimilarity() / queries;
  }
  return q;
}

int Main(int argc, char** argv) {
  SearchBenchOptions options;
  PatchMatchParams defaults;
  int rounds = 3;
  CLI::App app{
      "The paper's setting: HyperPatch-Match over the top-16 images by global descriptor, "
      "against exact search over the same 16 and over all images; times in alternating rounds, "
      "the median over the rounds."};
  AddSearchBenchOptions(app, options, "query maps (figures are their mean)");
  AddPatchMatchOptions(app, defaults);
  AddRoundsOption(app, rounds);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const SearchData data(options, report);
  const std::vector<std::vector<int>> top = TopImages(data);
  PrefilterSearches searches;
  ExactFields exact_all(data);
  const std::vector<InterleavedTiming> timings = TimeRoundsPerQuery(
      [&](int round) { exact_all.SearchForRound(round); },
      {[&] { searches.RunExact(data, top); }, [&] { searches.RunPatchMatch(data, top, defaults); }},
      data.query_maps.count, rounds);
  exact_all.Complete();
  const InterleavedTiming &exact16 = timings[0], &hpm16 = timings[1];
  const PrefilterQuality q = Quality(searches, exact_all.fields);

  std::printf("\nexact search over all %d images: %.3f s per query (median of %d rounds)\n",
              data.database.size(), exact16.baseline_median, rounds);
  std::printf("with the top-16 global prefilter, time / exact search over all images:\n");
  std::printf("  exact search over the 16:     %s\n", SpreadText(RoundRatios(exact16)).c_str());
  std::printf("  HyperPatch-Match over the 16: %s\n", SpreadText(RoundRatios(hpm16)).c_str());
  std::printf(
      "HyperPatch-Match over the 16 reaches %.4f of exact-over-16 similarity (%.3f exact cells) "
      "and %.4f of exact-over-all\n",
      q.vs_exact16, q.cells16, q.vs_exact_all);
  report["rounds"] = rounds;
  report["prefilter16"] = {{"exact_time_ratio", exact16.ratio_median},
                           {"exact_time_ratio_per_round", RoundRatios(exact16)},
                           {"hpm_time_ratio", hpm16.ratio_median},
                           {"hpm_time_ratio_per_round", RoundRatios(hpm16)},
                           // per query; baseline: exact search over all images
                           {"exact_timing", exact16.ToJson()},
                           {"hpm_timing", hpm16.ToJson()},
                           {"hpm_vs_exact16_similarity", q.vs_exact16},
                           {"hpm_vs_exact16_cells", q.cells16},
                           {"hpm_vs_exact_all_similarity", q.vs_exact_all}};
  WriteReportIfAsked(options.json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-hpm-topk", compnn::bench::Main, argc, argv);
}
