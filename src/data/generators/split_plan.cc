#include "split_plan.h"

#include <omp.h>

#include <atomic>
#include <stdexcept>

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
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  std::string failure;
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < plan.size(); ++i) {
    if (failed) continue;
    try {
      make(i);
      const int finished = ++done;
      if (progress && omp_get_thread_num() == 0) progress(finished, plan.size());
    } catch (const std::exception& e) {
#pragma omp critical
      if (!failed.exchange(true)) failure = e.what();
    }
  }
  if (failed) throw std::runtime_error(failure);
  if (progress) progress(plan.size(), plan.size());
}

}  // namespace compnn::data
