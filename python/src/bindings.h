// The pieces of the _compnn extension module, each registered by its own file.
#pragma once

#include <pybind11/pybind11.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "compnn/core/searcher.h"
#include "numpy_maps.h"

namespace compnn::python {

void RegisterMatch(py::module_& m);
void RegisterStore(py::module_& m);
void RegisterStoreWriter(py::module_& m);
void RegisterExplain(py::module_& m);
void RegisterDataset(py::module_& m);
void RegisterCredibility(py::module_& m);
void RegisterPipeline(py::module_& m);
void RegisterPixels(py::module_& m);

// The searcher `method` names, with HyperPatch-Match's iteration cap and matches kept while
// searching where the method takes them; raises ValueError naming the keyword argument.
std::shared_ptr<const Searcher> PythonSearcher(const std::string& method, int iterations,
                                               int search_matches);

// A progress callback for the engine that calls `progress(done, total)` with the GIL (empty for
// None). Its copies share one reference to `progress`, released where the GIL is held.
inline std::function<void(int, int)> ProgressCallback(py::object progress) {
  if (progress.is_none()) return {};
  auto callback = std::make_shared<py::object>(std::move(progress));
  return [callback](int done, int total) {
    py::gil_scoped_acquire gil;
    (*callback)(done, total);
  };
}

// An enum's value from its name; raises ValueError naming `what` and the names there are.
template <typename Enum>
Enum ParseName(const std::map<std::string, Enum>& names, const std::string& value,
               const std::string& what) {
  const auto it = names.find(value);
  if (it != names.end()) return it->second;
  std::string choices;
  for (const auto& [name, e] : names) choices += (choices.empty() ? "'" : ", '") + name + "'";
  throw py::value_error(what + ": '" + value + "' is not one of " + choices);
}

}  // namespace compnn::python
