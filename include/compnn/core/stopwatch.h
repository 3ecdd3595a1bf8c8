// Wall-clock timing for the seconds compnn reports (summary.json, eval tables, training logs,
// benchmarks).
#pragma once

#include <chrono>

namespace compnn {

using Clock = std::chrono::steady_clock;

// Seconds elapsed since `start`.
inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace compnn
