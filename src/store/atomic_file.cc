#include "compnn/store/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace compnn {
namespace {

[[noreturn]] void Fail(const std::string& path, const char* what) {
  throw std::runtime_error(path + ": cannot " + what + ": " + std::strerror(errno));
}

void WriteAll(int fd, const char* data, std::size_t bytes, const std::string& path) {
  while (bytes > 0) {
    const ssize_t n = ::write(fd, data, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail(path, "write");
    data += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void RemoveTemporaries(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::size_t tmp = name.rfind(".tmp.");
    if (tmp == std::string::npos || !entry.is_regular_file()) continue;
    const std::string rest = name.substr(tmp + 5);  // PID.N
    const std::size_t dot = rest.find('.');
    const bool numbered = dot != std::string::npos && dot > 0 && dot + 1 < rest.size() &&
                          rest.find_first_not_of("0123456789.") == std::string::npos &&
                          rest.find('.', dot + 1) == std::string::npos;
    if (numbered) std::filesystem::remove(entry.path());
  }
}

void WriteFileAtomically(const std::string& path, std::string_view header, const void* data,
                         std::size_t bytes) {
  static std::atomic<int> counter{0};
  const std::string temporary =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Fail(path, "create a temporary file");
  try {
    WriteAll(fd, header.data(), header.size(), path);
    WriteAll(fd, static_cast<const char*>(data), bytes, path);
    if (::fsync(fd) != 0) Fail(path, "flush");
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temporary.c_str());
    Fail(path, "close");
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    errno = saved;
    Fail(path, "rename the temporary file into place");
  }
}

StagedFolder::StagedFolder(std::string dir) : dir_(std::move(dir)), lock_(dir_) {
  const std::filesystem::path target(dir_);
  std::string hidden = ".";
  hidden += target.filename().string();
  hidden += ".partial";
  staging_ = (target.parent_path() / hidden).string();
  std::error_code error;
  std::filesystem::remove_all(staging_, error);
  std::filesystem::create_directories(staging_, error);
  if (error) throw std::runtime_error(staging_ + ": cannot create: " + error.message());
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
}

void StagedFolder::Commit() {
  namespace fs = std::filesystem;
  std::error_code error;
  const std::string old = staging_ + ".old";
  fs::remove_all(old, error);
  if (fs::exists(fs::symlink_status(dir_))) {
    if (!fs::is_directory(fs::symlink_status(dir_)))
      throw std::runtime_error(dir_ + ": exists and is not a folder");
    fs::rename(dir_, old, error);
    if (error) throw std::runtime_error(dir_ + ": cannot replace: " + error.message());
  }
  fs::rename(staging_, dir_, error);
  if (error) throw std::runtime_error(dir_ + ": cannot move into place: " + error.message());
  committed_ = true;
  fs::remove_all(old, error);
}

}  // namespace compnn
