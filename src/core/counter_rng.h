// A counter-based random generator: the stream for (seed, iteration, cell) does not depend on the
// order in which cells are visited, nor on which thread visits them.
#pragma once

#include <cstdint>

namespace compnn::internal {

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t iteration, std::uint64_t cell)
      : state_(Mix(seed ^ Mix(iteration * 0xD1B54A32D192ED03ULL + Mix(cell + 1)))) {}

  std::uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ULL); }

  // Uniform integer in [0, n), n >= 1 (multiply-shift: bias below 2^-32 for the n used here).
  int Below(int n) {
    return static_cast<int>(((Next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }

  // Uniform integer in [lo, hi].
  int Between(int lo, int hi) { return lo + Below(hi - lo + 1); }

 private:
  // SplitMix64's finaliser.
  static std::uint64_t Mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_;
};

}  // namespace compnn::internal
