// Files are written whole or not at all: to a temporary file beside the target, flushed to disk,
// then renamed over it, so a crash never leaves a half-written file under the target's name.
#pragma once

#include <string>
#include <string_view>

#include "compnn/store/writer_lock.h"

namespace compnn {

// Throws std::runtime_error naming `path` when the file cannot be written.
void WriteFileAtomically(const std::string& path, std::string_view header, const void* data,
                         std::size_t bytes);

inline void WriteFileAtomically(const std::string& path, std::string_view contents) {
  WriteFileAtomically(path, contents, nullptr, 0);
}

// Removes from `dir` the temporaries of WriteFileAtomically (NAME.tmp.PID.N): a writer killed
// between writing a temporary and renaming it leaves one, which a run resuming in that folder must
// not keep. Only for a folder no one else writes in (a store's, under its writer lock).
void RemoveTemporaries(const std::string& dir);

// A folder written whole: its files go into a hidden staging folder beside it (.NAME.partial),
// which Commit() renames into place, replacing an earlier folder of that name. Until then the
// folder keeps its old contents (or stays absent); a staging folder left by a killed run is
// cleared by the next one, and one not committed is removed on destruction.
class StagedFolder {
 public:
  explicit StagedFolder(std::string dir);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  const std::string& path() const { return staging_; }  // where the files are written
  void Commit();

 private:
  std::string dir_, staging_;
  WriterLock lock_;
  bool committed_ = false;
};

}  // namespace compnn
