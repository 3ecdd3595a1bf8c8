// The pieces of the _compnn extension module, each registered by its own file.
#pragma once

#include <pybind11/pybind11.h>

#include <map>
#include <string>

#include "numpy_maps.h"

namespace compnn::python {

void RegisterMatch(py::module_& m);
void RegisterStore(py::module_& m);
void RegisterStoreWriter(py::module_& m);
void RegisterExplain(py::module_& m);
void RegisterDataset(py::module_& m);
void RegisterCredibility(py::module_& m);
void RegisterPipeline(py::module_& m);

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
