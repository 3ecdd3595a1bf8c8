#include "wavefront.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace compnn::internal {
namespace {

struct Tile {
  int y, x;
  // Lower anti-diagonal first, then lower row: a min-heap order.
  bool operator>(const Tile& other) const {
    return y + x != other.y + other.x ? y + x > other.y + other.x : y > other.y;
  }
};

class Wavefront {
 public:
  Wavefront(int tiles_y, int tiles_x, const std::function<void(int, int)>& visit)
      : tiles_y_(tiles_y), tiles_x_(tiles_x), visit_(visit), waiting_(tiles_y * tiles_x) {
    for (int y = 0; y < tiles_y; ++y)
      for (int x = 0; x < tiles_x; ++x) waiting_[y * tiles_x + x] = (y > 0) + (x > 0);
    ready_.push({0, 0});
  }

  void Work() {
    for (;;) {
      Tile tile;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !ready_.empty() || Finished(); });
        if (ready_.empty()) return;  // finished, or stopped by an exception
        tile = ready_.top();
        ready_.pop();
      }
      try {
        visit_(tile.y, tile.x);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
        while (!ready_.empty()) ready_.pop();
        changed_.notify_all();
        return;
      }
      Release(tile);
    }
  }

  void RethrowIfFailed() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  bool Finished() const { return done_ == tiles_y_ * tiles_x_ || error_ != nullptr; }

  // Marks `tile` done and queues the neighbours that no longer wait for anything.
  void Release(const Tile& tile) {
    Tile next[2];
    int count = 0;
    if (tile.y + 1 < tiles_y_ && --waiting_[(tile.y + 1) * tiles_x_ + tile.x] == 0)
      next[count++] = {tile.y + 1, tile.x};
    if (tile.x + 1 < tiles_x_ && --waiting_[tile.y * tiles_x_ + tile.x + 1] == 0)
      next[count++] = {tile.y, tile.x + 1};
    std::lock_guard lock(mutex_);
    ++done_;
    if (error_) return;
    for (int i = 0; i < count; ++i) ready_.push(next[i]);
    // This thread takes one new tile itself; a second one wakes a sleeper.
    if (Finished())
      changed_.notify_all();
    else if (count == 2)
      changed_.notify_one();
  }

  const int tiles_y_, tiles_x_;
  const std::function<void(int, int)>& visit_;
  std::vector<std::atomic<int>> waiting_;  // unfinished neighbours each tile still needs
  std::mutex mutex_;
  std::condition_variable changed_;
  std::priority_queue<Tile, std::vector<Tile>, std::greater<>> ready_;
  int done_ = 0;
  std::exception_ptr error_;
};

}  // namespace

void RunWavefront(int tiles_y, int tiles_x, int threads,
                  const std::function<void(int ty, int tx)>& visit) {
  if (tiles_y <= 0 || tiles_x <= 0) return;
  Wavefront wavefront(tiles_y, tiles_x, visit);
  // More threads than the longest anti-diagonal could never all have work.
  const int workers = std::clamp(threads, 1, std::min(tiles_y, tiles_x));
  std::vector<std::thread> helpers;
  helpers.reserve(workers - 1);
  for (int i = 1; i < workers; ++i) helpers.emplace_back([&] { wavefront.Work(); });
  wavefront.Work();
  for (std::thread& t : helpers) t.join();
  wavefront.RethrowIfFailed();
}

}  // namespace compnn::internal
