// How many worker threads a search uses, and keeping BLAS from adding threads of its own.
#pragma once

namespace compnn::internal {

// `requested` when positive, otherwise every thread OpenMP offers.
int ResolveThreads(int requested);

// While alive, makes a pthread-built OpenBLAS run single-threaded, so that calls from inside our
// own parallel regions do not oversubscribe the cores. The OpenMP build needs no help.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int saved_threads_ = 0;
};

}  // namespace compnn::internal
