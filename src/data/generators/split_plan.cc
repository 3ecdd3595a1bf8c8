#include "split_plan.h"

#include "../parallel_for.h"
#include "compnn/core/check.h"

namespace compnn {

void GeneratorOptions::Check() const {
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the dataset folder to write");
  COMPNN_CHECK_OPTION(size >= 32, "size", "must be at least 32, got ", size);
  // A dataset without training pairs is one `data check` and `train` refuse: refuse it here.
  COMPNN_CHECK_OPTION(train != 0, "train", "must be at least 1 (a dataset needs training pairs)");
}

}  // namespace compnn

namespace compnn::data {

void ForEachPlanned(const SplitPlan& plan, const std::function<void(int)>& make,
                    const std::function<void(int, int)>& progress) {
  ParallelFor(plan.size(), make, progress);
}

}  // namespace compnn::data
