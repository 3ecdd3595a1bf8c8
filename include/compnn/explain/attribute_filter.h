// Property control (paper, section 4.2): restricting the database to the training images whose
// dataset attributes (meta.jsonl) satisfy conditions such as "wall_colour=red,floors!=3".
#pragma once

#include <string>
#include <vector>

#include "compnn/data/dataset.h"

namespace compnn {

struct AttributeCondition {
  std::string key, value;
  bool equal = true;  // "=" or "!="
};

// Parses "KEY=VALUE" and "KEY!=VALUE" conditions separated by commas (all must hold). Throws
// std::invalid_argument naming the malformed condition.
std::vector<AttributeCondition> ParseWhere(const std::string& text);

// Whether an image's attributes satisfy every condition. Values compare as text: strings as
// they are, numbers and booleans as JSON writes them (3, true).
bool Satisfies(const nlohmann::json& meta, const std::vector<AttributeCondition>& conditions);

// Indices into `names` (the images of `split`) that satisfy the conditions. Throws
// std::runtime_error for an attribute no image of the split has (listing those there are).
std::vector<int> ImagesWhere(const Dataset& dataset, const std::string& split,
                             const std::vector<std::string>& names,
                             const std::vector<AttributeCondition>& conditions);

}  // namespace compnn
