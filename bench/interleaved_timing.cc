#include "interleaved_timing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "compnn/core/stopwatch.h"

namespace compnn::bench {

double Median(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double SecondsOf(const std::function<void()>& run) {
  const auto start = Clock::now();
  run();
  return SecondsSince(start);
}

InterleavedTiming SummarizeRounds(std::vector<double> subject_seconds,
                                  std::vector<double> baseline_seconds) {
  InterleavedTiming t;
  t.subject_seconds = std::move(subject_seconds);
  t.baseline_seconds = std::move(baseline_seconds);
  t.subject_median = Median(t.subject_seconds);
  t.baseline_median = Median(t.baseline_seconds);
  const std::vector<double> ratios = RoundRatios(t);
  t.ratio_median = Median(ratios);
  t.ratio_low = *std::min_element(ratios.begin(), ratios.end());
  t.ratio_high = *std::max_element(ratios.begin(), ratios.end());
  return t;
}

std::vector<double> RoundRatios(const InterleavedTiming& timing) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < timing.subject_seconds.size(); ++r)
    ratios.push_back(timing.subject_seconds[r] / timing.baseline_seconds[r]);
  return ratios;
}

std::string SpreadText(const std::vector<double>& per_round) {
  const double median = Median(per_round);
  const double low = *std::min_element(per_round.begin(), per_round.end());
  const double high = *std::max_element(per_round.begin(), per_round.end());
  // Three significant digits of the median, and never fewer than three decimals.
  const int magnitude = median > 0 ? static_cast<int>(std::floor(std::log10(median))) : 0;
  const int decimals = std::clamp(2 - magnitude, 3, 9);
  char text[128];
  std::snprintf(text, sizeof text, "%.*f (%.*f-%.*f, %zu round%s)", decimals, median, decimals, low,
                decimals, high, per_round.size(), per_round.size() == 1 ? "" : "s");
  return text;
}

InterleavedTiming TimeInterleaved(const std::function<void()>& subject,
                                  const std::function<void()>& baseline, int rounds) {
  std::vector<double> subject_seconds, baseline_seconds;
  for (int r = 0; r < std::max(1, rounds); ++r) {
    subject_seconds.push_back(SecondsOf(subject));
    baseline_seconds.push_back(SecondsOf(baseline));
  }
  return SummarizeRounds(std::move(subject_seconds), std::move(baseline_seconds));
}

std::string InterleavedTiming::RatioText() const { return SpreadText(RoundRatios(*this)); }

nlohmann::json InterleavedTiming::ToJson() const {
  return {{"subject_seconds", subject_seconds},
          {"baseline_seconds", baseline_seconds},
          {"subject_median", subject_median},
          {"baseline_median", baseline_median},
          {"ratio_median", ratio_median},
          {"ratio_low", ratio_low},
          {"ratio_high", ratio_high}};
}

}  // namespace compnn::bench
