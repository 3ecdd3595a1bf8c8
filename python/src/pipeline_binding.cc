// The C++ pipeline (compnn eval's tables) over a network that runs in Python: a QueryNetwork
// whose forward pass calls back into the interpreter (compnn.torch's hooks), so Python's
// evaluation is the command line's, row for row.
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "compnn/pipeline/evaluation.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/pipeline/query_network.h"
#include "images.h"

namespace compnn::python {
namespace {

// `runner.run(rgb, input_is_labels, layers)` returns ({layer: (H, W, D) float32}, output (H, W, 3)
// uint8 RGB); `runner.has_layer(name)` says whether a layer can be captured.
class PythonNetwork : public QueryNetwork {
 public:
  PythonNetwork(py::object runner, std::string name, const FeatureStore& store,
                bool outputs_classes)
      : runner_(std::move(runner)),
        name_(std::move(name)),
        direction_(
            ParseDirection(store.manifest().dataset.value("direction", std::string("AtoB")))),
        size_(store.manifest().input_size),
        outputs_classes_(outputs_classes) {}

  std::string name() const override { return name_; }
  Direction direction() const override { return direction_; }
  ImageSize input_size() const override { return size_; }
  bool OutputsClasses() const override { return outputs_classes_; }
  bool HasLayer(const std::string& layer) override {
    py::gil_scoped_acquire gil;
    return runner_.attr("has_layer")(layer).cast<bool>();
  }

  QueryRun Run(const cv::Mat& input, bool input_is_labels, const Palette*,
               const std::set<std::string>& layers) override {
    py::gil_scoped_acquire gil;
    const py::tuple result = runner_.attr("run")(
        RgbArray(input), input_is_labels, std::vector<std::string>(layers.begin(), layers.end()));
    Require(result.size() == 2, name_ + ": run must return (maps, output)");
    QueryRun run;
    for (const auto& [key, value] : result[0].cast<py::dict>()) {
      const std::string layer = key.cast<std::string>();
      const auto map = value.cast<py::array_t<float, py::array::c_style | py::array::forcecast>>();
      Require(map.ndim() == 3, name_ + ": layer " + layer + " is not an (H, W, D) map");
      OwnedMap owned(static_cast<int>(map.shape(0)), static_cast<int>(map.shape(1)),
                     static_cast<int>(map.shape(2)));
      std::copy_n(map.data(), owned.values.size(), owned.values.begin());
      run.maps.emplace(layer, std::move(owned));
    }
    for (const std::string& layer : layers)
      Require(run.maps.count(layer) == 1, name_ + ": run gave no map of layer " + layer);
    run.output = BgrImage(result[1], name_ + " output");
    Require(run.output.rows == size_.height && run.output.cols == size_.width,
            name_ + ": the output is not " + size_.ToString() + " (HxW)");
    return run;
  }

 private:
  py::object runner_;
  std::string name_;
  Direction direction_;
  ImageSize size_;
  bool outputs_classes_;
};

template <typename T>
T Get(const py::dict& d, const char* key, T fallback) {
  return d.contains(key) ? d[key].cast<T>() : fallback;
}

// compnn eval's options from the keyword arguments compnn.torch.evaluate checked the types of.
EvalOptions EvalOptionsFrom(const py::dict& d) {
  EvalOptions o;
  o.split = Get(d, "split", o.split);
  o.count = Get(d, "count", o.count);
  o.layers = Get(d, "layers", o.layers);
  o.topk_images = Get(d, "topk_images", o.topk_images);
  o.k = Get(d, "k", o.k);
  o.penultimate = Get(d, "penultimate", o.penultimate);
  o.quality_queries = Get(d, "quality_queries", o.quality_queries);
  o.quality_topk = Get(d, "quality_topk", o.quality_topk);
  SearchOptions& s = o.search.search;
  s.method = ParseName(SearchMethodNames(), Get(d, "method", ToString(s.method)), "method");
  s.patch_match.max_iterations = Get(d, "iterations", s.patch_match.max_iterations);
  s.patch_match.search_matches = Get(d, "search_matches", s.patch_match.search_matches);
  s.seed = Get(d, "seed", s.seed);
  s.threads = Get(d, "threads", s.threads);
  o.search.use_cell_index = Get(d, "use_cell_index", o.search.use_cell_index);
  o.search.cell_index.probes = Get(d, "index_probes", o.search.cell_index.probes);
  o.search.cell_index.shortlist = Get(d, "index_shortlist", o.search.cell_index.shortlist);
  o.paste.vote_power = Get(d, "vote_power", o.paste.vote_power);
  o.paste.overlapping_blocks = Get(d, "overlapping_blocks", o.paste.overlapping_blocks);
  return o;
}

// (table.json's record, table.md's text) of the evaluation.
py::tuple Evaluate(py::object runner, const std::string& name, bool outputs_classes,
                   const std::string& store_dir, const std::string& data, const py::dict& options,
                   py::object progress) {
  EvalOptions o = EvalOptionsFrom(options);
  if (!progress.is_none()) {
    // Copies of the callback share one reference, released where the GIL is held.
    auto callback = std::make_shared<py::object>(std::move(progress));
    o.progress = [callback](int done, int total) {
      py::gil_scoped_acquire gil;
      (*callback)(done, total);
    };
  }
  FeatureStore store = FeatureStore::Open(store_dir);
  auto network = std::make_unique<PythonNetwork>(std::move(runner), name, store, outputs_classes);
  Explainer explainer(std::move(network), std::move(store), data);
  EvalReport report;
  {
    // The searches run without the GIL; the forward passes take it back.
    py::gil_scoped_release release;
    report = compnn::Evaluate(explainer, o);
  }
  report.model = name;
  return py::make_tuple(report.ToJson().dump(), report.ToMarkdown());
}

}  // namespace

void RegisterPipeline(py::module_& m) {
  m.def("_evaluate", &Evaluate, py::arg("runner"), py::arg("name"), py::arg("outputs_classes"),
        py::arg("store"), py::arg("data"), py::arg("options"), py::arg("progress"));
}

}  // namespace compnn::python
