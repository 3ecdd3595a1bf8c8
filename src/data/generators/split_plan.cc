#include "split_plan.h"

#include "../parallel_for.h"
#include "compnn/core/check.h"

namespace compnn {

void GeneratorOptions::Check() const {
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the dataset folder to write");
  COMPNN_CHECK_OPTION(size >= 32, "size", "must be at least 32, got ", size);
}

}  // namespace compnn

namespace compnn::data {

void ForEachPlanned(const SplitPlan& plan, const std::function<void(int)>& make,
                    const std::function<void(int, int)>& progress) {
  ParallelFor(plan.size(), make, progress);
}

}  // namespace compnn::data
