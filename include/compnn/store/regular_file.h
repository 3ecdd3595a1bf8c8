// Reading a whole file that must be a regular file: a FIFO or a device named in its place would
// block or never end, so it is refused, naming the path.
#pragma once

#include <string>

namespace compnn {

// The file's bytes. Throws std::runtime_error naming `path` when it is missing, not a regular
// file, or unreadable.
std::string ReadRegularFile(const std::string& path);

// Throws std::runtime_error naming `path` when it resolves (through symbolic links) to somewhere
// outside `folder`: a dataset's or a store's files stay inside their folder.
void RequireInside(const std::string& path, const std::string& folder);

}  // namespace compnn
