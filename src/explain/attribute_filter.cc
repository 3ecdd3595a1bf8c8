#include "compnn/explain/attribute_filter.h"

#include <set>
#include <sstream>
#include <stdexcept>

#include "compnn/core/strings.h"

namespace compnn {
namespace {

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

std::string AsText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::vector<AttributeCondition> ParseWhere(const std::string& text) {
  std::vector<AttributeCondition> conditions;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) {
    AttributeCondition c;
    auto at = part.find("!=");
    std::size_t width = 2;
    if (at == std::string::npos) {
      at = part.find('=');
      width = 1;
    } else {
      c.equal = false;
    }
    if (at == std::string::npos)
      throw std::invalid_argument("condition '" + part + "' is not KEY=VALUE or KEY!=VALUE");
    c.key = Trim(part.substr(0, at));
    c.value = Trim(part.substr(at + width));
    if (c.key.empty() || c.value.empty())
      throw std::invalid_argument("condition '" + part + "' needs a key and a value");
    conditions.push_back(c);
  }
  if (conditions.empty()) throw std::invalid_argument("empty condition '" + text + "'");
  return conditions;
}

bool Satisfies(const nlohmann::json& meta, const std::vector<AttributeCondition>& conditions) {
  for (const AttributeCondition& c : conditions) {
    const bool has = meta.is_object() && meta.contains(c.key);
    const bool equal = has && AsText(meta[c.key]) == c.value;
    if (equal != c.equal) return false;
  }
  return true;
}

std::vector<int> ImagesWhere(const Dataset& dataset, const std::string& split,
                             const std::vector<std::string>& names,
                             const std::vector<AttributeCondition>& conditions) {
  std::set<std::string> keys;
  std::vector<nlohmann::json> metas;
  for (const std::string& name : names) {
    metas.push_back(dataset.Meta(split, name));
    for (const auto& [key, value] : metas.back().items()) keys.insert(key);
  }
  for (const AttributeCondition& c : conditions) {
    if (!keys.count(c.key)) {
      std::vector<std::string> have;
      for (const std::string& k : keys) {
        if (k != "name" && k != "split" && k != "seed") have.push_back(k);
      }
      throw std::runtime_error(
          dataset.dir() + "/meta.jsonl: no " + split + " image has the attribute '" + c.key + "'" +
          (have.empty() ? " (it has none)" : " (they have " + Join(have) + ")"));
    }
  }
  std::vector<int> selected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (Satisfies(metas[i], conditions)) selected.push_back(static_cast<int>(i));
  }
  return selected;
}

}  // namespace compnn
