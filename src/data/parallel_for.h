// Independent work items on all cores, with progress and the first failure rethrown.
#pragma once

#include <functional>

namespace compnn::data {

// Runs work(i) for i in [0, count) on all cores, calling progress(done, count) from one thread as
// items finish; rethrows the first failure once the running items are done, and starts no new
// item after it.
void ParallelFor(int count, const std::function<void(int)>& work,
                 const std::function<void(int, int)>& progress);

}  // namespace compnn::data
