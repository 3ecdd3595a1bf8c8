// A counter-based random generator: the stream for (seed, iteration, cell) does not depend on the
// order in which cells are visited, nor on which thread visits them.
#pragma once

#include <cstdint>

#include "compnn/core/splitmix.h"

namespace compnn::internal {

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t iteration, std::uint64_t cell)
      : state_(SplitMix64(seed ^
                          SplitMix64(iteration * 0xD1B54A32D192ED03ULL + SplitMix64(cell + 1)))) {}

  std::uint64_t Next() { return SplitMix64(state_ += 0x9E3779B97F4A7C15ULL); }

  // Uniform integer in [0, n), n >= 1 (multiply-shift: bias below 2^-32 for the n used here).
  int Below(int n) {
    return static_cast<int>(((Next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }

  // Uniform integer in [lo, hi].
  int Between(int lo, int hi) { return lo + Below(hi - lo + 1); }

 private:
  std::uint64_t state_;
};

}  // namespace compnn::internal
