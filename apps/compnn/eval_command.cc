// compnn eval: the paper's Tables 1 and 2 on a dataset split, plus fidelity and search quality.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/models/model.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/evaluation.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "eval_command.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

void RunEval(EvalCommandOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  if (o.search.search.threads > 0) UseAllCores(o.search.search.threads);  // the forward passes too
  o.eval.search = o.search;
  o.eval.paste = o.paste;
  const Ranks& ranks = ToolRanks();
  LazyProgressBar bar(ranks.size() > 1 ? "evaluating (rank 0's queries)" : "evaluating");
  if (ranks.is_root()) o.eval.progress = bar.Callback();
  EvalReport report = Evaluate(explainer, o.eval, ranks);
  bar.Finish();
  // Rank 0 alone holds every query's totals, and alone writes.
  if (!ranks.is_root()) return;
  report.ranks = ranks.size();
  report.model = o.model;
  std::filesystem::create_directories(o.out);
  const std::string markdown = report.ToMarkdown();
  WriteFileAtomically(o.out + "/table.md", markdown);
  WriteJsonFile(o.out + "/table.json", report.ToJson());
  std::printf("%s\nwrote %s/table.md and %s/table.json\n", markdown.c_str(), o.out.c_str(),
              o.out.c_str());
}

// The rows of the tables: prefilter sizes and matches per cell, where the other commands take one
// of each.
void AddRowFlags(CLI::App* cmd, EvalOptions& eval) {
  // eval takes a list of prefilter sizes, a row each, where the other commands take one.
  cmd->remove_option(cmd->get_option("--topk-images"));
  cmd->add_option("--topk-images", eval.topk_images,
                  "training images kept by the global prefilter, a row each (comma-separated; "
                  "0: every image, no prefilter)")
      ->delimiter(',')
      ->check(AtLeast(0))
      ->default_str("1,16,32,64");
  cmd->add_option_function<std::vector<int>>(
         "--topk",
         [&eval](const std::vector<int>& rows) {
           std::fprintf(stderr, "compnn: warning: --topk is an old name of --topk-images\n");
           eval.topk_images = rows;
         },
         "old name of --topk-images")
      ->delimiter(',')
      ->check(AtLeast(0))
      ->excludes(cmd->get_option("--topk-images"));
  // eval takes a list of k, a row each, where the other commands take one.
  cmd->remove_option(cmd->get_option("--k"));
  cmd->add_option("--k", eval.k,
                  "matches per cell, a row each (comma-separated): votes weighted by similarity; "
                  "each prefilter is searched once with the largest")
      ->delimiter(',')
      ->default_str("1");
}

}  // namespace

void AddEvalCommand(CLI::App& app, Command& run) {
  auto o = std::make_shared<EvalCommandOptions>();
  CLI::App* cmd = AddCatalogCommand(app, "eval");
  AddExplainOptions(cmd, o.get(), /*queries=*/false);
  cmd->add_option("--split", o->eval.split, "split to evaluate on")->capture_default_str();
  cmd->add_option("--count", o->eval.count, "first N images of the split (0: all)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--layer", o->eval.layers,
                  "layers to evaluate (comma-separated; default: the last decoder layer)")
      ->delimiter(',');
  AddRowFlags(cmd, o->eval);
  cmd->add_option("--penultimate", o->eval.penultimate,
                  "layer of the GR (penultimate) row (default: the finest layer after the "
                  "bottleneck, e.g. decoder2)");
  cmd->add_option("--quality-queries", o->eval.quality_queries,
                  "an approximate --method: queries on which it is compared with exact search")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--quality-topk", o->eval.quality_topk,
                  "an approximate --method: the --topk-images row on which it is compared with "
                  "exact search")
      ->capture_default_str();
  AddEvalTrustOptions(cmd, *o);
  cmd->callback([&run, o, cmd] {
    o->topk_given = cmd->count("--topk-images") > 0 || cmd->count("--topk") > 0;
    run = [o] {
      COMPNN_CHECK(!(o->credibility && o->sanity), "give --credibility or --sanity, not both");
      if (o->credibility)
        RunCredibility(*o);
      else if (o->sanity)
        RunSanity(*o);
      else
        RunEval(*o);
    };
  });
}

}  // namespace compnn::cli
