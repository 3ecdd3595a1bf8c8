// Small text helpers shared by error messages and listings.
#pragma once

#include <string>
#include <vector>

namespace compnn {

// "a, b, c" (or with another separator); "" for none.
std::string Join(const std::vector<std::string>& items, const std::string& separator = ", ");

// printf into a string, whatever its length.
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The items of a comma-separated list, empty items dropped ("a,,b" -> {a, b}).
std::vector<std::string> SplitList(const std::string& text, char separator = ',');

}  // namespace compnn
