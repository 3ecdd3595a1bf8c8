// Tells the kernel that a database's maps will be read at random places (internal to
// compnn_store). A store's layer is memory-mapped, and a page fault there reads ahead by default;
// propagation reads a few hundred bytes at a time at scattered places, and when the layer does
// not fit in the memory the process may use, read-ahead filled that memory with neighbouring
// pages nobody read, evicting the ones still needed.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace compnn::internal {

// MADV_RANDOM over the pages spanned by the database's maps while it lives, MADV_NORMAL after.
// A hint only: maps in ordinary memory are unaffected, and a failure changes nothing but speed.
class RandomAccessHint {
 public:
  template <typename Database_>
  explicit RandomAccessHint(const Database_& database) {
    std::uintptr_t first = UINTPTR_MAX, last = 0;
    for (int i = 0; i < database.size(); ++i) {
      const auto& map = database[i];
      const auto begin = reinterpret_cast<std::uintptr_t>(map.data);
      first = std::min(first, begin);
      last = std::max(last, begin + sizeof(*map.data) * map.cells() * map.depth);
    }
    if (first >= last) return;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    begin_ = reinterpret_cast<void*>(first / page * page);
    bytes_ = last - first / page * page;
    ::madvise(begin_, bytes_, MADV_RANDOM);
  }
  ~RandomAccessHint() {
    if (bytes_ > 0) ::madvise(begin_, bytes_, MADV_NORMAL);
  }
  RandomAccessHint(const RandomAccessHint&) = delete;
  RandomAccessHint& operator=(const RandomAccessHint&) = delete;

 private:
  void* begin_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace compnn::internal
