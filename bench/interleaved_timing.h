// Timing a subject against its baseline so that the ratio holds still on a shared machine: the two
// run alternately (A B A B ...), and the ratio reported is the median of the per-round ratios, with
// its spread. Timed minutes apart, a baseline and its subject see different machines.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace compnn::bench {

struct InterleavedTiming {
  std::vector<double> subject_seconds, baseline_seconds;  // one per round
  double subject_median = 0, baseline_median = 0;
  // subject / baseline: the median over the rounds, and the lowest and highest round.
  double ratio_median = 0, ratio_low = 0, ratio_high = 0;

  // "0.912 (0.887-0.930, 5 rounds)": SpreadText of the rounds' ratios.
  std::string RatioText() const;
  nlohmann::json ToJson() const;
};

// Runs subject, then baseline, `rounds` times (at least 1) and times each call.
InterleavedTiming TimeInterleaved(const std::function<void()>& subject,
                                  const std::function<void()>& baseline, int rounds);

// What TimeInterleaved returns, from times taken round by round elsewhere.
InterleavedTiming SummarizeRounds(std::vector<double> subject_seconds,
                                  std::vector<double> baseline_seconds);

// Subject / baseline in each round.
std::vector<double> RoundRatios(const InterleavedTiming& timing);

// "0.00512 (0.00498-0.00530, 3 rounds)": the median of per-round figures and the lowest and highest
// round, to three significant digits and never fewer than three decimals.
std::string SpreadText(const std::vector<double>& per_round);

// Seconds one call of `run` takes.
double SecondsOf(const std::function<void()>& run);

double Median(std::vector<double> values);

}  // namespace compnn::bench
