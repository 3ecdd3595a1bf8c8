#include "wavefront.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace compnn::internal {
namespace {

// Records, for every tile, its position in the order in which tiles finished.
struct FinishOrder {
  explicit FinishOrder(int ty, int tx) : tiles_x(tx), position(ty * tx, -1), visits(ty * tx) {}
  void Finish(int y, int x) {
    visits[y * tiles_x + x].fetch_add(1);
    std::lock_guard lock(mutex);
    position[y * tiles_x + x] = next++;
  }
  bool Finished(int y, int x) {
    std::lock_guard lock(mutex);
    return position[y * tiles_x + x] >= 0;
  }
  int tiles_x;
  std::vector<int> position;
  std::vector<std::atomic<int>> visits;
  std::mutex mutex;
  int next = 0;
};

TEST(RunWavefront, VisitsEveryTileOnceAfterItsUpperAndLeftNeighbours) {
  for (const auto& [ty, tx] : {std::pair{1, 1}, {1, 7}, {6, 1}, {5, 9}, {12, 12}}) {
    for (int threads : {1, 2, 3, 8}) {
      FinishOrder order(ty, tx);
      RunWavefront(ty, tx, threads, [&](int y, int x) {
        // Checked while running: both neighbours must already be done.
        if (y > 0) {
          EXPECT_TRUE(order.Finished(y - 1, x)) << y << "," << x;
        }
        if (x > 0) {
          EXPECT_TRUE(order.Finished(y, x - 1)) << y << "," << x;
        }
        std::this_thread::yield();
        order.Finish(y, x);
      });
      for (int i = 0; i < ty * tx; ++i) {
        ASSERT_EQ(order.visits[i].load(), 1) << ty << "x" << tx << ", tile " << i;
        if (i % tx > 0) {
          EXPECT_GT(order.position[i], order.position[i - 1]);
        }
        if (i >= tx) {
          EXPECT_GT(order.position[i], order.position[i - tx]);
        }
      }
    }
  }
}

TEST(RunWavefront, RunsIndependentTilesAtTheSameTime) {
  // Tiles (0, 1) and (1, 0) are both ready once (0, 0) is: with two threads, each waits until the
  // other has started, which only finishes if they run concurrently.
  std::atomic<int> started{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  RunWavefront(2, 2, 2, [&](int y, int x) {
    if (y + x != 1) return;
    started.fetch_add(1);
    while (started.load() < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  });
  EXPECT_EQ(started.load(), 2);
}

TEST(RunWavefront, RethrowsTheFirstExceptionAndStops) {
  for (int threads : {1, 2, 4}) {
    std::atomic<int> visited{0};
    EXPECT_THROW(RunWavefront(8, 8, threads,
                              [&](int y, int x) {
                                visited.fetch_add(1);
                                if (y == 2 && x == 3) throw std::runtime_error("tile failed");
                              }),
                 std::runtime_error);
    // Tiles below and right of the failed one never become ready.
    EXPECT_LT(visited.load(), 64);
  }
}

TEST(RunWavefront, EmptyGridVisitsNothing) {
  int visited = 0;
  RunWavefront(0, 5, 2, [&](int, int) { ++visited; });
  RunWavefront(5, 0, 2, [&](int, int) { ++visited; });
  EXPECT_EQ(visited, 0);
}

}  // namespace
}  // namespace compnn::internal
