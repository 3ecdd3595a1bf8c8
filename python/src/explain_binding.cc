// Reconstructions, explanation files and the layer choices, for compnn.torch.explain.
#include <pybind11/stl.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bindings.h"
#include "compnn/core/layer_choice.h"
#include "compnn/data/dataset.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/class_agreement.h"
#include "compnn/explain/correspondence_map.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/explorer.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/explain/training_images.h"
#include "compnn/store/atomic_file.h"
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

// Images indexed like the store (`count` of them): `compact` holds the images `indices` names,
// in that order; the others are empty.
std::vector<cv::Mat> Scatter(const py::array& compact, const std::vector<int>& indices,
                             std::size_t count, const std::string& what) {
  std::vector<int> order(indices.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  const std::vector<cv::Mat> images = UsedSources(compact, order);
  std::vector<cv::Mat> scattered(count);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    Require(indices[i] >= 0 && static_cast<std::size_t>(indices[i]) < count,
            what + ": an index outside the store");
    scattered[indices[i]] = images[i];
  }
  return scattered;
}

std::string WriteExplanation(const std::string& dir, const py::dict& a) {
  ExplanationFiles e;
  e.query = a["query"].cast<std::string>();
  e.layer = a["layer"].cast<std::string>();
  e.stride = a["stride"].cast<int>();
  const auto hp = a["hyperpatch"].cast<std::pair<int, int>>();
  e.hyperpatch = {hp.first, hp.second};
  e.heading = ExplanationHeading(e.query, e.layer, e.stride, a["candidates"].cast<std::size_t>(),
                                 PythonSearcher(a["method"].cast<std::string>(), 1, 1)->name(),
                                 a["k"].cast<int>());
  e.query_input = BgrImage(a["query_input"], "query_input");
  e.ground_truth = BgrImage(a["ground_truth"], "ground_truth");
  e.network_output = BgrImage(a["network_output"], "network_output");
  e.input_reconstruction = BgrImage(a["input_reconstruction"], "input_reconstruction");
  e.output_reconstruction = BgrImage(a["output_reconstruction"], "output_reconstruction");
  if (a.contains("prediction_reconstruction") && !a["prediction_reconstruction"].is_none())
    e.prediction_reconstruction =
        BgrImage(a["prediction_reconstruction"], "prediction_reconstruction");
  e.field = FieldWithSimilarity(a["nnf"].cast<py::array>(), a["similarity"]);
  // The figure's sources: the used images' targets, given compactly.
  e.names = a["names"].cast<std::vector<std::string>>();
  e.sources = Scatter(a["sources"].cast<py::array>(), a["source_indices"].cast<std::vector<int>>(),
                      e.names.size(), "source_indices");
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

// The explorer page of several explanations: queries, each with fields per layer.
ExplorerPage PageFromDict(const py::dict& a) {
  ExplorerPage page;
  page.title = a["title"].cast<std::string>();
  page.first_layer = a["first_layer"].cast<std::string>();
  page.names = a["names"].cast<std::vector<std::string>>();
  const auto indices = a["source_indices"].cast<std::vector<int>>();
  page.source_inputs =
      Scatter(a["source_inputs"].cast<py::array>(), indices, page.names.size(), "source_indices");
  page.source_targets =
      Scatter(a["source_targets"].cast<py::array>(), indices, page.names.size(), "source_indices");
  // Label targets: each field's agreement with the network, measured as compnn explain does.
  const std::string palette_text = a["palette"].cast<std::string>();
  const std::optional<Palette> palette =
      palette_text.empty() ? std::nullopt : std::optional<Palette>(PaletteFromJson(palette_text));
  for (const py::handle& q : a["queries"].cast<py::list>()) {
    const py::dict query = q.cast<py::dict>();
    ExplorerQuery& eq = page.queries.emplace_back();
    eq.name = query["name"].cast<std::string>();
    eq.input = BgrImage(query["input"], "query input");
    eq.truth = BgrImage(query["truth"], "truth");
    eq.output = BgrImage(query["output"], "network output");
    for (const py::handle& f : query["fields"].cast<py::list>()) {
      const py::dict field = f.cast<py::dict>();
      const auto hp = field["hyperpatch"].cast<std::pair<int, int>>();
      const cv::Mat output_reconstruction =
          BgrImage(field["output_reconstruction"], "output_reconstruction");
      std::optional<AgreementWithNetwork> agreement;
      if (palette && field["agreement"].cast<bool>())
        agreement = AgreementOfDrawings(output_reconstruction, eq.output, *palette);
      eq.fields.push_back({field["layer"].cast<std::string>(), "", field["stride"].cast<int>(),
                           HyperpatchShape{hp.first, hp.second},
                           FieldWithSimilarity(field["nnf"].cast<py::array>(), field["similarity"]),
                           BgrImage(field["input_reconstruction"], "input_reconstruction"),
                           output_reconstruction, agreement});
    }
  }
  return page;
}

void WriteExplorerPage(const std::string& path, const py::dict& a) {
  const ExplorerPage page = PageFromDict(a);
  py::gil_scoped_release release;
  WriteExplorer(path, page);
}

std::string ExplorerPageHtml(const py::dict& a) {
  const ExplorerPage page = PageFromDict(a);
  py::gil_scoped_release release;
  return ExplorerHtml(page);
}

std::vector<LayerShape> Shapes(const std::vector<std::tuple<std::string, int, int, int>>& list) {
  std::vector<LayerShape> shapes;
  for (const auto& [name, h, w, stride] : list) shapes.push_back({name, h, w, stride});
  return shapes;
}

}  // namespace

void RegisterExplain(py::module_& m) {
  m.def(
      "_source_shares",
      [](const py::array& nnf, int stride) {
        std::vector<std::pair<int, double>> shares;
        for (const SourceShare& s : SourceShares(SourceImageMap(FieldFromArrays(nnf), stride)))
          shares.emplace_back(s.image, s.share);
        return shares;
      },
      py::arg("nnf"), py::arg("stride"));
  m.def("_write_explanation", &WriteExplanation, py::arg("dir"), py::arg("parts"));
  m.def("_write_explorer", &WriteExplorerPage, py::arg("path"), py::arg("page"));
  m.def("_explorer_html", &ExplorerPageHtml, py::arg("page"));
  m.def("_write_text_atomically",
        [](const std::string& path, const std::string& text) { WriteFileAtomically(path, text); });
  m.def("_forward_order",
        [](const std::vector<std::string>& names, const std::vector<std::string>& modules) {
          return InForwardOrder(names, modules);
        });
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
  m.def("_write_png", [](const std::string& path, const py::array& rgb) {
    WritePng(path, BgrImage(rgb, "image"));  // atomically
  });
}

}  // namespace compnn::python
