// The C++ pipeline (compnn eval's tables, sweep, control) over a network that runs in Python: a
// QueryNetwork whose forward pass calls back into the interpreter (compnn.torch's hooks), so
// Python's evaluation, sweep and control are the command line's.
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "compnn/core/patch_match.h"
#include "compnn/pipeline/credibility_eval.h"
#include "compnn/pipeline/evaluation.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/pipeline/layer_sweep.h"
#include "compnn/pipeline/property_control.h"
#include "compnn/pipeline/query_network.h"
#include "compnn/pipeline/sanity_check.h"
#include "images.h"

namespace compnn::python {
namespace {

// `runner.run(rgb, input_is_labels, layers)` returns ({layer: (H, W, D) float32}, output (H, W, 3)
// uint8 RGB); `runner.has_layer(name)` says whether a layer can be captured.
class PythonNetwork : public QueryNetwork {
 public:
  PythonNetwork(py::object runner, std::string name, const FeatureStore& store,
                bool outputs_classes)
      : PythonNetwork(
            std::move(runner), std::move(name),
            ParseDirection(store.manifest().dataset.value("direction", std::string("AtoB"))),
            store.manifest().input_size, outputs_classes) {}
  PythonNetwork(py::object runner, std::string name, Direction direction, ImageSize size,
                bool outputs_classes)
      : runner_(std::move(runner)),
        name_(std::move(name)),
        direction_(direction),
        size_(size),
        outputs_classes_(outputs_classes) {}

  // The pipeline may drop a network where the GIL is released (the sanity check's copies).
  ~PythonNetwork() override {
    py::gil_scoped_acquire gil;
    runner_ = py::object();
  }

  std::string name() const override { return name_; }
  Direction direction() const override { return direction_; }
  ImageSize input_size() const override { return size_; }
  bool OutputsClasses() const override { return outputs_classes_; }
  bool HasLayer(const std::string& layer) override {
    py::gil_scoped_acquire gil;
    return runner_.attr("has_layer")(layer).cast<bool>();
  }
  std::unique_ptr<RandomisableNetwork> RandomisableCopy(std::uint64_t seed) override;

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

// The option `key`, or `fallback` when absent; raises TypeError naming the key for a value of
// another type.
// `runner.randomisable_copy(seed)`: a runner over a copy of the module, with `cascade_order()`
// and `randomise(module)` beside `run` and `has_layer`.
class PythonRandomisable : public RandomisableNetwork {
 public:
  PythonRandomisable(py::object copy, const PythonNetwork& trained)
      : copy_(copy),
        network_(std::move(copy), trained.name(), trained.direction(), trained.input_size(),
                 trained.OutputsClasses()) {}

  ~PythonRandomisable() override {
    py::gil_scoped_acquire gil;
    copy_ = py::object();
  }

  std::string name() const override { return network_.name(); }
  Direction direction() const override { return network_.direction(); }
  ImageSize input_size() const override { return network_.input_size(); }
  bool OutputsClasses() const override { return network_.OutputsClasses(); }
  bool HasLayer(const std::string& layer) override { return network_.HasLayer(layer); }
  QueryRun Run(const cv::Mat& input, bool input_is_labels, const Palette* palette,
               const std::set<std::string>& layers) override {
    return network_.Run(input, input_is_labels, palette, layers);
  }
  std::vector<std::string> CascadeOrder() override {
    py::gil_scoped_acquire gil;
    return copy_.attr("cascade_order")().cast<std::vector<std::string>>();
  }
  void Randomise(const std::string& module) override {
    py::gil_scoped_acquire gil;
    copy_.attr("randomise")(module);
  }

 private:
  py::object copy_;
  PythonNetwork network_;
};

std::unique_ptr<RandomisableNetwork> PythonNetwork::RandomisableCopy(std::uint64_t seed) {
  py::gil_scoped_acquire gil;
  return std::make_unique<PythonRandomisable>(runner_.attr("randomisable_copy")(seed), *this);
}

template <typename T>
T Get(const py::dict& d, const char* key, T fallback) {
  if (!d.contains(key)) return fallback;
  try {
    return d[key].cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string(key) + ": " +
                         py::str(py::type::of(d[key])).cast<std::string>() +
                         " is not of the type this option takes");
  }
}

// The search and paste options every pipeline call takes, from compnn.torch's keyword arguments.
void ReadSearchOptions(const py::dict& d, StoreSearchOptions& o, PasteOptions& paste) {
  SearchRequest& s = o.search;
  const PatchMatchParams hpm;
  o.searcher =
      PythonSearcher(Get(d, "method", o.searcher->name()), Get(d, "iterations", hpm.max_iterations),
                     Get(d, "search_matches", hpm.search_matches));
  s.seed = Get(d, "seed", s.seed);
  s.threads = Get(d, "threads", s.threads);
  s.k = Get(d, "k_matches", s.k);
  o.topk_images = Get(d, "topk", o.topk_images);
  o.use_cell_index = Get(d, "use_cell_index", o.use_cell_index);
  o.cell_index.probes = Get(d, "index_probes", o.cell_index.probes);
  o.cell_index.shortlist = Get(d, "index_shortlist", o.cell_index.shortlist);
  o.cell_index.propagation = Get(d, "index_propagation", o.cell_index.propagation);
  paste.vote_power = Get(d, "vote_power", paste.vote_power);
  paste.overlapping_blocks = Get(d, "overlapping_blocks", paste.overlapping_blocks);
}

// compnn eval's options.
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
  ReadSearchOptions(d, o.search, o.paste);
  return o;
}

// The network behind a call: compnn.torch's runner, named and read as the store says.
struct PythonRun {
  py::object runner;
  std::string name;
  bool outputs_classes = false;
};

std::unique_ptr<Explainer> OpenPythonExplainer(const PythonRun& network,
                                               const std::string& store_dir,
                                               const std::string& data) {
  FeatureStore store = FeatureStore::Open(store_dir);
  auto query_network =
      std::make_unique<PythonNetwork>(network.runner, network.name, store, network.outputs_classes);
  return std::make_unique<Explainer>(std::move(query_network), std::move(store), data);
}

// The queries of a sweep or control: a split's first `count` images, or names and PNG files;
// warnings about resized files are appended to `warnings`.
std::vector<Query> Queries(const Explainer& explainer, const std::vector<std::string>& names,
                           const std::string& split, int count,
                           std::vector<std::string>& warnings) {
  if (!split.empty()) return explainer.SplitQueries(split, count);
  std::vector<Query> queries;
  for (const std::string& name : names) queries.push_back(explainer.LoadQuery(name, &warnings));
  return queries;
}

// (table.json's record, table.md's text) of the evaluation.
py::tuple Evaluate(const PythonRun& network, const std::string& store, const std::string& data,
                   const py::dict& options, py::object progress) {
  EvalOptions o = EvalOptionsFrom(options);
  o.progress = ProgressCallback(std::move(progress));
  const std::unique_ptr<Explainer> explainer = OpenPythonExplainer(network, store, data);
  EvalReport report;
  {
    // The searches run without the GIL; the forward passes take it back.
    py::gil_scoped_release release;
    report = compnn::Evaluate(*explainer, o);
  }
  report.model = network.name;
  // The JSON text as compnn eval writes it (WriteJsonFile).
  return py::make_tuple(report.ToJson().dump(2) + "\n", report.ToMarkdown());
}

// (credibility.json's record, credibility.md's text, the risk-coverage plot as RGB) of a
// credibility evaluation; the calibration is written to `calibration`.
py::tuple EvaluateCredibility(const PythonRun& network, const std::string& store,
                              const std::string& data, const py::dict& options,
                              const std::string& calibration, py::object progress) {
  CredibilityEvalOptions o;
  o.split = Get(options, "split", o.split);
  o.calibration_count = Get(options, "calibration_count", o.calibration_count);
  o.count = Get(options, "count", o.count);
  o.credibility.layers = Get(options, "layers", o.credibility.layers);
  o.credibility.k = Get(options, "k", o.credibility.k);
  PasteOptions unused;
  ReadSearchOptions(options, o.credibility.search, unused);
  const std::unique_ptr<Explainer> explainer = OpenPythonExplainer(network, store, data);
  const std::function<void(int, int)> report = ProgressCallback(std::move(progress));
  CredibilityReport result;
  {
    py::gil_scoped_release release;
    result = compnn::EvaluateCredibility(*explainer, o, calibration, report);
  }
  return py::make_tuple(result.ToJson().dump(2) + "\n", result.ToMarkdown(),
                        RgbArray(result.RiskCoveragePlot()));
}

// (sanity.json's record, sanity.md's text, its plot as RGB) of the sanity check.
py::tuple Sanity(const PythonRun& network, const std::string& store, const std::string& data,
                 const py::dict& options, py::object progress) {
  SanityOptions o;
  o.layer = Get(options, "layer", o.layer);
  o.split = Get(options, "split", o.split);
  o.count = Get(options, "count", o.count);
  o.topk_images = Get(options, "topk_images", o.topk_images);
  o.seed = Get(options, "seed", o.seed);
  o.threads = Get(options, "threads", o.threads);
  const std::unique_ptr<Explainer> explainer = OpenPythonExplainer(network, store, data);
  const std::function<void(int, int)> report = ProgressCallback(std::move(progress));
  SanityReport result;
  {
    py::gil_scoped_release release;
    result = CascadingRandomisation(*explainer, o, report);
  }
  return py::make_tuple(result.ToJson().dump(2) + "\n", result.ToMarkdown(),
                        RgbArray(result.Plot()));
}

// (the page written, or "", warnings) of a LayerSweep or PropertyControl (`Runner`) into `out`:
// its options checked and resolved before the queries load, the queries run without the GIL.
template <typename Runner, typename Options>
py::tuple RunOnQueries(const PythonRun& network, const std::string& store, const std::string& data,
                       const std::vector<std::string>& queries, const std::string& split, int count,
                       const std::string& out, const Options& o, py::object progress) {
  const std::unique_ptr<Explainer> explainer = OpenPythonExplainer(network, store, data);
  Runner runner(*explainer, o);
  std::vector<std::string> warnings;
  const std::vector<Query> list = Queries(*explainer, queries, split, count, warnings);
  const std::function<void(int, int)> report = ProgressCallback(std::move(progress));
  std::string page;
  {
    py::gil_scoped_release release;
    page = runner.Run(list, out, [&report](int done, int total, const auto&) {
      if (report) report(done, total);
    });
  }
  return py::make_tuple(page, warnings);
}

py::tuple Sweep(const PythonRun& network, const std::string& store, const std::string& data,
                const std::vector<std::string>& queries, const std::string& split, int count,
                const std::string& out, const py::dict& options, py::object progress) {
  SweepOptions o;
  o.layers = Get(options, "layers", o.layers);
  o.html = Get(options, "html", o.html);
  ReadSearchOptions(options, o.search, o.paste);
  return RunOnQueries<LayerSweep>(network, store, data, queries, split, count, out, o,
                                  std::move(progress));
}

py::tuple Control(const PythonRun& network, const std::string& store, const std::string& data,
                  const std::vector<std::string>& queries, const std::string& split, int count,
                  const std::string& out, const py::dict& options, py::object progress) {
  ControlOptions o;
  o.layer = Get(options, "layer", o.layer);
  o.where = Get(options, "where", o.where);
  o.images = Get(options, "images", o.images);
  o.html = Get(options, "html", o.html);
  ReadSearchOptions(options, o.search, o.paste);
  return RunOnQueries<PropertyControl>(network, store, data, queries, split, count, out, o,
                                       std::move(progress));
}

}  // namespace

void RegisterPipeline(py::module_& m) {
  py::class_<PythonRun>(m, "_PythonNetwork")
      .def(py::init([](py::object runner, std::string name, bool outputs_classes) {
             return PythonRun{std::move(runner), std::move(name), outputs_classes};
           }),
           py::arg("runner"), py::arg("name"), py::arg("outputs_classes"));
  m.def("_evaluate", &Evaluate, py::arg("network"), py::arg("store"), py::arg("data"),
        py::arg("options"), py::arg("progress"));
  m.def("_evaluate_credibility", &EvaluateCredibility, py::arg("network"), py::arg("store"),
        py::arg("data"), py::arg("options"), py::arg("calibration"), py::arg("progress"));
  m.def("_sanity", &Sanity, py::arg("network"), py::arg("store"), py::arg("data"),
        py::arg("options"), py::arg("progress"));
  m.def("_sweep", &Sweep, py::arg("network"), py::arg("store"), py::arg("data"), py::arg("queries"),
        py::arg("split"), py::arg("count"), py::arg("out"), py::arg("options"),
        py::arg("progress"));
  m.def("_control", &Control, py::arg("network"), py::arg("store"), py::arg("data"),
        py::arg("queries"), py::arg("split"), py::arg("count"), py::arg("out"), py::arg("options"),
        py::arg("progress"));
}

}  // namespace compnn::python
