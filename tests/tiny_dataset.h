// Options for the small generated datasets tests use: 64 x 64 pairs, a handful per split.
#pragma once

#include <cstdint>
#include <string>

#include "compnn/data/generators.h"

namespace compnn::testing {

inline GeneratorOptions TinyDataset(const std::string& out, int train, int val, int test,
                                    std::uint64_t seed = 0) {
  GeneratorOptions o;
  o.size = 64;
  o.train = train;
  o.val = val;
  o.test = test;
  o.seed = seed;
  o.out = out;
  return o;
}

}  // namespace compnn::testing
