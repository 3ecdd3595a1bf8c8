#include "parallel_for.h"

#include <omp.h>

#include <atomic>
#include <stdexcept>
#include <string>

namespace compnn::data {

void ParallelFor(int count, const std::function<void(int)>& work,
                 const std::function<void(int, int)>& progress) {
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  std::string failure;
  // Exceptions must not leave an OpenMP region: each is caught, and the first one kept.
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < count; ++i) {
    if (failed) continue;
    try {
      work(i);
      const int finished = ++done;
      if (progress && omp_get_thread_num() == 0) progress(finished, count);
    } catch (const std::exception& e) {
#pragma omp critical
      if (!failed.exchange(true)) failure = e.what();
    }
  }
  if (failed) throw std::runtime_error(failure);
  if (progress) progress(count, count);
}

}  // namespace compnn::data
