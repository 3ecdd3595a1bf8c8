// Reading and writing JSON files, with errors that name them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "compnn/core/image_size.h"

namespace compnn {

// Throws std::runtime_error "PATH: <when_missing>" when the file cannot be opened, and
// "PATH: not valid JSON: ..." when it does not parse.
nlohmann::json ReadJsonFile(const std::string& path,
                            const std::string& when_missing = "cannot open");

// An image size in a file: N for a square N x N (as files written before sizes could be
// rectangular say it), [H, W] otherwise; reading accepts both. Throws std::runtime_error.
nlohmann::json ImageSizeToJson(const ImageSize& size);
ImageSize ImageSizeFromJson(const nlohmann::json& json);

// Writes `json` indented by 2, with a final newline, atomically (see atomic_file.h).
void WriteJsonFile(const std::string& path, const nlohmann::json& json);

}  // namespace compnn
