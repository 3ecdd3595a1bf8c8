// compnn eval: the paper's quantitative evaluation (section 4.1, Tables 1 and 2) and what a user
// also needs: how faithful each reconstruction is to the network's own output, how long it takes,
// and how close HyperPatch-Match comes to exact search.
//
// The options, the report and its accumulators need no network and live in compnn/explain
// (eval_options.h, eval_report.h, which define the metrics); this runs the network over a split.
#pragma once

#include "compnn/core/ranks.h"
#include "compnn/pipeline/eval_options.h"
#include "compnn/pipeline/eval_report.h"

namespace compnn {

class Explainer;

// Throws OptionError for options out of range (EvalOptions::Check), std::runtime_error for a
// split without ground truth, unknown layers, or a store that does not fit the model.
//
// With several ranks, each evaluates a contiguous run of the queries (ShardOf) and rank 0 gathers
// the totals: its report equals one process's, timings aside (confusion counts are integers, and
// per-query values are summed in query order). Every rank must call it; options.progress then
// counts this rank's queries. The other ranks' reports hold their own queries only.
EvalReport Evaluate(Explainer& explainer, const EvalOptions& options, const Ranks& ranks = Ranks());

}  // namespace compnn
