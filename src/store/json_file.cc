#include "compnn/json_file.h"

#include <fstream>
#include <stdexcept>

namespace compnn {

nlohmann::json ReadJsonFile(const std::string& path, const std::string& when_missing) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": " + when_missing);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace compnn
