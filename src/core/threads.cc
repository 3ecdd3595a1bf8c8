#include "threads.h"

#include <cblas.h>
#include <omp.h>

namespace compnn::internal {

int ResolveThreads(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

SingleThreadedBlas::SingleThreadedBlas()
    : saved_threads_(openblas_get_num_threads()), saved_omp_threads_(omp_get_max_threads()) {
  // Both builds: the OpenMP build threads a call made outside an active parallel region (a
  // search with one thread), which changes how it splits a product and so the rounding of some
  // similarities.
  openblas_set_num_threads(1);
}

SingleThreadedBlas::~SingleThreadedBlas() {
  openblas_set_num_threads(saved_threads_);
  // The OpenMP build's setter also sets OpenMP's default team size.
  omp_set_num_threads(saved_omp_threads_);
}

}  // namespace compnn::internal
