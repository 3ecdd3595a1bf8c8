// compnn-bench-explain: is an explanation interactive? For validation queries of a model and its
// feature store, times one explanation (forward pass with capture, global prefilter,
// HyperPatch-Match over the top candidates at one layer, both reconstructions) and a full layer
// sweep, beside the network's own forward pass on the same query, measured in the same run.
// An explanation and a forward pass of the same query alternate, round after round, and the ratio
// reported is the median of the rounds' ratios (with its range). Goals: explanation <= 10x one
// forward pass; a full sweep <= 2 s on the 2-core machine.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "compnn/core/patch_match.h"
#include "compnn/core/stopwatch.h"
#include "compnn/models/model.h"
#include "compnn/models/model_network.h"
#include "compnn/models/prediction.h"
#include "compnn/store/json_file.h"
#include "interleaved_timing.h"

int main(int argc, char** argv) {
  using namespace compnn;
  using namespace compnn::bench;
  CLI::App app{"compnn-bench-explain: explanation and layer-sweep time against the forward pass"};
  std::string model = "models/facades-photo2label.model";
  std::string store = "out/stores/facades-photo2label";
  std::string layer = "decoder2", split = "val", json_out;
  int queries = 5, topk = 16, iterations = 32, repeats = 5;
  app.add_option("--model", model)->capture_default_str();
  app.add_option("--store", store, "made with: compnn index --model MODEL --data data/facades")
      ->capture_default_str();
  app.add_option("--layer", layer, "layer of the single-layer explanation")->capture_default_str();
  app.add_option("--split", split, "split the queries come from")->capture_default_str();
  app.add_option("--queries", queries)->capture_default_str();
  app.add_option("--topk-images", topk)->capture_default_str();
  app.add_option("--iterations", iterations)->capture_default_str();
  app.add_option("--repeats", repeats, "alternating rounds (explanation, forward pass) per query")
      ->capture_default_str();
  app.add_option("--json", json_out, "also write the numbers here");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::unique_ptr<Explainer> opened = OpenExplainer(model, store);
    Explainer& explainer = *opened;
    StoreSearchOptions search;
    search.topk_images = topk;
    PatchMatchParams hpm;
    hpm.max_iterations = iterations;
    search.searcher = std::make_shared<const PatchMatchSearcher>(hpm);
    std::vector<std::string> all_layers;
    for (const StoreLayer& l : explainer.store().manifest().layers) all_layers.push_back(l.name);
    const std::vector<Query> list = explainer.SplitQueries(split, queries);
    // Warm-up: the first pass allocates and touches the store's pages.
    explainer.ExplainLayer(explainer.Run(list.front(), {layer}), layer, search);

    std::vector<double> forward, explain, sweep;
    for (const Query& q : list) {
      const InterleavedTiming t = TimeInterleaved(
          [&] { explainer.ExplainLayer(explainer.Run(q, {layer}), layer, search); },
          [&] {
            explainer.network().Run(q.input, explainer.input_is_labels(), explainer.palette(), {});
          },
          repeats);
      explain.insert(explain.end(), t.subject_seconds.begin(), t.subject_seconds.end());
      forward.insert(forward.end(), t.baseline_seconds.begin(), t.baseline_seconds.end());
      const auto start = Clock::now();
      const QueryRun run = explainer.Run(q, all_layers);
      for (const std::string& l : all_layers) explainer.ExplainLayer(run, l, search);
      sweep.push_back(SecondsSince(start));
    }
    // Every query's rounds together.
    const InterleavedTiming all = SummarizeRounds(explain, forward);
    const double f = all.baseline_median, e = all.subject_median, s = Median(sweep);
    const double r = all.ratio_median, low = all.ratio_low, high = all.ratio_high;
    std::printf("model %s, store %s (%d images), %zu %s queries, %s, top-%d, hpm %d iterations\n",
                model.c_str(), store.c_str(), explainer.store().size(), list.size(), split.c_str(),
                layer.c_str(), topk, iterations);
    std::printf("forward pass (median)          %8.4f s\n", f);
    std::printf("explanation (median)           %8.4f s\n", e);
    std::printf(
        "explanation / forward pass     %8.2f x (median of %zu rounds, %.2f-%.2f)   (goal <= "
        "10x)\n",
        r, explain.size(), low, high);
    std::printf("layer sweep (%2zu layers)        %8.4f s   (goal <= 2 s)\n", all_layers.size(), s);
    if (!json_out.empty()) {
      const nlohmann::json j = {{"forward_seconds", f},
                                {"explain_seconds", e},
                                {"sweep_seconds", s},
                                {"explain_over_forward", r},
                                {"explain_over_forward_low", low},
                                {"explain_over_forward_high", high},
                                {"sweep_layers", all_layers.size()},
                                {"queries", list.size()},
                                {"layer", layer},
                                {"topk_images", topk}};
      WriteJsonFile(json_out, j);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn-bench-explain: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
