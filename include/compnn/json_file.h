// Reading a JSON file with errors that name it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace compnn {

// Throws std::runtime_error "PATH: <when_missing>" when the file cannot be opened, and
// "PATH: not valid JSON: ..." when it does not parse.
nlohmann::json ReadJsonFile(const std::string& path,
                            const std::string& when_missing = "cannot open");

}  // namespace compnn
