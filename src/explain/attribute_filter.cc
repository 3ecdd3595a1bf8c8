#include "compnn/explain/attribute_filter.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "compnn/core/check.h"
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

std::vector<int> AllowedImages(const FeatureStore& store, const std::string& where,
                               const std::vector<std::string>& names, const Dataset* dataset) {
  const std::vector<std::string>& images = store.manifest().images;
  std::vector<int> listed;
  for (const std::string& name : names) {
    const auto it = std::find(images.begin(), images.end(), name);
    COMPNN_CHECK(it != images.end(), "images: '", name, "' is not in ", store.dir());
    listed.push_back(static_cast<int>(it - images.begin()));
  }
  if (where.empty()) return listed;

  std::optional<Dataset> opened;
  if (!dataset) {
    const std::string dir = store.manifest().dataset.value("dir", std::string());
    COMPNN_CHECK(!dir.empty() && std::filesystem::is_directory(dir), "where: ", store.dir(),
                 " names no dataset folder with the images' attributes",
                 dir.empty() ? "" : " (" + dir + " is not a folder)");
    opened = Dataset::Open(dir);
    dataset = &*opened;
  }
  const std::string split = store.manifest().dataset.value("split", std::string("train"));
  std::vector<int> allowed = ImagesWhere(*dataset, split, images, ParseWhere(where));
  COMPNN_CHECK(!allowed.empty(), "where: no image of ", store.dir(), " satisfies '", where,
               "': the database is empty");
  if (listed.empty()) return allowed;
  std::vector<int> both;  // in the list's order
  for (int i : listed) {
    if (std::find(allowed.begin(), allowed.end(), i) != allowed.end()) both.push_back(i);
  }
  COMPNN_CHECK(!both.empty(), "images and where together allow no image of ", store.dir(),
               ": none of the ", listed.size(), " images named satisfies '", where, "'");
  return both;
}

}  // namespace compnn
