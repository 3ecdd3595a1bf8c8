// compnn sweep: a query explained at every layer, side by side (the paper's Figure 10).
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/layer_sweep.h"
#include "explain_options.h"
#include "explorer_output.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

struct SweepCommandOptions : ExplainOptions {
  std::vector<std::string> layers;
  HtmlOptions html;
};

void RunSweep(const SweepCommandOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  SweepOptions options;
  if (!(o.layers.size() == 1 && o.layers[0] == "all")) options.layers = o.layers;
  options.search = o.search;
  options.paste = o.paste;
  options.html = o.html.html;
  options.links = PageLinks(o.html);
  LayerSweep sweep(explainer, options);  // options and layers checked before the queries load
  const std::string page =
      sweep.Run(ResolveQueries(explainer, o), o.out, [&o](int, int, const SweptQuery& q) {
        std::printf("%s: %zu layers in %.2f s; wrote %s/%s/sweep.png\n", q.name.c_str(), q.layers,
                    q.seconds, o.out.c_str(), q.folder.c_str());
      });
  SayPageWritten(page);
}

}  // namespace

void AddSweepCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<SweepCommandOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "sweep");
  AddExplainOptions(cmd, o.get());
  cmd->add_option("--layers", o->layers, "layers (comma-separated, or all)")
      ->delimiter(',')
      ->default_str("all");
  AddHtmlOptions(cmd, &o->html);
  cmd->callback([&run, o] { run = [o] { RunSweep(*o); }; });
}

}  // namespace compnn::cli
