// compnn eval --credibility and --sanity.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "compnn/core/check.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/models/model_network.h"
#include "compnn/pipeline/sanity_check.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "eval_command.h"
#include "progress_bar.h"
#include "typed_options.h"

namespace compnn::cli {

void AddEvalTrustOptions(CLI::App* cmd, EvalCommandOptions& options) {
  EvalCommandOptions* o = &options;
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
}

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

}  // namespace compnn::cli
