#include "busy_neighbours.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace compnn::bench {

BusyNeighbours::BusyNeighbours(int count) {
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string reason = std::strerror(errno);
      Stop();
      throw std::runtime_error("cannot start a busy neighbour process: " + reason);
    }
    if (pid == 0) {
      // The child touches nothing of the parent's (no locks, no allocation): it only spins.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      volatile unsigned long long spin = 0;
      for (;;) spin = spin + 1;
    }
    children_.push_back(pid);
  }
}

BusyNeighbours::~BusyNeighbours() { Stop(); }

void BusyNeighbours::Stop() {
  for (pid_t pid : children_) kill(pid, SIGKILL);
  for (pid_t pid : children_) waitpid(pid, nullptr, 0);
  children_.clear();
}

}  // namespace compnn::bench
