#include "threads.h"

#include <cblas.h>
#include <omp.h>

namespace compnn::internal {

int ResolveThreads(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

SingleThreadedBlas::SingleThreadedBlas() {
  if (openblas_get_parallel() == 1) {  // 1: pthread build
    saved_threads_ = openblas_get_num_threads();
    openblas_set_num_threads(1);
  }
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (saved_threads_ > 0) openblas_set_num_threads(saved_threads_);
}

}  // namespace compnn::internal
