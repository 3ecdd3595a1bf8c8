#include "compnn/store/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace compnn {
namespace {

std::string LockPathFor(const std::string& output) {
  const std::filesystem::path target = std::filesystem::path(output).lexically_normal();
  std::string name = ".";
  name += target.filename().empty() ? target.parent_path().filename().string()
                                    : target.filename().string();
  name += ".lock";
  const std::filesystem::path parent =
      target.filename().empty() ? target.parent_path().parent_path() : target.parent_path();
  return (parent / name).string();
}

std::string Holder(int fd) {
  char pid[32] = {};
  const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
  return n > 0 ? " (process " + std::string(pid, static_cast<std::size_t>(n)) + ")" : "";
}

}  // namespace

WriterLock::WriterLock(const std::string& output) : path_(LockPathFor(output)) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  // The file is removed on release; one opened just before that removal would be locked by
  // nobody else, so a lock counts only on the file that is still at the path.
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error(output + ": cannot create its lock " + path_ + ": " +
                               std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = Holder(fd_);
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(output + ": another compnn process" + holder +
                               " is writing it; wait for it to finish");
    }
    struct stat held {
    }, at_path{};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &at_path) == 0 &&
        held.st_ino == at_path.st_ino && held.st_dev == at_path.st_dev) {
      const std::string pid = std::to_string(::getpid());
      if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The pid only improves the message another writer gets.
      }
      return;
    }
    ::close(fd_);
    fd_ = -1;
  }
  throw std::runtime_error(output + ": cannot take its lock " + path_);
}

WriterLock::~WriterLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: no other writer holds this file
  ::close(fd_);
}

}  // namespace compnn
