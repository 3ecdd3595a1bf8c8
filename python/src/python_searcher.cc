// The searcher compnn's Python functions choose by keyword arguments.
#include "bindings.h"
#include "compnn/core/check.h"

namespace compnn::python {

std::shared_ptr<const Searcher> PythonSearcher(const std::string& method, int iterations,
                                               int search_matches) {
  // Python names HyperPatch-Match's two parameters by keyword; they go to the method that takes
  // them.
  const std::map<std::string, std::pair<std::string, int>> keywords = {
      {"max_iterations", {"iterations", iterations}},
      {"search_matches", {"search_matches", search_matches}}};
  nlohmann::json params = nlohmann::json::object();
  for (const SearcherEntry& entry : Searchers()) {
    if (entry.name != method) continue;
    for (const SearcherParam& p : entry.params) {
      const auto given = keywords.find(p.name);
      if (given != keywords.end()) params[p.name] = given->second.second;
    }
  }
  try {
    return MakeSearcher(method, params);
  } catch (const OptionError& e) {
    const auto keyword = keywords.find(e.field());
    const std::string name = keyword == keywords.end() ? e.field() : keyword->second.first;
    throw py::value_error(name + ": " + e.message());
  }
}

}  // namespace compnn::python
