// Noisy neighbours: other processes keeping cores busy while a benchmark runs, as a training run
// or a notebook does on a user's machine.
#pragma once

#include <sys/types.h>

#include <vector>

namespace compnn::bench {

// While alive, `count` child processes spin on the CPU. They are killed and reaped on destruction
// (and die with the benchmark, which asks the kernel to kill them when their parent exits).
class BusyNeighbours {
 public:
  explicit BusyNeighbours(int count);
  ~BusyNeighbours();
  BusyNeighbours(const BusyNeighbours&) = delete;
  BusyNeighbours& operator=(const BusyNeighbours&) = delete;

 private:
  void Stop();

  std::vector<pid_t> children_;
};

}  // namespace compnn::bench
