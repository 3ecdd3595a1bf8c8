// One writer at a time for an output (a store, a dataset, a model file, an explanation folder):
// the writer holds an advisory lock (flock) on a hidden file beside the output, `.NAME.lock`,
// and a second writer is refused at once with a message that names the output and the holder.
// The lock goes with the process, so a killed writer never leaves a stale one.
#pragma once

#include <string>

namespace compnn {

class WriterLock {
 public:
  // Throws std::runtime_error naming `output` when another process (or another WriterLock in this
  // one) holds its lock.
  explicit WriterLock(const std::string& output);
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace compnn
