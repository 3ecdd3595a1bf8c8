// compnn-bench-explain: is an explanation interactive? For validation queries of a model and its
// feature store, times one explanation (forward pass with capture, global prefilter,
// HyperPatch-Match over the top candidates at one layer, both reconstructions) and a full layer
// sweep, beside the network's own forward pass on the same query, measured in the same run.
// Goals (issue): explanation <= 10x one forward pass; a full sweep <= 2 s on the 2-core machine.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "compnn/core/stopwatch.h"
#include "compnn/models/explainer.h"
#include "compnn/models/model.h"
#include "compnn/models/prediction.h"
#include "compnn/store/json_file.h"

namespace compnn::bench {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace
}  // namespace compnn::bench

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
  app.add_option("--repeats", repeats, "forward passes timed per query (median)")
      ->capture_default_str();
  app.add_option("--json", json_out, "also write the numbers here");
  CLI11_PARSE(app, argc, argv);
  try {
    Explainer explainer(model, store);
    StoreSearchOptions search;
    search.topk_images = topk;
    search.patch_match.max_iterations = iterations;
    std::vector<std::string> all_layers;
    for (const StoreLayer& l : explainer.store().manifest().layers) all_layers.push_back(l.name);
    const std::vector<Query> list = explainer.SplitQueries(split, queries);
    // Warm-up: the first pass allocates and touches the store's pages.
    explainer.ExplainLayer(explainer.Run(list.front(), {layer}), layer, search);

    std::vector<double> forward, explain, sweep;
    for (const Query& q : list) {
      std::vector<double> passes;
      for (int r = 0; r < repeats; ++r) {
        const auto t = Clock::now();
        RunQuery(explainer.model(), q.input, explainer.input_is_labels(), explainer.palette(), {});
        passes.push_back(SecondsSince(t));
      }
      forward.push_back(Median(passes));
      auto t = Clock::now();
      explainer.ExplainLayer(explainer.Run(q, {layer}), layer, search);
      explain.push_back(SecondsSince(t));
      t = Clock::now();
      const QueryRun run = explainer.Run(q, all_layers);
      for (const std::string& l : all_layers) explainer.ExplainLayer(run, l, search);
      sweep.push_back(SecondsSince(t));
    }
    const double f = Median(forward), e = Median(explain), s = Median(sweep);
    std::printf("model %s, store %s (%d images), %zu %s queries, %s, top-%d, hpm %d iterations\n",
                model.c_str(), store.c_str(), explainer.store().size(), list.size(), split.c_str(),
                layer.c_str(), topk, iterations);
    std::printf("forward pass (median)          %8.4f s\n", f);
    std::printf("explanation (one layer)        %8.4f s = %5.2f x forward   (goal <= 10x)\n", e,
                e / f);
    std::printf("layer sweep (%2zu layers)        %8.4f s = %5.2f x forward   (goal <= 2 s)\n",
                all_layers.size(), s, s / f);
    if (!json_out.empty()) {
      const nlohmann::json j = {{"forward_seconds", f},
                                {"explain_seconds", e},
                                {"sweep_seconds", s},
                                {"explain_over_forward", e / f},
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
