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
#include "compnn/core/exact_search.h"
#include "compnn/core/splitmix.h"
#include "compnn/core/stopwatch.h"
#include "compnn/store/cell_index.h"
#include "compnn/store/cell_index_searcher.h"
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

// Exact search over every image for `sample` cells of each query (drawn with a fixed seed), when
// whole queries would take too long: the sampled cells' unit hyperpatches as a 1 x N map of
// hyperpatch-long cells, searched at a 1 x 1 hyperpatch over each image's unit hyperpatches, a few
// images at a time. Returns the matches, cell index of each, and the seconds per sampled cell.
struct SampledExact {
  std::vector<std::vector<int>> cells;   // per query: the sampled cells
  std::vector<std::vector<Match>> best;  // per query: exact's match of each
  double seconds_per_cell = 0;
};

// The store's layer is read a few images at a time (as float32), so that stores larger than
// memory are compared too.
SampledExact ExactOnSample(const LayerMaps& queries, int count, const FeatureStore& store,
                           const std::string& layer, const HyperpatchShape& shape, int sample) {
  SampledExact s;
  const int length = shape.length(queries.database.depth());
  std::vector<OwnedMap> rows(count);
  for (int q = 0; q < count; ++q) {
    const MapView& map = queries.database[q];
    std::vector<int> cells(sample);
    for (int i = 0; i < sample; ++i)
      cells[i] = static_cast<int>(SplitMix64(q * 1000003ULL + i + 1) % map.cells());
    rows[q] = OwnedMap(1, sample, length);
    for (int i = 0; i < sample; ++i)
      PackUnitHyperpatches(map, shape, cells[i], 1, &rows[q].values[std::size_t(i) * length]);
    s.cells.push_back(cells);
    s.best.emplace_back(sample, Match{-1, 0, 0, -2.0f});
  }
  const auto start = Clock::now();
  constexpr int kImagesAtOnce = 8;
  for (int first = 0; first < store.size(); first += kImagesAtOnce) {
    const int last = std::min(store.size(), first + kImagesAtOnce);
    std::vector<int> candidates;
    for (int i = first; i < last; ++i) candidates.push_back(i);
    const LayerMaps part = store.Maps(layer, candidates);
    std::vector<std::vector<float>> unit(last - first);
    // Images outside the chunk: one zero cell each (exact search reads only the candidates).
    static const std::vector<float> zero(4096, 0.0f);
    std::vector<MapView> views(store.size(), MapView{zero.data(), 1, 1, length});
    for (int i = first; i < last; ++i) {
      const MapView& map = part.database[i];  // indexed like the store
      unit[i - first] = UnitHyperpatchRows(map, shape, 0);
      views[i] = MapView{unit[i - first].data(), map.height, map.width, length};
    }
    const Database chunk(views);
    SearchRequest request;
    request.hyperpatch = HyperpatchShape{1, 1};
    request.candidates = candidates;
    const ExactSearcher exact;
    for (int q = 0; q < count; ++q) {
      const CorrespondenceField f = exact.Search(rows[q].view(), chunk, request).field;
      for (int i = 0; i < sample; ++i)
        if (f.matches[i].BetterThan(s.best[q][i])) s.best[q][i] = f.matches[i];
    }
  }
  s.seconds_per_cell = SecondsSince(start) / (static_cast<double>(count) * sample);
  return s;
}

// The comparison of fields with exact's matches on the sampled cells only.
void ScoreOnSample(Point& p, const std::vector<CorrespondenceField>& fields,
                   const SampledExact& exact) {
  double ratio = 0, same = 0;
  for (std::size_t q = 0; q < fields.size(); ++q) {
    double found = 0, best = 0, at = 0;
    for (std::size_t i = 0; i < exact.cells[q].size(); ++i) {
      const Match& m = fields[q].matches[exact.cells[q][i] * fields[q].k];
      const Match& e = exact.best[q][i];
      found += m.similarity;
      best += e.similarity;
      at += m.image == e.image && m.y == e.y && m.x == e.x;
    }
    ratio += found / best;
    same += at / exact.cells[q].size();
  }
  p.similarity_ratio = ratio / fields.size();
  p.exact_fraction = same / fields.size();
}

// Every combination of the curve's settings.
std::vector<CellIndexSearchOptions> CurveSettings(const std::vector<int>& probes,
                                                  const std::vector<int>& shortlists,
                                                  const std::vector<int>& propagations) {
  std::vector<CellIndexSearchOptions> settings;
  for (int p : probes)
    for (int s : shortlists)
      for (int g : propagations) settings.push_back({p, s, g});
  return settings;
}

double PeakResidentGigabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1048576.0;
}

int Main(int argc, char** argv) {
  std::string store_dir, queries_dir, layer_name, json_path;
  int count = 3, rounds = 3, hnsw_m = 0, faiss_train = 65536;
  std::vector<int> probes{1, 2, 4, 8}, shortlists{16, 32, 64, 128}, propagations{0, 4};
  std::vector<int> faiss_probes{1, 2, 4}, hnsw_ef{16, 64};
  int exact_sample = 0;
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
  app.add_option("--propagations", propagations, "curve: propagation passes")->delimiter(',');
  app.add_option("--faiss-probes", faiss_probes, "IVF-Flat: lists probed")->delimiter(',');
  app.add_option("--hnsw-m", hnsw_m, "HNSW's links per node (0: no HNSW; slow to build)");
  app.add_option("--hnsw-ef", hnsw_ef, "HNSW's efSearch values")->delimiter(',');
  app.add_option("--exact-sample", exact_sample,
                 "compare with exact search on this many cells of each query only (0: every "
                 "cell), when whole queries would take too long; exact's time is then estimated "
                 "from the sample, and FAISS's indexes are left out");
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
  COMPNN_CHECK(layer.dtype == DType::kFloat16, store.dir(), ": ", layer_name,
               " is float32; the benchmark reads float16 stores (compnn index's default)");
  const HalfDatabase halves = store.HalfMaps(layer_name);
  // The index's best match of every cell of every query, searched with `o`, into `found`.
  SearchRequest index_request;
  index_request.hyperpatch = shape;
  const auto search_index = [&](const CellIndexSearchOptions& o,
                                std::vector<CorrespondenceField>& found) {
    const CellIndexSearcher searcher(index, o);
    for (int q = 0; q < count; ++q)
      found[q] = searcher.Search(query_maps.database[q], halves, index_request).field;
  };
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

  if (exact_sample > 0) {
    const SampledExact exact =
        ExactOnSample(query_maps, count, store, layer_name, shape, exact_sample);
    const double exact_seconds = exact.seconds_per_cell * query_maps.database[0].cells();
    std::printf(
        "exact search over every image, on %d cells of each query: %.3f ms a cell, "
        "%.0f s a query (estimated)\n",
        exact_sample, exact.seconds_per_cell * 1e3, exact_seconds);
    report["exact_seconds_estimated"] = exact_seconds;
    std::vector<CorrespondenceField> found(count);
    for (const CellIndexSearchOptions& o : CurveSettings(probes, shortlists, propagations)) {
      std::vector<double> seconds;
      for (int r = 0; r < std::max(1, rounds); ++r)
        seconds.push_back(SecondsOf([&] { search_index(o, found); }) / count);
      Point point{index->Describe(o), Median(seconds)};
      ScoreOnSample(point, found, exact);
      Print(point, exact_seconds);
      report["curve"].push_back(ToJson(point, exact_seconds));
    }
    std::printf("peak resident memory of this benchmark: %.1f GB\n", PeakResidentGigabytes());
    WriteReportIfAsked(json_path, report);
    return 0;
  }

  // Exact search over every image, the baseline of every round, and the default settings.
  const LayerMaps database = store.Maps(layer_name);
  std::vector<CorrespondenceField> exact(count), found(count);
  const ExactSearcher exact_searcher;
  SearchRequest exact_request;
  exact_request.hyperpatch = shape;
  const auto run_index = [&](const CellIndexSearchOptions& o) { search_index(o, found); };
  const std::vector<InterleavedTiming> timing = TimeRoundsPerQuery(
      [&](int round) {
        const int q = round % count;
        exact[q] =
            exact_searcher.Search(query_maps.database[q], database.database, exact_request).field;
      },
      {[&] { run_index(defaults); }}, count, rounds);
  for (int q = 0; q < count; ++q)
    if (exact[q].matches.empty())
      exact[q] =
          exact_searcher.Search(query_maps.database[q], database.database, exact_request).field;
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
  for (const CellIndexSearchOptions& o : CurveSettings(probes, shortlists, propagations)) {
    Point point{index->Describe(o), SecondsOf([&] { run_index(o); }) / count};
    Score(point, found, exact);
    Print(point, exact_seconds);
    report["curve"].push_back(ToJson(point, exact_seconds));
  }

  // FAISS's own indexes over the unit hyperpatches, as floats (no compression, no re-ranking).
  std::printf("FAISS over the same %lld hyperpatches:\n",
              static_cast<long long>(layer.height) * layer.width * store.size());
  const std::vector<float> rows = PackUnitRows(database.database, FirstImages(store.size()), shape);
  const int length = shape.length(layer.depth);
  const faiss::Index::idx_t row_count = static_cast<faiss::Index::idx_t>(rows.size() / length);
  // One pass of a FAISS index over the queries, timed and scored against exact search.
  const auto measure = [&](const std::string& name, const faiss::Index& index,
                           const faiss::SearchParameters& params) {
    Point point{name, SecondsOf([&] {
                        for (int q = 0; q < count; ++q)
                          found[q] = FieldOf(index, query_maps.database[q], shape, layer.height,
                                             layer.width, &params);
                      }) / count};
    Score(point, found, exact);
    Print(point, exact_seconds);
    report["faiss"].push_back(ToJson(point, exact_seconds));
  };
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
      measure(Concat("FAISS IVF", lists, ",Flat (", p, " lists probed)"), ivf, params);
    }
  }
  if (hnsw_m > 0) {
    faiss::IndexHNSWFlat hnsw(length, hnsw_m, faiss::METRIC_INNER_PRODUCT);
    const double build = SecondsOf([&] { hnsw.add(row_count, rows.data()); });
    std::printf("  HNSW%d,Flat built in %.1f s\n", hnsw_m, build);
    for (int ef : hnsw_ef) {
      faiss::SearchParametersHNSW params;
      params.efSearch = ef;
      measure(Concat("FAISS HNSW", hnsw_m, ",Flat (efSearch ", ef, ")"), hnsw, params);
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
