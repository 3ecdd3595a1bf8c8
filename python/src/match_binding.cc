// compnn.match: the search of `compnn match` on arrays in memory.
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.h"
#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "numpy_maps.h"

namespace compnn::python {
namespace {

struct MatchArguments {
  std::string method = "exact";
  std::pair<int, int> hyperpatch{2, 2};
  std::vector<int> images;
  int topk_images = 0;
  int iterations = 32;
  std::uint64_t seed = 0;
  int k = 1;
  int threads = 0;
  bool channels_first = false;
  int search_matches = 1;
};

// The global prefilter, as compnn match applies it: the K images nearest the query's descriptor,
// among `images` when given.
std::vector<int> Prefilter(const MatchArguments& a, int database_size,
                           const std::optional<py::array>& query_global,
                           const std::optional<py::array>& database_global) {
  if (a.topk_images == 0) return a.images;
  Require(query_global && database_global, "topk_images needs query_global and database_global");
  const std::vector<float> query = Descriptor(*query_global, "query_global");
  const auto database =
      py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(*database_global);
  Require(database && database.ndim() == 2, "database_global: must be (N, D) floats");
  const DescriptorMatrix matrix{database.data(), static_cast<int>(database.shape(0)),
                                static_cast<int>(database.shape(1))};
  try {
    return PrefilterCandidates(query, matrix, database_size, a.topk_images, a.images);
  } catch (const OptionError& e) {
    throw py::value_error(e.field() + ": " + e.message());
  }
}

py::tuple Match(const py::array& query_array, const py::array& database_array,
                const MatchArguments& a, const std::optional<py::array>& query_global,
                const std::optional<py::array>& database_global) {
  const std::shared_ptr<const Searcher> searcher =
      PythonSearcher(a.method, a.iterations, a.search_matches);
  Require(a.hyperpatch.first >= 1 && a.hyperpatch.second >= 1,
          "hyperpatch: both sides must be at least 1");
  SearchRequest request;
  request.hyperpatch = {a.hyperpatch.first, a.hyperpatch.second};
  request.k = a.k;
  request.seed = a.seed;
  request.threads = a.threads;
  try {
    request.Check();
  } catch (const OptionError& e) {
    throw py::value_error(e.field() + ": " + e.message());
  }
  std::vector<float> scratch;
  const MapView query = QueryMap(query_array, a.channels_first, scratch, "query");
  Require(database_array.ndim() == 4, std::string("database: ") +
                                          std::to_string(database_array.ndim()) +
                                          "-d, not a database of maps, " +
                                          (a.channels_first ? "(N, D, H, W)" : "(N, H, W, D)"));
  const int images = static_cast<int>(database_array.shape(0));
  for (int image : a.images) {
    Require(image >= 0 && image < images, "images: unknown image index " + std::to_string(image) +
                                              " (the database holds " + std::to_string(images) +
                                              ")");
  }
  ArrayMaps maps;
  std::vector<int> candidates;
  {
    candidates = Prefilter(a, images, query_global, database_global);
    DatabaseMaps(database_array, a.channels_first, candidates, "database", maps);
  }
  Require(query.depth == maps.maps.database.depth(),
          "query has depth " + std::to_string(query.depth) + " but the database has depth " +
              std::to_string(maps.maps.database.depth()));
  request.candidates = candidates;
  CorrespondenceField field;
  {
    py::gil_scoped_release release;
    field = searcher->Search(query, maps.maps.database, request).field;
  }
  return FieldArrays(field);
}

}  // namespace

void RegisterMatch(py::module_& m) {
  m.def(
      "_match",
      [](const py::array& query, const py::array& database, const std::string& method,
         std::pair<int, int> hyperpatch, std::vector<int> images, int topk_images,
         std::optional<py::array> query_global, std::optional<py::array> database_global,
         int iterations, std::uint64_t seed, int k, int threads, bool channels_first,
         int search_matches) {
        MatchArguments a{method, hyperpatch, std::move(images), topk_images,    iterations,
                         seed,   k,          threads,           channels_first, search_matches};
        return Match(query, database, a, query_global, database_global);
      },
      py::arg("query"), py::arg("database"), py::arg("method"), py::arg("hyperpatch"),
      py::arg("images"), py::arg("topk_images"), py::arg("query_global"),
      py::arg("database_global"), py::arg("iterations"), py::arg("seed"), py::arg("k"),
      py::arg("threads"), py::arg("channels_first"), py::arg("search_matches"));
}

}  // namespace compnn::python
