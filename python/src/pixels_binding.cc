// Images of a network's tensors and the training pixels reconstructions paste, from the C++
// pipeline's rules (pipeline/network_pixels.h, pipeline/training_pixels.h): compnn.torch draws
// outputs and pastes as compnn explain does.
#include <pybind11/stl.h>

#include <memory>
#include <opencv2/imgproc.hpp>

#include "bindings.h"
#include "compnn/explain/class_agreement.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/pipeline/network_pixels.h"
#include "compnn/pipeline/training_pixels.h"
#include "images.h"

namespace compnn::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// A (C, H, W) float array of one image's values.
FloatArray Planes(const py::array& array, const std::string& what) {
  const FloatArray a = FloatArray::ensure(array);
  Require(a && a.ndim() == 3, what + ": must be a (C, H, W) array of one image");
  return a;
}

NetworkPixels PixelsOfRecord(const std::string& record) {
  return NetworkPixels::FromRecord(nlohmann::json::parse(record), "the store's model record");
}

std::optional<Palette> OptionalPalette(const std::string& palette) {
  if (palette.empty()) return std::nullopt;
  return PaletteFromJson(palette);
}

// The output's kind: `kind` when given, else the record's, else an image for 3 channels and class
// scores for any other count (a plain module's record names none).
OutputKind KindOf(const std::string& kind, const std::string& record, int channels) {
  if (!kind.empty()) return python::ParseName(OutputKindNames(), kind, "output_kind");
  const nlohmann::json r = nlohmann::json::parse(record);
  if (r.contains("output_kind")) return PixelsOfRecord(record).output_kind;
  return channels == 3 ? OutputKind::kImage : OutputKind::kLogits;
}

cv::Mat OutputBgr(const py::array& output, const std::string& record, const std::string& palette,
                  const std::string& kind) {
  const FloatArray a = Planes(output, "output");
  const int channels = static_cast<int>(a.shape(0));
  const std::optional<Palette> p = OptionalPalette(palette);
  return OutputImage(a.data(), channels, static_cast<int>(a.shape(1)), static_cast<int>(a.shape(2)),
                     KindOf(kind, record, channels), PixelsOfRecord(record), p ? &*p : nullptr,
                     "the network");
}

PasteSource SourceNamed(const std::string& name) {
  static const std::map<std::string, PasteSource> names = {
      {"inputs", PasteSource::kInputs},
      {"targets", PasteSource::kTargets},
      {"predictions", PasteSource::kPredictions}};
  return python::ParseName(names, name, "source");
}

// A store's training pixels, holding the store open.
struct PythonTrainingPixels {
  std::shared_ptr<FeatureStore> store;
  std::unique_ptr<TrainingPixels> pixels;

  explicit PythonTrainingPixels(std::shared_ptr<FeatureStore> s) : store(std::move(s)) {
    const Direction direction =
        ParseDirection(store->manifest().dataset.value("direction", std::string("AtoB")));
    pixels = std::make_unique<TrainingPixels>(*store, "", direction, store->manifest().input_size);
  }

  py::array Reconstruct(const py::array& nnf, const py::object& similarity, int stride,
                        std::pair<int, int> block, const std::string& source, double vote_power) {
    const CorrespondenceField field = FieldWithSimilarity(nnf, similarity);
    const PasteGeometry geometry{stride, {block.first, block.second}, vote_power};
    geometry.Check();
    const PasteSource from = SourceNamed(source);
    cv::Mat result;
    {
      py::gil_scoped_release release;
      result = pixels->Reconstruct(field, from, geometry);
    }
    return RgbArray(result);
  }

  // AgreementOfDrawings as JSON text (ToJson), or "" where the targets are no label images.
  std::string Agreement(const py::object& reconstruction, const py::object& network) const {
    const Palette* palette = pixels->palette();
    if (!palette || !pixels->training().target_is_labels()) return "";
    return ToJson(AgreementOfDrawings(BgrImage(reconstruction, "reconstruction"),
                                      BgrImage(network, "network output"), *palette))
        .dump();
  }

  // The `used` images of `source`, in that order, as one (N, H, W, 3) uint8 RGB array.
  py::array Gather(const std::vector<int>& used, const std::string& source) {
    const PasteSource from = SourceNamed(source);
    const ImageSize& size = store->manifest().input_size;
    py::array_t<std::uint8_t> out({static_cast<int>(used.size()), size.height, size.width, 3});
    const std::vector<cv::Mat> images = pixels->training().Images(from, used);
    for (std::size_t i = 0; i < used.size(); ++i) {
      cv::Mat rgb(size.height, size.width, CV_8UC3,
                  out.mutable_data() + i * static_cast<std::size_t>(size.height) * size.width * 3);
      cv::cvtColor(images[used[i]], rgb, cv::COLOR_BGR2RGB);
    }
    return out;
  }
};

}  // namespace

void RegisterPixels(py::module_& m) {
  m.def(
      "_output_pixels",
      [](const py::array& output, const std::string& record, const std::string& palette,
         const std::string& kind) { return RgbArray(OutputBgr(output, record, palette, kind)); },
      py::arg("output"), py::arg("record"), py::arg("palette"), py::arg("output_kind"));
  m.def(
      "_prediction_pixels",
      [](const py::array& output, const std::string& record, const std::string& palette,
         const std::string& kind, bool labels, std::pair<int, int> size) {
        const std::optional<Palette> p = OptionalPalette(palette);
        return RgbArray(StoredPrediction(OutputBgr(output, record, palette, kind),
                                         {size.first, size.second}, labels, p ? &*p : nullptr));
      },
      py::arg("output"), py::arg("record"), py::arg("palette"), py::arg("output_kind"),
      py::arg("labels"), py::arg("size"));
  m.def(
      "_input_values",
      [](const py::array& rgb, const std::string& record) {
        const cv::Mat bgr = BgrImage(rgb, "rgb");
        const std::vector<float> values = InputValues(bgr, PixelsOfRecord(record));
        py::array_t<float> out({3, bgr.rows, bgr.cols});
        std::copy(values.begin(), values.end(), out.mutable_data());
        return out;
      },
      py::arg("rgb"), py::arg("record"));
  m.def(
      "_input_pixels",
      [](const py::array& input, const std::string& record) {
        const FloatArray a = Planes(input, "query");
        Require(a.shape(0) == 3,
                "query: must have 3 channels (C, H, W), not " + std::to_string(a.shape(0)));
        return RgbArray(InputImage(a.data(), static_cast<int>(a.shape(1)),
                                   static_cast<int>(a.shape(2)), PixelsOfRecord(record)));
      },
      py::arg("input"), py::arg("record"));
  m.def(
      "_model_record",
      [](const std::string& input_range, const std::optional<std::array<float, 3>>& mean,
         const std::optional<std::array<float, 3>>& std, const std::string& output,
         const std::string& kind) {
        NetworkPixels pixels;
        pixels.input_range = python::ParseName(InputRangeNames(), input_range, "input_range");
        if (mean && std) pixels.normalisation = InputNormalisation{*mean, *std};
        pixels.output = output;
        if (!kind.empty())
          pixels.output_kind = python::ParseName(OutputKindNames(), kind, "output_kind");
        pixels.Check();
        nlohmann::json record = nlohmann::json::object();
        pixels.Record(record);
        if (kind.empty()) record.erase("output_kind");  // read from the output's channels
        return record.dump();
      },
      py::arg("input_range"), py::arg("mean"), py::arg("std"), py::arg("output"),
      py::arg("output_kind"));
  py::class_<PythonTrainingPixels>(m, "_TrainingPixels")
      .def(py::init<std::shared_ptr<FeatureStore>>(), py::arg("store"))
      .def_property_readonly(
          "palette",
          [](const PythonTrainingPixels& t) -> py::object {
            const Palette* p = t.pixels->palette();
            if (!p) return py::none();
            return py::str(
                nlohmann::json{{"classes", p->ToJson()}, {"ignore", p->IgnoreJson()}}.dump());
          })
      .def("has",
           [](const PythonTrainingPixels& t, const std::string& source) {
             return t.pixels->training().Has(SourceNamed(source));
           })
      .def("reconstruct", &PythonTrainingPixels::Reconstruct, py::arg("nnf"), py::arg("similarity"),
           py::arg("stride"), py::arg("block"), py::arg("source"), py::arg("vote_power"))
      .def("gather", &PythonTrainingPixels::Gather, py::arg("used"), py::arg("source"))
      .def("agreement", &PythonTrainingPixels::Agreement, py::arg("reconstruction"),
           py::arg("network"));
}

}  // namespace compnn::python
