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
  const auto side = [](const nlohmann::json& value) {
    return value.is_number_integer() && value.get<std::int64_t>() >= 1 &&
           value.get<std::int64_t>() <= kMaxImageSide;
  };
  if (side(json)) return {json.get<int>(), json.get<int>()};
  if (json.is_array() && json.size() == 2 && side(json[0]) && side(json[1]))
    return {json[0].get<int>(), json[1].get<int>()};
  throw std::runtime_error("an image size is N or [height, width] with sides in [1, " +
                           std::to_string(kMaxImageSide) + "], got " + json.dump());
}

}  // namespace compnn
