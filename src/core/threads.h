// How many worker threads a search uses, and keeping BLAS from adding threads of its own.
#pragma once

namespace compnn::internal {

// `requested` when positive, otherwise every thread OpenMP offers.
int ResolveThreads(int requested);

// While alive, makes OpenBLAS run single-threaded: calls from inside our own parallel regions do
// not oversubscribe the cores, and every product is computed the same way whatever our thread
// count.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int saved_threads_ = 0;
  int saved_omp_threads_ = 0;
};

}  // namespace compnn::internal
