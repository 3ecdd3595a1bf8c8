// What the fuzz targets share: the input as a file (the readers take paths), in a folder of this
// process's own, and a way to run a reader that may refuse the input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace compnn::fuzz {

// A folder for this process's files, made once and reused (libFuzzer runs one input at a time),
// and removed at exit. The path outlives static destructors, which run before the exit handler.
inline const std::string& WorkDir() {
  static const std::string* const dir = [] {
    const auto* path = new std::string(
        (std::filesystem::temp_directory_path() / ("compnn-fuzz-" + std::to_string(::getpid())))
            .string());
    std::filesystem::create_directories(*path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(WorkDir(), ignored);
    });
    return path;
  }();
  return *dir;
}

inline std::string WriteFile(const std::string& name, std::string_view bytes) {
  const std::string path = WorkDir() + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  return path;
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `read`; a refusal (any std::exception: the readers' contract) is a correct answer. Anything
// else (a crash, a sanitizer report, another exception type) reaches libFuzzer as a finding.
template <typename Read>
void Refusable(Read&& read) {
  try {
    read();
  } catch (const std::exception&) {
  }
}

}  // namespace compnn::fuzz
