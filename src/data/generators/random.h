// A small seeded generator for the dataset generators. Its own distributions (not the standard
// library's, whose algorithms are left to each implementation) keep datasets identical everywhere.
#pragma once

#include <cmath>
#include <cstdint>

#include <vector>
#include "compnn/core/splitmix.h"

namespace compnn::data {

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  // A generator for item `index` of a stream, independent of the order items are made in.
  Random(std::uint64_t seed, std::uint64_t stream, std::uint64_t index)
      : state_(SplitMix64(seed ^
                          SplitMix64(stream * 0xD1B54A32D192ED03ULL + SplitMix64(index + 1)))) {}

  std::uint64_t Next() { return SplitMix64(state_ += 0x9E3779B97F4A7C15ULL); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Int(int lo, int hi) { return lo + static_cast<int>(Uniform() * (hi - lo + 1)); }  // [lo, hi]
  bool Chance(double p) { return Uniform() < p; }
  double Normal() {  // Box-Muller
    const double u = 1.0 - Uniform(), v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(Uniform() * items.size())];
  }

 private:
  std::uint64_t state_;
};

}  // namespace compnn::data
