// compnn eval: the paper's Tables 1 and 2 on a dataset split, plus fidelity and search quality.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/models/model.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/credibility_eval.h"
#include "compnn/pipeline/evaluation.h"
#include "compnn/pipeline/sanity_check.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "explain_options.h"
#include "progress_bar.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

struct EvalCommandOptions : ExplainOptions {
  EvalOptions eval;
  bool credibility = false, sanity = false;
  bool topk_given = false;
  CredibilityEvalOptions credibility_eval;
};

// compnn eval --credibility: calibrate on the split's first images, measure the rest.
void RunCredibility(EvalCommandOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  if (o.search.search.threads > 0) UseAllCores(o.search.search.threads);
  CredibilityEvalOptions c = o.credibility_eval;
  c.credibility.search = o.search;
  c.credibility.search.topk_images = o.topk_given ? o.eval.topk_images.front() : 0;
  c.credibility.layers = o.eval.layers;
  c.split = o.eval.split;
  c.count = o.eval.count;
  std::filesystem::create_directories(o.out);
  LazyProgressBar bar("calibrating and evaluating");
  const CredibilityReport report =
      EvaluateCredibility(explainer, c, o.out + "/calibration.json", bar.Callback());
  bar.Finish();
  const std::string markdown = report.ToMarkdown();
  WriteFileAtomically(o.out + "/credibility.md", markdown);
  WriteJsonFile(o.out + "/credibility.json", report.ToJson());
  WritePng(o.out + "/risk-coverage.png", report.RiskCoveragePlot());
  std::printf(
      "%s\nwrote %s/{credibility.md, credibility.json, risk-coverage.png, "
      "calibration.json}\n",
      markdown.c_str(), o.out.c_str());
}

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

// compnn eval --sanity: the explanations of ever more randomised networks.
void RunSanity(EvalCommandOptions& o) {
  const std::unique_ptr<Explainer> opened = OpenExplainer(o.model, o.store, o.data);
  Explainer& explainer = *opened;
  if (o.search.search.threads > 0) UseAllCores(o.search.search.threads);
  SanityOptions s;
  COMPNN_CHECK(o.eval.layers.size() <= 1, "--sanity explains at one --layer");
  if (!o.eval.layers.empty()) s.layer = o.eval.layers.front();
  s.split = o.eval.split;
  if (o.eval.count > 0) s.count = o.eval.count;
  if (o.topk_given) s.topk_images = o.eval.topk_images.front();
  s.seed = o.search.search.seed;
  s.threads = o.search.search.threads;
  std::filesystem::create_directories(o.out);
  LazyProgressBar bar("randomising");
  const SanityReport report = CascadingRandomisation(explainer, s, bar.Callback());
  bar.Finish();
  const std::string markdown = report.ToMarkdown();
  WriteFileAtomically(o.out + "/sanity.md", markdown);
  WriteJsonFile(o.out + "/sanity.json", report.ToJson());
  WritePng(o.out + "/sanity.png", report.Plot());
  std::printf("%s\nwrote %s/{sanity.md, sanity.json, sanity.png}\n", markdown.c_str(),
              o.out.c_str());
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
  // eval takes a list of prefilter sizes, a row each, where the other commands take one.
  cmd->remove_option(cmd->get_option("--topk-images"));
  cmd->add_option("--topk-images", o->eval.topk_images,
                  "training images kept by the global prefilter, a row each (comma-separated; "
                  "0: every image, no prefilter)")
      ->delimiter(',')
      ->check(AtLeast(0))
      ->default_str("1,16,32,64");
  cmd->add_option_function<std::vector<int>>(
         "--topk",
         [o](const std::vector<int>& rows) {
           std::fprintf(stderr, "compnn: warning: --topk is an old name of --topk-images\n");
           o->eval.topk_images = rows;
         },
         "old name of --topk-images")
      ->delimiter(',')
      ->check(AtLeast(0))
      ->excludes(cmd->get_option("--topk-images"));
  // eval takes a list of k, a row each, where the other commands take one.
  cmd->remove_option(cmd->get_option("--k"));
  cmd->add_option("--k", o->eval.k,
                  "matches per cell, a row each (comma-separated): votes weighted by similarity; "
                  "each prefilter is searched once with the largest")
      ->delimiter(',')
      ->default_str("1");
  cmd->add_option("--penultimate", o->eval.penultimate,
                  "layer of the GR (penultimate) row (default: the finest layer after the "
                  "bottleneck, e.g. decoder2)");
  cmd->add_option("--quality-queries", o->eval.quality_queries,
                  "hpm: queries on which it is compared with exact search")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option("--quality-topk", o->eval.quality_topk,
                  "hpm: the --topk-images row on which it is compared with exact search")
      ->capture_default_str();
  cmd->add_flag("--credibility", o->credibility,
                "instead of the tables: how well credibility (from the labels of the nearest "
                "training cells at --layer) finds the network's errors, against its softmax "
                "confidence; writes OUT/calibration.json for explain --credibility");
  cmd->add_flag("--sanity", o->sanity,
                "instead of the tables: the sanity check, the explanations of the first --count "
                "images (default 5) with the network's modules randomised one after another from "
                "the output down, against the trained network's (one --layer; --topk-images: "
                "each query's database, default 16)");
  cmd->add_option("--credibility-k", o->credibility_eval.credibility.k,
                  "--credibility: nearest training cells per cell and layer")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--calibration-count", o->credibility_eval.calibration_count,
                  "--credibility: the split's first N images calibrate, the rest (--count of "
                  "them) are evaluated")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--ood-data", o->credibility_eval.ood_data,
                  "--credibility: another dataset whose images (photo side) the network is fed, "
                  "to compare their credibility")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--ood-split", o->credibility_eval.ood_split, "--credibility: its split")
      ->capture_default_str();
  cmd->add_option("--ood-count", o->credibility_eval.ood_count,
                  "--credibility: its first N images (0: all)")
      ->check(AtLeast(0))
      ->capture_default_str();
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
