// A base64 decoder for tests of what compnn encodes: written from RFC 4648's table, apart from
// the library's encoder, so that a round trip checks one against the other.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace compnn::testing {

inline std::string DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    throw std::invalid_argument("not a base64 character");
  };
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 length is not a multiple of 4");
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    unsigned bits = 0;
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      bits = bits << 6 | (c == '=' ? 0 : value(c));
      padding += c == '=';
    }
    out += static_cast<char>(bits >> 16);
    if (padding < 2) out += static_cast<char>(bits >> 8 & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

}  // namespace compnn::testing
