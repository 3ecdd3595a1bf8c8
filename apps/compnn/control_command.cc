// compnn control: a query explained from databases of training images chosen by property.
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/property_control.h"
#include "explain_options.h"
#include "explorer_output.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

struct ControlCommandOptions : ExplainOptions {
  std::string layer;
  std::vector<std::string> where, images;
  HtmlOptions html;
};

void RunControl(const ControlCommandOptions& o) {
  if (o.where.empty() && o.images.empty())
    throw std::runtime_error("give at least one --where condition or --images list");
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  ControlOptions options;
  options.layer = o.layer;
  options.where = o.where;
  for (const std::string& list : o.images) options.images.push_back(ImageNames(list));
  options.search = o.search;
  options.paste = o.paste;
  options.html = o.html.html;
  options.links = PageLinks(o.html);
  PropertyControl control(explainer, options);  // databases resolved before the queries load
  const std::string page =
      control.Run(ResolveQueries(explainer, o), o.out, [&o](int, int, const ControlledQuery& q) {
        std::printf("%s: %zu databases; wrote %s/%s/control.png\n", q.name.c_str(), q.databases,
                    o.out.c_str(), q.folder.c_str());
      });
  SayPageWritten(page);
}

}  // namespace

void AddControlCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<ControlCommandOptions>();
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
