#include "compnn/core/ranks.h"

#include <algorithm>
#include <stdexcept>

namespace compnn {

IndexRange ShardOf(int count, int rank, int ranks) {
  if (count < 0 || ranks < 1 || rank < 0 || rank >= ranks) {
    throw std::invalid_argument("no shard " + std::to_string(rank) + " of " +
                                std::to_string(ranks) + " over " + std::to_string(count) +
                                " items");
  }
  const int base = count / ranks, extra = count % ranks;
  const int begin = rank * base + std::min(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace compnn
