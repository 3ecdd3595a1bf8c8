// LibTorch's files (compnn's .model, TorchScript's .pt) are zip archives. Their framing is checked
// here before LibTorch reads them, so that a truncated or damaged archive is refused in compnn's
// words, and an entry cannot claim more bytes than the file could hold (LibTorch allocates what
// an entry claims).
#pragma once

#include <string>
#include <string_view>

namespace compnn {

// Throws std::runtime_error naming `path` unless `bytes` is a zip archive whose central directory
// lists entries with distinct, non-empty names, each inside the file, stored or deflated to at
// most deflate's largest expansion.
void CheckZipArchive(std::string_view bytes, const std::string& path);

// Reads a regular file and checks it as above.
void CheckZipFile(const std::string& path);

}  // namespace compnn
