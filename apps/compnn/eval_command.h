// compnn eval's options, and its two modes beside the tables: --credibility and --sanity.
#pragma once

#include <CLI/CLI.hpp>

#include "compnn/pipeline/credibility_eval.h"
#include "compnn/pipeline/eval_options.h"
#include "explain_options.h"

namespace compnn::cli {

struct EvalCommandOptions : ExplainOptions {
  EvalOptions eval;
  bool credibility = false, sanity = false;
  bool topk_given = false;
  CredibilityEvalOptions credibility_eval;
};

// Registers --credibility, --sanity and the credibility evaluation's options.
void AddEvalTrustOptions(CLI::App* cmd, EvalCommandOptions& o);

// compnn eval --credibility: calibrate on the split's first images, measure the rest.
void RunCredibility(EvalCommandOptions& o);
// compnn eval --sanity: the explanations of ever more randomised networks.
void RunSanity(EvalCommandOptions& o);

}  // namespace compnn::cli
