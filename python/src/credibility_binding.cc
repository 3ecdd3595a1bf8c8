// compnn._credibility_map: the credibility of a prediction per pixel from the matches of one or
// more fields, labelled by a store's training targets, and a calibration's nonconformities
// (eval/credibility.h; what compnn explain --credibility writes).
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "compnn/explain/neighbour_votes.h"
#include "numpy_maps.h"

namespace compnn::python {
namespace {

py::array_t<float> CredibilityMap(const std::shared_ptr<FeatureStore>& store,
                                  const std::vector<py::tuple>& fields, const py::array& classes_in,
                                  std::vector<float> calibration, long long calibration_pixels) {
  Require(!store->manifest().palette.is_null() && TrainingImages::KeepsPixels(*store),
          store->dir() + ": credibility needs a store that keeps its label targets");
  const nlohmann::json& p = store->manifest().palette;
  const Palette palette = Palette::FromJson(p.at("classes"), store->dir() + "/manifest.json",
                                            p.value("ignore", nlohmann::json()));
  TrainingImages training(*store, &palette);
  const auto classes =
      py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(classes_in);
  Require(classes && classes.ndim() == 2, "classes: expected (H, W) class ids");
  std::vector<NeighbourVotes> votes;
  for (const py::tuple& f : fields) {
    Require(f.size() == 3, "fields: each is (nnf, similarity, stride)");
    CorrespondenceField field = FieldFromArrays(f[0].cast<py::array>());
    const auto similarity =
        py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(f[1]);
    Require(similarity && static_cast<std::size_t>(similarity.size()) == field.matches.size(),
            "similarity: one value per match of nnf expected");
    for (std::size_t i = 0; i < field.matches.size(); ++i)
      field.matches[i].similarity = similarity.data()[i];
    for (const Match& m : field.matches) {
      Require(m.image < store->size(),
              "nnf: image " + std::to_string(m.image) + " is not in " + store->dir());
      Require(m.image < 0 || (m.y >= 0 && m.x >= 0), "nnf: a negative cell");
    }
    Require(f[2].cast<int>() >= 1, "fields: a stride must be at least 1");
    votes.push_back(VotesOfField(field, f[2].cast<int>(), training));
  }
  const int rows = static_cast<int>(classes.shape(0)), cols = static_cast<int>(classes.shape(1));
  std::vector<float> alpha;
  std::unique_ptr<CredibilityCalibration> calibrated;
  try {
    alpha = Nonconformity(votes, classes.data(), rows, cols, kIgnoreClass);
    calibrated =
        std::make_unique<CredibilityCalibration>(std::move(calibration), calibration_pixels);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  py::array_t<float> out({rows, cols});
  for (std::size_t i = 0; i < alpha.size(); ++i)
    out.mutable_data()[i] = calibrated->Credibility(alpha[i]);
  return out;
}

}  // namespace

void RegisterCredibility(py::module_& m) {
  m.def("_credibility_map", &CredibilityMap, py::arg("store"), py::arg("fields"),
        py::arg("classes"), py::arg("calibration"), py::arg("calibration_pixels"));
}

}  // namespace compnn::python
