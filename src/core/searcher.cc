#include "compnn/core/searcher.h"

#include <cmath>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "compnn/core/strings.h"
#include "compnn/core/thread_limit.h"

namespace compnn {

void SearchRequest::Check() const {
  COMPNN_CHECK_OPTION(k >= 1 && k <= kMaxMatchesPerCell, "k", "must be in [1, ", kMaxMatchesPerCell,
                      "], got ", k);
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
}

SearchResult Searcher::Search(const MapView&, const HalfDatabase&, const SearchRequest&) const {
  throw std::invalid_argument(
      name() + " search needs float32 maps; it does not read float16 ones " + "in place");
}

const std::vector<SearcherEntry>& Searchers() {
  // A new method: one line here.
  static const std::vector<SearcherEntry> entries = {
      PatchMatchSearcherEntry(), ExactSearcherEntry(), ProjectedSearcherEntry()};
  return entries;
}

std::string SearcherNames() {
  std::vector<std::string> names;
  for (const SearcherEntry& e : Searchers()) names.push_back("\"" + e.name + "\"");
  return Join(names, ", ");
}

namespace {

// Refuses what the entry's factory would misread: unknown names, non-numbers, fractions given
// for whole numbers.
void CheckParams(const SearcherEntry& entry, const nlohmann::json& params) {
  COMPNN_CHECK_OPTION(params.is_object(), "params", "must be an object of name: value, got ",
                      params.dump());
  for (const auto& [name, value] : params.items()) {
    const SearcherParam* param = nullptr;
    for (const SearcherParam& p : entry.params) {
      if (p.name == name) param = &p;
    }
    if (param == nullptr) {
      std::vector<std::string> known;
      for (const SearcherParam& p : entry.params) known.push_back(p.name);
      throw OptionError(name, "is not a parameter of " + entry.name + " search (it takes " +
                                  (known.empty() ? std::string("none") : Join(known)) + ")");
    }
    COMPNN_CHECK_OPTION(value.is_number(), name, "must be a number, got ", value.dump());
    COMPNN_CHECK_OPTION(!param->integer || value.is_number_integer() ||
                            std::nearbyint(value.get<double>()) == value.get<double>(),
                        name, "must be a whole number, got ", value.dump());
  }
}

}  // namespace

std::shared_ptr<const Searcher> MakeSearcher(const std::string& name,
                                             const nlohmann::json& params) {
  for (const SearcherEntry& entry : Searchers()) {
    if (entry.name != name) continue;
    CheckParams(entry, params);
    return entry.make(params);
  }
  throw OptionError("method", "must be one of " + SearcherNames() + ", got \"" + name + "\"");
}

nlohmann::json SearchRecord(const Searcher& searcher, std::uint64_t seed) {
  nlohmann::json record = {{"method", searcher.name()}};
  record.update(searcher.Parameters());
  if (searcher.traits().uses_seed) record["seed"] = seed;
  return record;
}

std::shared_ptr<const Searcher> DefaultSearcher() {
  static const std::shared_ptr<const Searcher> searcher = MakeSearcher(Searchers().front().name);
  return searcher;
}

}  // namespace compnn
