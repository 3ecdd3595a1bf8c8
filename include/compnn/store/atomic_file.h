// Files are written whole or not at all: to a temporary file beside the target, flushed to disk,
// then renamed over it, so a crash never leaves a half-written file under the target's name.
#pragma once

#include <string>
#include <string_view>

namespace compnn {

// Throws std::runtime_error naming `path` when the file cannot be written.
void WriteFileAtomically(const std::string& path, std::string_view header, const void* data,
                         std::size_t bytes);

inline void WriteFileAtomically(const std::string& path, std::string_view contents) {
  WriteFileAtomically(path, contents, nullptr, 0);
}

}  // namespace compnn
