// The field an options struct's Check() refuses, for tests of Check().
#pragma once

#include <string>

#include "compnn/core/check.h"

namespace compnn::testing {

// The field named by the OptionError that `options.Check()` throws; "" when it throws none.
template <typename Options>
std::string FieldRefused(const Options& options) {
  try {
    options.Check();
  } catch (const OptionError& e) {
    return e.field();
  }
  return "";
}

}  // namespace compnn::testing
