#include "interleaved_timing.h"

#include <algorithm>
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

InterleavedTiming TimeInterleaved(const std::function<void()>& subject,
                                  const std::function<void()>& baseline, int rounds) {
  InterleavedTiming t;
  std::vector<double> ratios;
  for (int r = 0; r < std::max(1, rounds); ++r) {
    auto start = Clock::now();
    subject();
    t.subject_seconds.push_back(SecondsSince(start));
    start = Clock::now();
    baseline();
    t.baseline_seconds.push_back(SecondsSince(start));
    ratios.push_back(t.subject_seconds.back() / t.baseline_seconds.back());
  }
  t.subject_median = Median(t.subject_seconds);
  t.baseline_median = Median(t.baseline_seconds);
  t.ratio_median = Median(ratios);
  t.ratio_low = *std::min_element(ratios.begin(), ratios.end());
  t.ratio_high = *std::max_element(ratios.begin(), ratios.end());
  return t;
}

std::string InterleavedTiming::RatioText() const {
  char text[96];
  std::snprintf(text, sizeof text, "%.3f (%.3f-%.3f, %zu round%s)", ratio_median, ratio_low,
                ratio_high, subject_seconds.size(), subject_seconds.size() == 1 ? "" : "s");
  return text;
}

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
