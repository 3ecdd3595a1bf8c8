// compnn.StoreWriter: a feature store written image by image from Python, streaming (the count
// need not be known) and atomic (STORE.partial renamed into place on commit).
#include <pybind11/stl.h>

#include <memory>
#include <mutex>

#include "bindings.h"
#include "compnn/store/json_file.h"
#include "compnn/store/store_plan.h"

namespace compnn::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using ByteArray = py::array_t<std::uint8_t, py::array::c_style>;

class PyStoreWriter {
 public:
  // The manifest is planned here (store/store_plan.h), from the first image's map shapes.
  PyStoreWriter(const std::string& dir, const std::vector<PlannedLayer>& layers,
                const StorePlanOptions& options, bool overwrite)
      : plan_(PlanStore(layers, options)),
        writer_(std::make_unique<StoreWriter>(dir, plan_, overwrite)) {}

  void Append(const std::string& name, const py::dict& maps, const py::array& global,
              const py::dict& pixels) {
    Require(writer_ != nullptr, "the store was already committed");
    std::map<std::string, const float*> views;
    std::vector<FloatArray> keep;
    for (const StoreLayer& l : plan_.layers) {
      Require(maps.contains(l.name), "image " + name + ": no map for layer " + l.name);
      FloatArray a = Checked(maps[py::str(l.name)], {l.height, l.width, l.depth},
                             "layer " + l.name + " of image " + name);
      views[l.name] = a.data();
      keep.push_back(std::move(a));
    }
    const StoreLayer& g = plan_.layer(plan_.global_layer);
    FloatArray global_values =
        Checked(global, {g.height * g.width * g.depth}, "the global descriptor of image " + name);
    std::map<std::string, const std::uint8_t*> pixel_views;
    std::vector<ByteArray> keep_pixels;
    for (const StorePixels& p : plan_.pixels) {
      Require(pixels.contains(p.name), "image " + name + ": no " + p.name + " pixels");
      const py::array given = py::array::ensure(pixels[py::str(p.name)]);
      Require(given && HasDType(given, py::dtype::of<std::uint8_t>()),
              p.name + " of image " + name + ": must be a uint8 array");
      ByteArray a = ByteArray::ensure(given);
      const std::vector<py::ssize_t> want = {plan_.input_size.height, plan_.input_size.width, 3};
      Require(a && a.ndim() == 3 && std::vector<py::ssize_t>(a.shape(), a.shape() + 3) == want,
              p.name + " of image " + name + ": must be uint8 (" + std::to_string(want[0]) + ", " +
                  std::to_string(want[1]) + ", 3) RGB");
      pixel_views[p.name] = a.data();
      keep_pixels.push_back(std::move(a));
    }
    py::gil_scoped_release release;
    const std::lock_guard<std::mutex> lock(mutex_);  // one writer, appended to in order
    writer_->Append(name, views, global_values.data(), pixel_views);
  }

  void Commit() {
    Require(writer_ != nullptr, "the store was already committed");
    {
      py::gil_scoped_release release;
      const std::lock_guard<std::mutex> lock(mutex_);
      writer_->Commit();
      writer_.reset();
    }
  }

  int count() const { return writer_ ? writer_->next_image() : -1; }

 private:
  // A float32 C-contiguous array of exactly `shape` (converted from float16 or strided).
  static FloatArray Checked(const py::handle& h, const std::vector<py::ssize_t>& shape,
                            const std::string& what) {
    const py::array in = py::array::ensure(h);
    Require(static_cast<bool>(in), what + ": not an array");
    Require(in.dtype().kind() == 'f',
            what + ": dtype " + std::string(py::str(in.dtype())) + " is not a float type");
    FloatArray a = FloatArray::ensure(in);
    std::vector<py::ssize_t> have(a.shape(), a.shape() + a.ndim());
    if (shape.size() == 1) have = {a.size()};
    std::string want_text;
    for (py::ssize_t s : shape) want_text += (want_text.empty() ? "" : ", ") + std::to_string(s);
    Require(have == shape, what + ": shape differs from the first image's (" + want_text + ")");
    return a;
  }

  StoreManifest plan_;
  std::unique_ptr<StoreWriter> writer_;
  std::mutex mutex_;  // appends and the commit from several Python threads take turns
};

}  // namespace

void RegisterStoreWriter(py::module_& m) {
  py::class_<PyStoreWriter>(m, "_StoreWriter")
      .def(py::init([](const std::string& dir,
                       const std::vector<std::tuple<std::string, int, int, int>>& layers,
                       std::pair<int, int> input_size, const std::string& global_layer,
                       const std::string& dtype, std::pair<int, int> hyperpatch,
                       const std::string& model, const std::string& dataset,
                       const std::vector<std::string>& pixels,
                       const std::vector<std::string>& labels, const std::string& palette,
                       bool overwrite) {
             std::vector<PlannedLayer> planned;
             for (const auto& [name, height, width, depth] : layers)
               planned.push_back({name, height, width, depth});
             StorePlanOptions o;
             o.input_size = {input_size.first, input_size.second};
             o.global_layer = global_layer;
             o.dtype = dtype == "f32" ? DType::kFloat32 : DType::kFloat16;
             o.hyperpatch = {hyperpatch.first, hyperpatch.second};
             o.model = nlohmann::json::parse(model);
             o.dataset = nlohmann::json::parse(dataset);
             o.pixels = pixels;
             o.labels = labels;
             if (!palette.empty()) o.palette = nlohmann::json::parse(palette);
             return std::make_unique<PyStoreWriter>(dir, planned, o, overwrite);
           }),
           py::arg("dir"), py::arg("layers"), py::arg("input_size"), py::arg("global_layer"),
           py::arg("dtype"), py::arg("hyperpatch"), py::arg("model"), py::arg("dataset"),
           py::arg("pixels"), py::arg("labels"), py::arg("palette"), py::arg("overwrite"))
      .def("append", &PyStoreWriter::Append, py::arg("name"), py::arg("maps"), py::arg("global_"),
           py::arg("pixels"))
      .def("commit", &PyStoreWriter::Commit)
      .def_property_readonly("count", &PyStoreWriter::count);
  // (kept pixel sides, those of them holding labels), by compnn index's rule.
  m.def(
      "_kept_pixels",
      [](bool keep_pixels, bool keep_predictions, bool has_dataset, bool input_is_labels,
         bool target_is_labels) {
        std::vector<std::string> kept, labels;
        for (const StorePixels& p : PlanKeptPixels(keep_pixels, keep_predictions, has_dataset,
                                                   input_is_labels, target_is_labels)) {
          kept.push_back(p.name);
          if (p.labels) labels.push_back(p.name);
        }
        return std::make_pair(kept, labels);
      },
      py::arg("keep_pixels"), py::arg("keep_predictions"), py::arg("has_dataset"),
      py::arg("input_is_labels"), py::arg("target_is_labels"));
}

}  // namespace compnn::python
