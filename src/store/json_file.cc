#include "compnn/store/json_file.h"

#include <fstream>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/store/atomic_file.h"

namespace compnn {

nlohmann::json ReadJsonFile(const std::string& path, const std::string& when_missing) {
  std::ifstream in(path);
  COMPNN_CHECK(in, path, ": ", when_missing);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

void WriteJsonFile(const std::string& path, const nlohmann::json& json) {
  WriteFileAtomically(path, json.dump(2) + "\n");
}

}  // namespace compnn
