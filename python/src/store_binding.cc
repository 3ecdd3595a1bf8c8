// compnn.FeatureStore: a store's manifest, zero-copy views of its memory-mapped files, and its
// search, safe to call from several Python threads at once (the GIL is released while searching).
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>

#include "bindings.h"
#include "compnn/core/check.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/attribute_filter.h"
#include "compnn/explain/search_summary.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/store_search.h"

namespace compnn::python {
namespace {

using StorePtr = std::shared_ptr<FeatureStore>;

py::dtype NumpyDType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return py::dtype::of<float>();
    case DType::kFloat16:
      return py::dtype("float16");
    case DType::kInt32:
      return py::dtype::of<std::int32_t>();
    case DType::kUInt8:
      return py::dtype::of<std::uint8_t>();
  }
  throw std::logic_error("unknown dtype");
}

// A read-only numpy array over a memory-mapped file; `owner` keeps the mapping alive.
py::array MappedArray(const NpyFile& file, py::object owner) {
  std::vector<py::ssize_t> shape(file.shape().begin(), file.shape().end());
  py::array array(NumpyDType(file.dtype()), shape, file.data(), owner);
  array.attr("flags").attr("writeable") = false;
  return array;
}

py::dict LayerDict(const StoreLayer& l, std::size_t images) {
  py::dict d;
  d["name"] = l.name;
  d["shape"] = py::make_tuple(images, l.height, l.width, l.depth);
  d["stride"] = l.stride;
  d["hyperpatch"] = py::make_tuple(l.hyperpatch.height, l.hyperpatch.width);
  d["dtype"] = l.dtype == DType::kFloat16 ? "float16" : "float32";
  d["file"] = l.file;
  return d;
}

// The images `where` and `images` allow (AllowedImages); bad restrictions are the caller's
// ValueError.
std::vector<int> Allowed(const FeatureStore& store, const std::string& where,
                         const std::vector<std::string>& images) {
  try {
    return AllowedImages(store, where, images);
  } catch (const std::runtime_error& e) {
    throw py::value_error(e.what());
  }
}

py::tuple Search(const StorePtr& store, const std::string& layer, const py::array& query_map,
                 const py::array& query_global, const std::string& method, int topk_images,
                 const std::string& where, const std::vector<std::string>& images, int iterations,
                 std::uint64_t seed, int threads, bool channels_first, int k, int search_matches,
                 bool use_cell_index, int index_probes, int index_shortlist,
                 int index_propagation) {
  std::vector<float> scratch;
  const MapView query = QueryMap(query_map, channels_first, scratch, "query_map");
  const std::vector<float> global = Descriptor(query_global, "query_global");
  StoreSearchOptions options;
  options.searcher = PythonSearcher(method, iterations, search_matches);
  options.topk_images = topk_images;
  options.allowed = Allowed(*store, where, images);
  options.search.seed = seed;
  options.search.threads = threads;
  options.search.k = k;
  options.use_cell_index = use_cell_index;
  options.cell_index.probes = index_probes;
  options.cell_index.shortlist = index_shortlist;
  options.cell_index.propagation = index_propagation;
  StoreSearchResult result;
  try {
    py::gil_scoped_release release;
    result = SearchStore(*store, layer, query, global, options);
  } catch (const OptionError& e) {
    // The fields as FeatureStore.search names them.
    static const std::map<std::string, std::string> keywords = {
        {"search.k", "k"},
        {"search.threads", "threads"},
        {"cell_index.probes", "index_probes"},
        {"cell_index.shortlist", "index_shortlist"},
        {"cell_index.propagation", "index_propagation"}};
    const auto keyword = keywords.find(e.field());
    throw py::value_error((keyword == keywords.end() ? e.field() : keyword->second) + ": " +
                          e.message());
  } catch (const std::runtime_error& e) {
    throw py::value_error(e.what());  // the query's shapes, against the store's
  }
  py::tuple field = FieldArrays(result.field);
  // What compnn explain's summary.json records of the search (the pasting is the caller's).
  const std::string summary = SearchSummary(options, PasteOptions{}, result, *store).dump();
  return py::make_tuple(field[0], field[1], result.candidates, result.searched_by, summary);
}

py::dict BuildIndex(const StorePtr& store, const std::string& layer,
                    const std::vector<int>& hyperpatch, int lists, int code_bytes, int train_cells,
                    std::uint64_t seed, int threads, py::object progress) {
  CellIndexOptions options;
  options.lists = lists;
  options.code_bytes = code_bytes;
  options.train_cells = train_cells;
  options.seed = seed;
  options.threads = threads;
  const HyperpatchShape shape = hyperpatch.empty()
                                    ? store->manifest().layer(layer).hyperpatch
                                    : HyperpatchShape{hyperpatch.at(0), hyperpatch.at(1)};
  const std::function<void(int, int)> report = ProgressCallback(std::move(progress));
  CellIndexSummary built;
  {
    py::gil_scoped_release release;
    built = BuildCellIndex(*store, layer, shape, options, report);
  }
  py::dict d;
  d["file"] = built.file;
  d["seconds"] = built.seconds;
  d["bytes"] = built.bytes;
  d["lists"] = built.lists;
  d["code_bytes"] = built.code_bytes;
  return d;
}

}  // namespace

void RegisterStore(py::module_& m) {
  py::class_<FeatureStore, StorePtr>(m, "_Store")
      .def(py::init([](const std::string& dir) {
             return std::make_shared<FeatureStore>(FeatureStore::Open(dir));
           }),
           py::arg("path"))
      .def_property_readonly("dir", &FeatureStore::dir)
      .def_property_readonly("images", [](const FeatureStore& s) { return s.manifest().images; })
      .def_property_readonly("manifest",
                             [](const FeatureStore& s) { return s.manifest().ToJson().dump(); })
      .def_property_readonly("layers",
                             [](const FeatureStore& s) {
                               py::list list;
                               for (const StoreLayer& l : s.manifest().layers)
                                 list.append(LayerDict(l, s.manifest().images.size()));
                               return list;
                             })
      .def_property_readonly("input_size",
                             [](const FeatureStore& s) {
                               const ImageSize& size = s.manifest().input_size;
                               return py::make_tuple(size.height, size.width);
                             })
      .def("pixels_are_labels",
           [](const FeatureStore& s, const std::string& name) {
             const StorePixels* pixels = s.manifest().pixel(name);
             return pixels != nullptr && pixels->labels;
           })
      .def_property_readonly("palette",
                             [](const FeatureStore& s) -> py::object {
                               if (s.manifest().palette.is_null()) return py::none();
                               return py::str(s.manifest().palette.dump());
                             })
      .def_property_readonly("global_layer",
                             [](const FeatureStore& s) { return s.manifest().global_layer; })
      .def("layer",
           [](const StorePtr& s, const std::string& name) {
             return MappedArray(s->LayerFile(name), py::cast(s));
           })
      .def("global_descriptors",
           [](const StorePtr& s) { return MappedArray(s->GlobalFile(), py::cast(s)); })
      .def("pixels",
           [](const StorePtr& s, const std::string& name) -> py::object {
             const NpyFile* file = s->PixelFile(name);
             if (!file) return py::none();
             return MappedArray(*file, py::cast(s));
           })
      .def("verify",
           [](const FeatureStore& s) {
             py::gil_scoped_release release;
             s.Verify();
           })
      .def("default_explain_layer", [](const FeatureStore& s) { return DefaultExplainLayer(s); })
      .def("search", &Search, py::arg("layer"), py::arg("query_map"), py::arg("query_global"),
           py::arg("method"), py::arg("topk_images"), py::arg("where"), py::arg("images"),
           py::arg("iterations"), py::arg("seed"), py::arg("threads"), py::arg("channels_first"),
           py::arg("k") = 1, py::arg("search_matches") = 1, py::arg("use_cell_index") = true,
           py::arg("index_probes") = CellIndexSearchOptions{}.probes,
           py::arg("index_shortlist") = CellIndexSearchOptions{}.shortlist,
           py::arg("index_propagation") = CellIndexSearchOptions{}.propagation)
      .def("build_cell_index", &BuildIndex, py::arg("layer"), py::arg("hyperpatch"),
           py::arg("lists"), py::arg("code_bytes"), py::arg("train_cells"), py::arg("seed"),
           py::arg("threads"), py::arg("progress") = py::none());
}

}  // namespace compnn::python
