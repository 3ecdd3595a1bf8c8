// Reading and writing JSON files, with errors that name them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace compnn {

// Throws std::runtime_error "PATH: <when_missing>" when the file cannot be opened, and
// "PATH: not valid JSON: ..." when it does not parse.
nlohmann::json ReadJsonFile(const std::string& path,
                            const std::string& when_missing = "cannot open");

// Writes `json` indented by 2, with a final newline, atomically (see atomic_file.h).
void WriteJsonFile(const std::string& path, const nlohmann::json& json);

}  // namespace compnn
