// SplitMix64's finaliser: a fast, well-mixed 64-bit hash, the base of compnn's seeded generators.
#pragma once

#include <cstdint>

namespace compnn {

inline std::uint64_t SplitMix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace compnn
