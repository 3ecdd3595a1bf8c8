#include "compnn/store/regular_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "compnn/core/check.h"

namespace compnn {

std::string ReadRegularFile(const std::string& path) {
  std::error_code error;
  COMPNN_CHECK(std::filesystem::is_regular_file(path, error), path,
               std::filesystem::exists(path, error) ? ": not a regular file" : ": no such file");
  std::ifstream file(path, std::ios::binary);
  COMPNN_CHECK(file, path, ": cannot open");
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void RequireInside(const std::string& path, const std::string& folder) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::weakly_canonical(path, error);
  const std::filesystem::path root = std::filesystem::weakly_canonical(folder, error);
  const auto [end, _] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
  COMPNN_CHECK(!error && end == root.end(), path, ": leads out of ", folder, " (to ",
               target.string(), "); a symbolic link there must stay inside it");
}

}  // namespace compnn
