// Enums and the words that name them in files and on command lines: one table per enum, read in
// both directions.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "compnn/core/strings.h"

namespace compnn {

// The choices of a table, each quoted: "'-1,1', '0,1'" (some words hold commas).
template <typename Enum>
std::string QuotedChoices(const std::map<std::string, Enum>& names) {
  std::vector<std::string> words;
  for (const auto& [word, value] : names) words.push_back("'" + word + "'");
  return Join(words);
}

// The value `names` gives `text`; throws std::runtime_error naming `what` and the choices.
template <typename Enum>
Enum ParseName(const std::map<std::string, Enum>& names, const std::string& text,
               const std::string& what) {
  const auto found = names.find(text);
  if (found == names.end()) {
    throw std::runtime_error(what + " must be one of " + QuotedChoices(names) + ", got '" + text +
                             "'");
  }
  return found->second;
}

}  // namespace compnn
