// compnn-bench-cell-index: how close, and how much faster than exact search over every image, the
// store's cell index (store/cell_index.h) comes on real queries. Reads a store that has a cell
// index (compnn cell-index) and a second store of the query images (the validation split indexed
// with the same model), and prints, against exact search over every training image timed in
// alternating rounds: the default settings' mean similarity as a fraction of exact's, the share of
// cells at exact's match and the time ratio; then a curve over lists probed and shortlist lengths;
// then FAISS's own IVF-Flat and HNSW over the same unit hyperpatches. bench/cell_index.sh builds
// both stores from CamVid and times the index's build beside the store's.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "compnn/core/check.h"
#include "compnn/core/search.h"
#include "compnn/core/splitmix.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/store_search.h"
#include "search_bench_common.h"

namespace compnn::bench {
namespace {

struct Point {
  std::string name;
  double seconds_per_query = 0;
  double similarity_ratio = 0, exact_fraction = 0;
};

nlohmann::json ToJson(const Point& p, double exact_seconds) {
  return {{"name", p.name},
          {"seconds_per_query", p.seconds_per_query},
          {"time_ratio", p.seconds_per_query / exact_seconds},
          {"similarity_ratio", p.similarity_ratio},
          {"exact_fraction", p.exact_fraction}};
}

void Print(const Point& p, double exact_seconds) {
  std::printf("  %-44s %8.3f s  1/%-6.0f similarity %.4f of exact, %.3f at exact's match\n",
              p.name.c_str(), p.seconds_per_query, exact_seconds / p.seconds_per_query,
              p.similarity_ratio, p.exact_fraction);
  std::fflush(stdout);
}

// Mean over the queries of the comparison of each field with exact's.
void Score(Point& p, const std::vector<CorrespondenceField>& fields,
           const std::vector<CorrespondenceField>& exact) {
  double ratio = 0, same = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const FieldComparison c = Compare(fields[i], exact[i], 0.0);
    ratio += c.similarity_ratio;
    same += c.exact_fraction;
  }
  p.similarity_ratio = ratio / fields.size();
  p.exact_fraction = same / fields.size();
}

// A FAISS index's k = 1 answers as a field: labels are rows image * cells + cell, and with unit
// rows the inner product is the cosine.
CorrespondenceField FieldOf(const faiss::Index& index, const MapView& query,
                            const HyperpatchShape& shape, int height, int width,
                            const faiss::SearchParameters* params) {
  const std::vector<float> rows = PackQueryRows(query, shape);
  std::vector<float> distances(query.cells());
  std::vector<faiss::Index::idx_t> labels(query.cells());
  index.search(query.cells(), rows.data(), 1, distances.data(), labels.data(), params);
  CorrespondenceField field(query.height, query.width, 1);
  const long long cells = static_cast<long long>(height) * width;
  for (int i = 0; i < query.cells(); ++i) {
    if (labels[i] < 0) continue;
    field.matches[i] = {static_cast<int>(labels[i] / cells),
                        static_cast<int>(labels[i] % cells / width),
                        static_cast<int>(labels[i] % width), distances[i]};
  }
  return field;
}

double PeakResidentGigabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1048576.0;
}

int Main(int argc, char** argv) {
  std::string store_dir, queries_dir, layer_name, json_path;
  int count = 3, rounds = 3, hnsw_m = 0, faiss_train = 65536;
  std::vector<int> probes{1, 2, 4, 8}, shortlists{16, 32, 64, 128};
  std::vector<int> faiss_probes{1, 2, 4}, hnsw_ef{16, 64};
  CellIndexSearchOptions defaults;
  CLI::App app{
      "The cell index against exact search over every training image, on the first --count "
      "images of a query store, timed alternately in rounds; a curve over lists probed and "
      "shortlists; FAISS's IVF-Flat (and with --hnsw-m, HNSW) on the same hyperpatches."};
  app.add_option("--store", store_dir, "training store with a cell index")->required();
  app.add_option("--queries", queries_dir, "store of the query images, same model")->required();
  app.add_option("--layer", layer_name, "layer (default: the layer explanations use)");
  app.add_option("--count", count, "queries")->capture_default_str();
  AddRoundsOption(app, rounds);
  app.add_option("--probes", probes, "curve: lists probed")->delimiter(',');
  app.add_option("--shortlists", shortlists, "curve: shortlists re-ranked")->delimiter(',');
  app.add_option("--faiss-probes", faiss_probes, "IVF-Flat: lists probed")->delimiter(',');
  app.add_option("--hnsw-m", hnsw_m, "HNSW's links per node (0: no HNSW; slow to build)");
  app.add_option("--hnsw-ef", hnsw_ef, "HNSW's efSearch values")->delimiter(',');
  app.add_option("--json", json_path, "write the report here");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  PrintThreads(report);
  const FeatureStore store = FeatureStore::Open(store_dir);
  const FeatureStore query_store = FeatureStore::Open(queries_dir);
  if (layer_name.empty()) layer_name = DefaultExplainLayer(store);
  const StoreLayer& layer = store.manifest().layer(layer_name);
  const HyperpatchShape shape = layer.hyperpatch;
  std::string why;
  const std::shared_ptr<const CellIndex> index = CellIndex::Open(store, layer_name, shape, &why);
  COMPNN_CHECK(index, why);
  count = std::min(count, query_store.size());
  const LayerMaps query_maps = query_store.Maps(layer_name, FirstImages(count));
  const LayerMaps database = store.Maps(layer_name);
  const HalfDatabase halves = store.HalfMaps(layer_name);
  const std::string stem = CellIndexStem(store, layer_name, shape);
  const double index_mb = std::filesystem::file_size(stem + ".faiss") / 1e6;
  const double layer_mb = std::filesystem::file_size(store.dir() + "/" + layer.file) / 1e6;
  std::printf(
      "%s: %d images, %s %dx%dx%d (%.0f MB); cell index %.1f MB (%.2f of the layer), "
      "built in %.1f s; %d queries\n",
      store.dir().c_str(), store.size(), layer_name.c_str(), layer.height, layer.width, layer.depth,
      layer_mb, index_mb, index_mb / layer_mb, index->record().at("build_seconds").get<double>(),
      count);
  report["index"] = index->record();
  report["index"]["megabytes"] = index_mb;
  report["layer_megabytes"] = layer_mb;

  // Exact search over every image, the baseline of every round, and the default settings.
  std::vector<CorrespondenceField> exact(count), found(count);
  SearchOptions exact_options;
  exact_options.method = SearchMethod::kExact;
  exact_options.hyperpatch = shape;
  const auto run_index = [&](const CellIndexSearchOptions& o) {
    for (int q = 0; q < count; ++q)
      found[q] = index->Search(query_maps.database[q], halves, 1, o, 0);
  };
  const std::vector<InterleavedTiming> timing = TimeRoundsPerQuery(
      [&](int round) {
        const int q = round % count;
        exact[q] = Search(query_maps.database[q], database.database, exact_options).field;
      },
      {[&] { run_index(defaults); }}, count, rounds);
  for (int q = 0; q < count; ++q)
    if (exact[q].matches.empty())
      exact[q] = Search(query_maps.database[q], database.database, exact_options).field;
  const double exact_seconds = timing[0].baseline_median;
  Point main_point{index->Describe(defaults), timing[0].subject_median};
  Score(main_point, found, exact);
  std::printf("exact search over every image: %.1f s a query\ndefault settings, time ratio %s:\n",
              exact_seconds, timing[0].RatioText().c_str());
  Print(main_point, exact_seconds);
  report["exact_seconds"] = exact_seconds;
  report["default"] = ToJson(main_point, exact_seconds);
  report["default"]["time_ratio_rounds"] = timing[0].ToJson();

  std::printf("curve (one pass each):\n");
  for (int p : probes) {
    for (int s : shortlists) {
      CellIndexSearchOptions o{p, s};
      Point point{index->Describe(o), SecondsOf([&] { run_index(o); }) / count};
      Score(point, found, exact);
      Print(point, exact_seconds);
      report["curve"].push_back(ToJson(point, exact_seconds));
    }
  }

  // FAISS's own indexes over the unit hyperpatches, as floats (no compression, no re-ranking).
  std::printf("FAISS over the same %lld hyperpatches:\n",
              static_cast<long long>(layer.height) * layer.width * store.size());
  const std::vector<float> rows = PackUnitRows(database.database, FirstImages(store.size()), shape);
  const int length = shape.length(layer.depth);
  const faiss::Index::idx_t row_count = static_cast<faiss::Index::idx_t>(rows.size() / length);
  {
    const int lists = index->record().at("lists").get<int>();
    faiss::IndexFlatIP quantizer(length);
    faiss::IndexIVFFlat ivf(&quantizer, length, lists, faiss::METRIC_INNER_PRODUCT);
    ivf.cp.seed = 1;
    std::vector<float> sample(static_cast<std::size_t>(faiss_train) * length);
    for (int i = 0; i < faiss_train; ++i) {
      const auto row = SplitMix64(i + 1) % static_cast<std::uint64_t>(row_count);
      std::copy_n(rows.data() + row * length, length, sample.data() + std::size_t(i) * length);
    }
    const double build = SecondsOf([&] {
      ivf.train(faiss_train, sample.data());
      ivf.add(row_count, rows.data());
    });
    std::printf("  IVF%d,Flat built in %.1f s, %.0f MB\n", lists, build,
                row_count * (length * 4.0 + 8) / 1e6);
    for (int p : faiss_probes) {
      faiss::SearchParametersIVF params;
      params.nprobe = p;
      Point point{Concat("FAISS IVF", lists, ",Flat (", p, " lists probed)"), 0};
      point.seconds_per_query = SecondsOf([&] {
                                  for (int q = 0; q < count; ++q)
                                    found[q] = FieldOf(ivf, query_maps.database[q], shape,
                                                       layer.height, layer.width, &params);
                                }) /
                                count;
      Score(point, found, exact);
      Print(point, exact_seconds);
      report["faiss"].push_back(ToJson(point, exact_seconds));
    }
  }
  if (hnsw_m > 0) {
    faiss::IndexHNSWFlat hnsw(length, hnsw_m, faiss::METRIC_INNER_PRODUCT);
    const double build = SecondsOf([&] { hnsw.add(row_count, rows.data()); });
    std::printf("  HNSW%d,Flat built in %.1f s\n", hnsw_m, build);
    for (int ef : hnsw_ef) {
      faiss::SearchParametersHNSW params;
      params.efSearch = ef;
      Point point{Concat("FAISS HNSW", hnsw_m, ",Flat (efSearch ", ef, ")"), 0};
      point.seconds_per_query = SecondsOf([&] {
                                  for (int q = 0; q < count; ++q)
                                    found[q] = FieldOf(hnsw, query_maps.database[q], shape,
                                                       layer.height, layer.width, &params);
                                }) /
                                count;
      Score(point, found, exact);
      Print(point, exact_seconds);
      report["faiss"].push_back(ToJson(point, exact_seconds));
    }
  }
  std::printf(
      "peak resident memory of this benchmark: %.1f GB (the database's float32 copy and "
      "FAISS's float rows included)\n",
      PeakResidentGigabytes());
  WriteReportIfAsked(json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-cell-index", compnn::bench::Main, argc, argv);
}
