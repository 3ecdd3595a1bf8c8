// compnn explain, sweep and control: explanations of a model's predictions from its feature store.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/core/ranks.h"
#include "compnn/core/stopwatch.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/correspondence_map.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/figure.h"
#include "compnn/explain/search_summary.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/explain_queries.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"
#include "explain_options.h"
#include "explorer_output.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

namespace fs = std::filesystem;

// ---- explain -------------------------------------------------------------------------------

struct ExplainCommandOptions : ExplainOptions {
  std::string layer, where, images, credibility;
  int highlighted = 5;
  int credibility_patches = ExplorerCredibility().max_patches;
  HtmlOptions html;
};

void RunExplain(const ExplainCommandOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  ExplainQueriesOptions options;
  options.layer = o.layer;
  options.search = o.search;
  options.paste = o.paste;
  options.where = o.where;
  options.images = ImageNames(o.images);
  options.highlighted = o.highlighted;
  options.calibration = o.credibility;
  options.credibility_patches = o.credibility_patches;
  options.html = o.html.html;
  options.links = PageLinks(o.html);
  options.provenance = {{"model", fs::absolute(o.model).string()},
                        {"store", fs::absolute(o.store).string()}};
  const std::vector<Query> queries = ResolveQueries(explainer, o);
  const Ranks& ranks = ToolRanks();
  LazyProgressBar bar(!SplitsEachQuery(o.search, ranks) && ranks.size() > 1
                          ? "explaining (rank 0's queries)"
                          : "explaining");
  const ExplainRun run =
      ExplainQueries(explainer, queries, o.out, options, ranks,
                     [&bar](int done, int total, const ExplainedQuery& q) {
                       bar.Update(done, total);
                       if (!bar.enabled())
                         std::printf("%s: %zu source images, mean similarity %.4f, %.2f s\n",
                                     q.name.c_str(), q.sources, q.mean_similarity, q.seconds);
                     });
  if (!ranks.is_root()) return;
  bar.Finish();
  SayPageWritten(run.page);
  std::printf("explained %zu quer%s at %s; figures in %s\n", queries.size(),
              queries.size() == 1 ? "y" : "ies", run.layer.c_str(),
              (fs::path(o.out) / "<query>" / "correspondence-map.png").c_str());
}

// ---- sweep ---------------------------------------------------------------------------------

struct SweepOptions : ExplainOptions {
  std::vector<std::string> layers;
  HtmlOptions html;
};

// One layer's reconstructions and field in a query's sweep folder; returns its summary entry.
nlohmann::json WriteSweepLayer(Explainer& explainer, const SweepOptions& o,
                               const std::string& layer, const LayerExplanation& e,
                               const std::string& dir) {
  WritePng(dir + "/" + SafeName(layer) + "-input-reconstruction.png", e.input_reconstruction);
  WritePng(dir + "/" + SafeName(layer) + "-output-reconstruction.png", e.output_reconstruction);
  WriteField(e.search.field, dir, SafeName(layer) + "-");
  nlohmann::json entry = SearchSummary(o.search, o.paste, e.search, explainer.store());
  entry["layer"] = layer;
  entry["stride"] = e.stride;
  entry["seconds"]["reconstruct"] = e.reconstruct_seconds;
  return entry;
}

void RunSweep(const SweepOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  std::vector<std::string> layers = o.layers;
  if (layers.empty() || (layers.size() == 1 && layers[0] == "all")) {
    layers.clear();
    for (const StoreLayer& l : explainer.store().manifest().layers) layers.push_back(l.name);
  }
  for (const std::string& l : layers) explainer.store().manifest().layer(l);  // names checked
  const StoreSearchOptions search = o.search;
  const std::vector<Query> queries = ResolveQueries(explainer, o);
  fs::create_directories(o.out);
  nlohmann::json index = nlohmann::json::array();
  // The page opens at the layer explain would choose, when the sweep has it.
  const std::string usual = DefaultExplainLayer(explainer.store());
  ExplorerBuilder page(o.html.html, "compnn explorer: layer sweep",
                       std::count(layers.begin(), layers.end(), usual) ? usual : layers[0],
                       PageLinks(o.html));
  for (const Query& query : queries) {
    const auto start = Clock::now();
    const QueryRun run = explainer.Run(query, layers);
    page.AddQuery(query, run.output);
    const double forward = SecondsSince(start);
    StagedFolder folder(o.out + "/" + SafeName(query.name));
    const std::string& dir = folder.path();
    std::vector<Tile> inputs = {{query.input, "query input", ""}, {}};
    std::vector<Tile> outputs = {{run.output, "network output", ""},
                                 {query.truth, query.truth.empty() ? "" : "ground truth", ""}};
    nlohmann::json per_layer = nlohmann::json::array();
    ProgressBar bar("sweep " + query.name, static_cast<long long>(layers.size()));
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const LayerExplanation e = explainer.ExplainLayer(run, layers[i], search, o.paste);
      page.AddField(layers[i], "", e);
      const std::string title = layers[i] + " (s " + std::to_string(e.stride) + ")";
      char caption[64];
      std::snprintf(caption, sizeof caption, "similarity %.3f", e.search.field.MeanSimilarity());
      inputs.push_back({e.input_reconstruction, "IR " + title, caption});
      outputs.push_back({e.output_reconstruction, "OR " + title, ""});
      per_layer.push_back(WriteSweepLayer(explainer, o, layers[i], e, dir));
      bar.Update(static_cast<long long>(i + 1));
    }
    bar.Finish();
    const double total = SecondsSince(start);
    WritePng(dir + "/sweep.png",
             TileGrid("compnn layer sweep: " + query.name +
                          " (top: input reconstructions, bottom: output reconstructions)",
                      {inputs, outputs}, TileFor(query.input.size(), 160)));
    WriteJsonFile(dir + "/summary.json", {{"query", query.name},
                                          {"layers", per_layer},
                                          {"seconds", {{"forward", forward}, {"total", total}}}});
    folder.Commit();
    index.push_back({{"query", query.name}, {"folder", SafeName(query.name)}});
    std::printf("%s: %zu layers in %.2f s; wrote %s/%s/sweep.png\n", query.name.c_str(),
                layers.size(), total, o.out.c_str(), SafeName(query.name).c_str());
  }
  WriteJsonFile(o.out + "/summary.json", {{"layers", layers}, {"queries", index}});
  SayPageWritten(page.Write(explainer, o.out));
}

// ---- control -------------------------------------------------------------------------------

struct ControlOptions : ExplainOptions {
  std::string layer;
  std::vector<std::string> where, images;
  HtmlOptions html;
};

// Database d's output reconstruction and field in a query's control folder; returns its summary
// entry.
nlohmann::json WriteControlDatabase(Explainer& explainer, const ControlOptions& o, int d,
                                    const LayerExplanation& e, const std::string& dir) {
  const std::string file = "output-reconstruction-" + std::to_string(d) + ".png";
  WritePng(dir + "/" + file, e.output_reconstruction);
  const std::string stem = "database-" + std::to_string(d) + "-";
  WriteField(e.search.field, dir, stem);
  nlohmann::json used = nlohmann::json::array();
  for (int i : UsedImages(e.search.field)) used.push_back(explainer.store().manifest().images[i]);
  nlohmann::json entry = SearchSummary(o.search, o.paste, e.search, explainer.store());
  entry["used_images"] = used;
  entry["file"] = file;
  entry["field"] = {stem + "nnf.npy", stem + "similarity.npy"};
  return entry;
}

void RunControl(const ControlOptions& o) {
  if (o.where.empty() && o.images.empty())
    throw std::runtime_error("give at least one --where condition or --images list");
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  const std::string layer = o.layer.empty() ? DefaultExplainLayer(explainer.store()) : o.layer;
  const StoreLayer& info = explainer.store().manifest().layer(layer);
  // Each restriction is one database; all are resolved before any work, so errors come first.
  std::vector<std::pair<std::string, std::vector<int>>> databases = {{"all training images", {}}};
  for (const std::string& w : o.where) databases.push_back({w, RestrictedImages(explainer, w, "")});
  for (const std::string& list : o.images)
    databases.push_back({"images " + list, RestrictedImages(explainer, "", list)});
  const std::vector<Query> queries = ResolveQueries(explainer, o);
  fs::create_directories(o.out);
  const std::vector<std::string>& names = explainer.store().manifest().images;
  nlohmann::json index = nlohmann::json::array();
  ExplorerBuilder page(o.html.html,
                       "compnn explorer: property control at " + DescribeLayer(info) +
                           ", restricted databases side by side",
                       layer, PageLinks(o.html));
  for (const Query& query : queries) {
    const QueryRun run = explainer.Run(query, {layer});
    page.AddQuery(query, run.output);
    StagedFolder folder(o.out + "/" + SafeName(query.name));
    const std::string& dir = folder.path();
    std::vector<Tile> row = {{query.input, "query input", ""}, {run.output, "network output", ""}};
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t d = 0; d < databases.size(); ++d) {
      StoreSearchOptions search = o.search;
      search.allowed = databases[d].second;
      const LayerExplanation e = explainer.ExplainLayer(run, layer, search, o.paste);
      page.AddField(layer, databases[d].first, e);
      const std::size_t size =
          databases[d].second.empty() ? names.size() : databases[d].second.size();
      row.push_back({e.output_reconstruction, databases[d].first,
                     std::to_string(size) + " images in the database"});
      nlohmann::json entry = WriteControlDatabase(explainer, o, static_cast<int>(d), e, dir);
      entry["database"] = databases[d].first;
      entry["database_size"] = size;
      entries.push_back(entry);
    }
    WritePng(dir + "/control.png",
             TileGrid("compnn property control: " + query.name + " at " + DescribeLayer(info) +
                          ", output reconstructions from restricted databases",
                      {row}, TileFor(query.input.size(), 200)));
    WriteJsonFile(dir + "/summary.json",
                  {{"query", query.name}, {"layer", layer}, {"databases", entries}});
    folder.Commit();
    index.push_back({{"query", query.name}, {"folder", SafeName(query.name)}});
    std::printf("%s: %zu databases; wrote %s/%s/control.png\n", query.name.c_str(),
                databases.size(), o.out.c_str(), SafeName(query.name).c_str());
  }
  WriteJsonFile(o.out + "/summary.json", {{"layer", layer}, {"queries", index}});
  SayPageWritten(page.Write(explainer, o.out));
}

}  // namespace

void AddExplainCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<ExplainCommandOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "explain");
  AddExplainOptions(cmd, o.get());
  cmd->add_option(
      "--layer", o->layer,
      "layer to explain at (default: the finest layer after the bottleneck, e.g. decoder2)");
  cmd->add_option("--where", o->where,
                  "search only training images whose attributes satisfy KEY=VALUE[,KEY!=VALUE...]")
      ->check(NotEmpty("a condition, KEY=VALUE"));
  cmd->add_option("--images", o->images, "search only these training images (comma-separated)")
      ->check(NotEmpty("image names"));
  cmd->add_option("--highlight", o->highlighted, "source images shown in colour")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  cmd->add_option("--credibility", o->credibility,
                  "a calibration (OUT/calibration.json of compnn eval --credibility): also write "
                  "credibility.png and credibility.npy, the credibility of the network's "
                  "prediction per pixel; with --html, the page shows it and, on hovering a "
                  "pixel, the training patches that voted")
      ->check(CLI::ExistingFile);
  cmd->add_option("--credibility-patches", o->credibility_patches,
                  "with --credibility and --html: training patches the page embeds a query, for "
                  "its least credible cells")
      ->check(CLI::Range(0, 32767))
      ->capture_default_str();
  AddHtmlOptions(cmd, &o->html);
  cmd->callback([&run, o] { run = [o] { RunExplain(*o); }; });
}

void AddSweepCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "sweep");
  AddExplainOptions(cmd, o.get());
  cmd->add_option("--layers", o->layers, "layers (comma-separated, or all)")
      ->delimiter(',')
      ->default_str("all");
  AddHtmlOptions(cmd, &o->html);
  cmd->callback([&run, o] { run = [o] { RunSweep(*o); }; });
}

void AddControlCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<ControlOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "control");
  AddExplainOptions(cmd, o.get());
  cmd->add_option("--layer", o->layer,
                  "layer (default: the finest layer after the bottleneck, e.g. decoder2)");
  cmd->add_option("--where", o->where,
                  "a database: training images satisfying KEY=VALUE[,KEY!=VALUE...]; repeatable")
      ->check(NotEmpty("a condition, KEY=VALUE"));
  cmd->add_option("--images", o->images, "a database: comma-separated image names; repeatable")
      ->check(NotEmpty("image names"));
  AddHtmlOptions(cmd, &o->html);
  cmd->callback([&run, o] { run = [o] { RunControl(*o); }; });
}

}  // namespace compnn::cli
