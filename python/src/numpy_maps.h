// numpy arrays as the engine's maps, without copies where the layout allows: float32 C-contiguous
// channels-last arrays are viewed in place; float16 and channels-first ones are converted.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/store/feature_store.h"

namespace compnn::python {

namespace py = pybind11;

// An activation map argument: (H, W, D), or (1, H, W, D), float32 or float16; (D, H, W) or
// (1, D, H, W) with `channels_first`. A view of `array` when it is float32, C-contiguous and
// channels last; otherwise converted into `scratch`. Raises ValueError naming `what`.
MapView QueryMap(const py::array& array, bool channels_first, std::vector<float>& scratch,
                 const std::string& what);

// A database argument: (N, H, W, D) float32 or float16, or (N, D, H, W) with `channels_first`.
// The maps of `images` (all when empty), as LayerMaps describes them; float32 channels-last
// arrays are viewed in place. Raises ValueError naming `what`.
struct ArrayMaps {
  LayerMaps maps;
  std::vector<float> transposed;  // a channels-first database, converted
};
void DatabaseMaps(const py::array& array, bool channels_first, const std::vector<int>& images,
                  const std::string& what, ArrayMaps& out);

// A vector of floats (D,) or (1, D), float32 or float16, as floats (copied: they are short).
std::vector<float> Descriptor(const py::array& array, const std::string& what);

// A correspondence field as numpy arrays: nnf int32 (H, W, 3) or (H, W, K, 3) holding image, y, x,
// and similarity float32 (H, W) or (H, W, K), as compnn match writes them.
py::tuple FieldArrays(const CorrespondenceField& field);
// The reverse, for reconstructions from a given field. Raises ValueError for another shape.
CorrespondenceField FieldFromArrays(const py::array& nnf);
// The same with each match's similarity from `similarity` (H, W[, K]; None: none).
CorrespondenceField FieldWithSimilarity(const py::array& nnf, const py::object& similarity);

// Whether `a` holds elements of `want` in native byte order (dtypes are compared by type number:
// equal dtypes need not be the same object, e.g. after pickling).
bool HasDType(const py::array& a, const py::dtype& want);

// Raises ValueError with `message` unless `condition`.
void Require(bool condition, const std::string& message);

}  // namespace compnn::python
