// compnn explain: explanations of a model's predictions from its feature store.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/check.h"
#include "compnn/core/ranks.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/explain_queries.h"
#include "explain_options.h"
#include "explorer_output.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

namespace fs = std::filesystem;

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
  LazyProgressBar bar(!o.search.SplitsAcross(ranks) && ranks.size() > 1
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

}  // namespace compnn::cli
