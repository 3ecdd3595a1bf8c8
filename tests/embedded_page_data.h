// What an explorer page embeds, read back in tests: its JSON, and the typed arrays in it.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base64_decode.h"

namespace compnn::testing {

// The JSON the page embeds, read back from the HTML.
inline nlohmann::json EmbeddedData(const std::string& html) {
  const std::string open = "<script id=\"compnn-data\" type=\"application/json\">";
  const std::size_t start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  const std::size_t end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

// A base64 little-endian array of T.
template <typename T>
std::vector<T> DecodeArray(const nlohmann::json& base64) {
  const std::string bytes = DecodeBase64(base64.get<std::string>());
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace compnn::testing
