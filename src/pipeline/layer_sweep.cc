#include "compnn/pipeline/layer_sweep.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/figure.h"
#include "compnn/explain/search_summary.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"

namespace compnn {
namespace {

// One layer's reconstructions and field in a query's sweep folder; returns its summary entry.
nlohmann::json WriteSweepLayer(const FeatureStore& store, const SweepOptions& o,
                               const std::string& layer, const LayerExplanation& e,
                               const std::string& dir) {
  WritePng(dir + "/" + SafeName(layer) + "-input-reconstruction.png", e.input_reconstruction);
  WritePng(dir + "/" + SafeName(layer) + "-output-reconstruction.png", e.output_reconstruction);
  WriteField(e.search.field, dir, SafeName(layer) + "-");
  nlohmann::json entry = SearchSummary(o.search, o.paste, e.search, store);
  entry["layer"] = layer;
  entry["stride"] = e.stride;
  entry["seconds"]["reconstruct"] = e.reconstruct_seconds;
  return entry;
}

}  // namespace

void SweepOptions::Check() const { CheckNested("search", search); }

LayerSweep::LayerSweep(Explainer& explainer, SweepOptions options)
    : explainer_(explainer), options_(std::move(options)) {
  options_.Check();
  const FeatureStore& store = explainer_.store();
  if (options_.layers.empty()) {
    for (const StoreLayer& l : store.manifest().layers) options_.layers.push_back(l.name);
  }
  for (const std::string& l : options_.layers) store.manifest().layer(l);  // names checked
}

std::string LayerSweep::Run(const std::vector<Query>& queries, const std::string& out,
                            const std::function<void(int, int, const SweptQuery&)>& progress) {
  Explainer& explainer = explainer_;
  const SweepOptions& o = options_;
  const FeatureStore& store = explainer.store();
  const std::vector<std::string>& layers = o.layers;
  std::filesystem::create_directories(out);
  nlohmann::json index = nlohmann::json::array();
  // The page opens at the layer explain would choose, when the sweep has it.
  const std::string usual = DefaultExplainLayer(store);
  ExplorerBuilder page(o.html, "compnn explorer: layer sweep",
                       std::count(layers.begin(), layers.end(), usual) ? usual : layers[0],
                       o.links);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const Query& query = queries[q];
    const auto start = Clock::now();
    const QueryRun pass = explainer.Run(query, layers);
    page.AddQuery(query, pass.output);
    const double forward = SecondsSince(start);
    const std::string folder_name = SafeName(query.name);
    StagedFolder folder(out + "/" + folder_name);
    const std::string& dir = folder.path();
    std::vector<Tile> inputs = {{query.input, "query input", ""}, {}};
    std::vector<Tile> outputs = {{pass.output, "network output", ""},
                                 {query.truth, query.truth.empty() ? "" : "ground truth", ""}};
    nlohmann::json per_layer = nlohmann::json::array();
    for (const std::string& layer : layers) {
      const LayerExplanation e = explainer.ExplainLayer(pass, layer, o.search, o.paste);
      page.AddField(layer, "", e);
      const std::string title = layer + " (s " + std::to_string(e.stride) + ")";
      char caption[64];
      std::snprintf(caption, sizeof caption, "similarity %.3f", e.search.field.MeanSimilarity());
      inputs.push_back({e.input_reconstruction, "IR " + title, caption});
      outputs.push_back({e.output_reconstruction, "OR " + title, ""});
      per_layer.push_back(WriteSweepLayer(store, o, layer, e, dir));
    }
    const double total = SecondsSince(start);
    WritePng(dir + "/sweep.png",
             TileGrid("compnn layer sweep: " + query.name +
                          " (top: input reconstructions, bottom: output reconstructions)",
                      {inputs, outputs}, TileFor(query.input.size(), 160)));
    WriteJsonFile(dir + "/summary.json", {{"query", query.name},
                                          {"layers", per_layer},
                                          {"seconds", {{"forward", forward}, {"total", total}}}});
    folder.Commit();
    index.push_back({{"query", query.name}, {"folder", folder_name}});
    if (progress) {
      progress(static_cast<int>(q + 1), static_cast<int>(queries.size()),
               {query.name, folder_name, layers.size(), total});
    }
  }
  WriteJsonFile(out + "/summary.json", {{"layers", layers}, {"queries", index}});
  return page.Write(explainer, out);
}

}  // namespace compnn
