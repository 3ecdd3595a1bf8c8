// Property control (paper, section 4.2): restricting the database to the training images whose
// dataset attributes (meta.jsonl) satisfy conditions such as "wall_colour=red,floors!=3".
#pragma once

#include <string>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/store/feature_store.h"

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

// The store images a search may use, as indices into the store's images: those whose attributes
// satisfy `where` (ParseWhere's conditions; empty: no condition) and, when `names` is not empty,
// are among those names; both restrictions hold together. Empty when neither restricts. The
// attributes come from `dataset`, or when it is null from the dataset folder the store's manifest
// names. Throws std::runtime_error naming the field ("where", "images") and the store: a name the
// store lacks, a dataset that cannot be found, restrictions that together allow no image.
std::vector<int> AllowedImages(const FeatureStore& store, const std::string& where,
                               const std::vector<std::string>& names,
                               const Dataset* dataset = nullptr);

}  // namespace compnn
