// _compnn: the C++ engine under the compnn Python package (python/compnn).
#include <pybind11/pybind11.h>

#include "bindings.h"

PYBIND11_MODULE(_compnn, m) {
  m.doc() = "compnn's C++ engine; use the compnn package, which wraps it.";
  compnn::python::RegisterMatch(m);
  compnn::python::RegisterStore(m);
  compnn::python::RegisterStoreWriter(m);
  compnn::python::RegisterExplain(m);
  compnn::python::RegisterDataset(m);
  compnn::python::RegisterCredibility(m);
  compnn::python::RegisterPipeline(m);
  compnn::python::RegisterPixels(m);
}
