// Reconstructions, explanation files and the layer choices, for compnn.torch.explain.
#include <pybind11/stl.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bindings.h"
#include "compnn/core/layer_choice.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/store/json_file.h"
#include "images.h"

namespace compnn::python {
namespace {

using ByteArray = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;

// The used images of an (N, H, W, 3) uint8 RGB array (a store's mapped pixels), as BGR images
// indexed like the store; the others empty.
std::vector<cv::Mat> UsedSources(const py::array& sources, const std::vector<int>& used) {
  const ByteArray a = ByteArray::ensure(sources);
  Require(a && a.ndim() == 4 && a.shape(3) == 3, "sources: must be (N, H, W, 3) uint8 RGB");
  const int n = static_cast<int>(a.shape(0)), h = static_cast<int>(a.shape(1)),
            w = static_cast<int>(a.shape(2));
  std::vector<cv::Mat> images(n);
  for (int i : used) {
    Require(i >= 0 && i < n, "nnf: image index " + std::to_string(i) + " outside the " +
                                 std::to_string(n) + " sources");
    const cv::Mat rgb(
        h, w, CV_8UC3,
        const_cast<std::uint8_t*>(a.data()) + static_cast<std::size_t>(i) * h * w * 3);
    cv::cvtColor(rgb, images[i], cv::COLOR_RGB2BGR);
  }
  return images;
}

Palette PaletteFromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  return Palette::FromJson(j.at("classes"), "palette", j.value("ignore", nlohmann::json()));
}

py::array Reconstruct(const py::array& nnf, const py::array& sources, int stride,
                      std::pair<int, int> block, const std::string& palette) {
  const CorrespondenceField field = FieldFromArrays(nnf);
  const PasteGeometry geometry{stride, {block.first, block.second}};
  geometry.Check();
  const std::vector<int> used = UsedImages(field);
  const std::vector<cv::Mat> images = UsedSources(sources, used);
  cv::Mat result;
  {
    py::gil_scoped_release release;
    if (palette.empty()) {
      result = ReconstructPhoto(field, images, geometry);
    } else {
      // Label images are pasted by class vote, so no colour outside the palette appears.
      const Palette p = PaletteFromJson(palette);
      std::vector<cv::Mat> classes(images.size());
      for (int i : used) classes[i] = p.Classes(images[i], false, "training label image");
      result = p.Colourise(ReconstructLabels(field, classes, geometry, p.size()));
    }
  }
  return RgbArray(result);
}

std::string WriteExplanation(const std::string& dir, const py::dict& a) {
  ExplanationFiles e;
  e.query = a["query"].cast<std::string>();
  e.layer = a["layer"].cast<std::string>();
  e.stride = a["stride"].cast<int>();
  const auto hp = a["hyperpatch"].cast<std::pair<int, int>>();
  e.hyperpatch = {hp.first, hp.second};
  e.heading = a["heading"].cast<std::string>();
  e.query_input = BgrImage(a["query_input"], "query_input");
  e.ground_truth = BgrImage(a["ground_truth"], "ground_truth");
  e.network_output = BgrImage(a["network_output"], "network_output");
  e.input_reconstruction = BgrImage(a["input_reconstruction"], "input_reconstruction");
  e.output_reconstruction = BgrImage(a["output_reconstruction"], "output_reconstruction");
  e.field = FieldFromArrays(a["nnf"].cast<py::array>());
  const auto similarity =
      py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a["similarity"]);
  Require(similarity && similarity.size() == static_cast<py::ssize_t>(e.field.matches.size()),
          "similarity: must hold one value per cell of nnf");
  for (std::size_t i = 0; i < e.field.matches.size(); ++i)
    e.field.matches[i].similarity = similarity.data()[i];
  // The figure's sources, indexed like the store: the used images' targets, given compactly
  // (`sources` holds the images `source_indices` names, in that order).
  const std::vector<int> indices = a["source_indices"].cast<std::vector<int>>();
  std::vector<int> order(indices.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  const std::vector<cv::Mat> compact = UsedSources(a["sources"].cast<py::array>(), order);
  e.names = a["names"].cast<std::vector<std::string>>();
  e.sources.assign(e.names.size(), cv::Mat());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    Require(indices[i] >= 0 && indices[i] < static_cast<int>(e.names.size()),
            "source_indices: an index outside the store");
    e.sources[indices[i]] = compact[i];
  }
  for (int used : UsedImages(e.field)) {
    Require(used >= 0 && used < static_cast<int>(e.sources.size()) && !e.sources[used].empty(),
            "nnf: image " + std::to_string(used) + " has no source pixels");
  }
  e.highlighted = a["highlighted"].cast<int>();
  nlohmann::json summary = nlohmann::json::parse(a["summary"].cast<std::string>());
  {
    py::gil_scoped_release release;
    summary.update(WriteExplanationFiles(dir, e));
    WriteJsonFile(dir + "/summary.json", summary);
  }
  return summary.dump();
}

std::vector<LayerShape> Shapes(const std::vector<std::tuple<std::string, int, int, int>>& list) {
  std::vector<LayerShape> shapes;
  for (const auto& [name, h, w, stride] : list) shapes.push_back({name, h, w, stride});
  return shapes;
}

}  // namespace

void RegisterExplain(py::module_& m) {
  m.def("_reconstruct", &Reconstruct, py::arg("nnf"), py::arg("sources"), py::arg("stride"),
        py::arg("block"), py::arg("palette"));
  m.def("_write_explanation", &WriteExplanation, py::arg("dir"), py::arg("parts"));
  m.def("_bottleneck", [](const std::vector<std::tuple<std::string, int, int, int>>& layers) {
    return Bottleneck(Shapes(layers));
  });
  m.def("_default_explain_layer",
        [](const std::vector<std::tuple<std::string, int, int, int>>& layers,
           const std::string& bottleneck) {
          return DefaultExplainLayer(Shapes(layers), bottleneck);
        });
  m.def("_encode_png", [](const py::array& rgb) {
    const cv::Mat bgr = BgrImage(rgb, "image");
    std::vector<unsigned char> png;
    cv::imencode(".png", bgr, png);
    return py::bytes(reinterpret_cast<const char*>(png.data()), png.size());
  });
  m.def("_colourise", [](const py::array& classes, const std::string& palette) {
    const ByteArray a = ByteArray::ensure(classes);
    Require(a && a.ndim() == 2, "classes: must be an (H, W) array of class ids");
    const cv::Mat ids(static_cast<int>(a.shape(0)), static_cast<int>(a.shape(1)), CV_8U,
                      const_cast<std::uint8_t*>(a.data()));
    return RgbArray(PaletteFromJson(palette).Colourise(ids));
  });
}

}  // namespace compnn::python
