// compnn.Dataset's reading: a compnn dataset's pairs as RGB arrays at a model's input size.
#include <pybind11/stl.h>

#include "bindings.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/training_images.h"
#include "images.h"

namespace compnn::python {
namespace {

Direction DirectionOf(const std::string& text) {
  return ParseName(DirectionNames(), text, "direction");
}

// The pair `name` of `split`: input and target at `size` (nearest neighbour for label images).
py::tuple Read(const Dataset& d, const std::string& split, const std::string& name,
               std::pair<int, int> size, const std::string& direction) {
  const Direction dir = DirectionOf(direction);
  const ImageSize target_size{size.first, size.second};
  ImagePair pair;
  cv::Mat input, target;
  {
    py::gil_scoped_release release;
    pair = d.Read(split, name);
    input = ResizeForModel(InputOf(pair, dir), target_size, d.input_is_labels(dir));
    target = ResizeForModel(TargetOf(pair, dir), target_size, d.target_is_labels(dir));
  }
  return py::make_tuple(RgbArray(input), RgbArray(target));
}

}  // namespace

void RegisterDataset(py::module_& m) {
  py::class_<Dataset>(m, "_Dataset")
      .def(py::init(&Dataset::Open), py::arg("path"))
      .def_property_readonly("dir", &Dataset::dir)
      .def("has_split", &Dataset::HasSplit)
      .def("names", &Dataset::Names)
      .def("image_size",
           [](const Dataset& d, const std::string& split) {
             const ImageSize s = d.ImageSizeOf(split);
             return std::make_pair(s.height, s.width);
           })
      .def("input_is_labels",
           [](const Dataset& d, const std::string& dir) {
             return d.input_is_labels(DirectionOf(dir));
           })
      .def("target_is_labels",
           [](const Dataset& d, const std::string& dir) {
             return d.target_is_labels(DirectionOf(dir));
           })
      .def_property_readonly("palette",
                             [](const Dataset& d) -> py::object {
                               if (!d.has_labels()) return py::none();
                               const nlohmann::json j = {{"classes", d.palette().ToJson()},
                                                         {"ignore", d.palette().IgnoreJson()}};
                               return py::str(j.dump());
                             })
      .def("meta", [](const Dataset& d, const std::string& split,
                      const std::string& name) { return d.Meta(split, name).dump(); })
      .def("read", &Read, py::arg("split"), py::arg("name"), py::arg("size"), py::arg("direction"));
}

}  // namespace compnn::python
