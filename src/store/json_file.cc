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

nlohmann::json ImageSizeToJson(const ImageSize& size) {
  if (size.square()) return size.height;
  return {size.height, size.width};
}

ImageSize ImageSizeFromJson(const nlohmann::json& json) {
  if (json.is_number_integer()) return {json.get<int>(), json.get<int>()};
  if (json.is_array() && json.size() == 2 && json[0].is_number_integer() &&
      json[1].is_number_integer())
    return {json[0].get<int>(), json[1].get<int>()};
  throw std::runtime_error("an image size is N or [height, width], got " + json.dump());
}

}  // namespace compnn
