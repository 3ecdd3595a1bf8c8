// How a registered searcher reads its parameters from the JSON object MakeSearcher checked.
#pragma once

#include <nlohmann/json.hpp>

namespace compnn::internal {

template <typename T>
void ReadParam(const nlohmann::json& params, const char* name, T& field) {
  if (params.contains(name)) field = static_cast<T>(params.at(name).get<double>());
}

}  // namespace compnn::internal
