// compnn-bench-search: the search engine against baselines measured in the same run.
//   - exact search throughput as a fraction of OpenBLAS sgemm's on the same shapes, and its time
//     against FAISS IndexFlatIP (k = 1) on the same unit hyperpatch vectors;
//   - HyperPatch-Match against exact search over the whole database, per iteration count;
//   - hnswlib at comparable quality on a subset of the database (its build is slow), build + query.
// Prints ratios; absolute times on a shared machine mean little.
#include <cblas.h>
#include <faiss/IndexFlat.h>
#include <hnswlib/hnswlib.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "compnn/exact_search.h"
#include "compnn/global_prefilter.h"
#include "compnn/json_file.h"
#include "compnn/patch_match.h"
#include "compnn/stopwatch.h"
#include "synthetic_activations.h"

namespace compnn::bench {
namespace {

// Unit hyperpatch rows of the given images' maps, concatenated.
std::vector<float> PackUnitRows(const Database& db, const std::vector<int>& images,
                                const HyperpatchShape& shape) {
  const int length = shape.length(db.depth());
  std::size_t rows = 0;
  for (int i : images) rows += db[i].cells();
  std::vector<float> out(rows * length);
  std::size_t offset = 0;
  for (int i : images) {
    PackUnitHyperpatches(db[i], shape, 0, db[i].cells(), out.data() + offset * length);
    offset += db[i].cells();
  }
  return out;
}

struct FieldComparison {
  double similarity_ratio = 0, exact_fraction = 0, gap_closed = 0;
};

FieldComparison Compare(const CorrespondenceField& approx, const CorrespondenceField& exact,
                        double random_similarity) {
  FieldComparison c;
  int same = 0;
  for (std::size_t i = 0; i < exact.matches.size(); ++i) {
    const Match &a = approx.matches[i], &e = exact.matches[i];
    same += a.image == e.image && a.y == e.y && a.x == e.x;
  }
  c.exact_fraction = static_cast<double>(same) / exact.matches.size();
  c.similarity_ratio = approx.MeanSimilarity() / exact.MeanSimilarity();
  c.gap_closed =
      (approx.MeanSimilarity() - random_similarity) / (exact.MeanSimilarity() - random_similarity);
  return c;
}

}  // namespace

int Main(int argc, char** argv) {
  int images = 400, image_size = 256, depth = 64, hnsw_images = 40, sgemm_images = 20, queries = 3;
  std::uint64_t seed = 1;
  std::vector<int> iteration_counts = {1, 2, 4, 8, 16, 32, 64};
  std::string json_path;
  bool skip_faiss = false, skip_hnsw = false;
  PatchMatchOptions hpm_defaults;
  CLI::App app{"Benchmarks compnn's search against OpenBLAS sgemm, FAISS and hnswlib."};
  app.add_option("--images", images, "database maps")->capture_default_str();
  app.add_option("--image-size", image_size, "photo crop side; maps are a quarter of it")
      ->capture_default_str();
  app.add_option("--depth", depth, "channels per cell (hyperpatch 2 x 2 x depth)")
      ->capture_default_str();
  app.add_option("--queries", queries, "query maps (HyperPatch-Match figures are their mean)")
      ->capture_default_str();
  app.add_option("--iterations", iteration_counts, "HyperPatch-Match iteration counts")
      ->delimiter(',');
  app.add_option("--sgemm-images", sgemm_images, "images for the sgemm throughput baseline")
      ->capture_default_str();
  app.add_option("--hnsw-images", hnsw_images, "database subset indexed by hnswlib")
      ->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--json", json_path, "also write the results to this JSON file");
  app.add_option("--random-images", hpm_defaults.random_images, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_option("--long-range", hpm_defaults.long_range, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_option("--initial-samples", hpm_defaults.initial_samples, "HyperPatch-Match option")
      ->capture_default_str();
  app.add_flag("--skip-faiss", skip_faiss);
  app.add_flag("--skip-hnsw", skip_hnsw);
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  const int threads = omp_get_max_threads();
  std::printf("threads %d, OpenBLAS %s (parallel mode %d: 2 = OpenMP)\n", threads,
              openblas_get_config(), openblas_get_parallel());
  report["threads"] = threads;

  auto t = Clock::now();
  const ActivationSet db_set = MakeActivations(images, image_size, depth, seed);
  const ActivationSet query_set = MakeActivations(queries, image_size, depth, seed + 1000);
  const Database database(db_set.maps());
  const MapView query = query_set.map(0);
  const HyperpatchShape shape;
  const int length = shape.length(depth);
  const long long query_rows = query.cells(),
                  database_rows = 1LL * images * db_set.height * db_set.width;
  std::printf(
      "data: %d maps of %d x %d x %d from real photos, query %d x %d, hyperpatch 2 x 2 x %d "
      "(%.1f s to make)\n",
      images, db_set.height, db_set.width, depth, query.height, query.width, depth,
      SecondsSince(t));
  report["data"] = {{"images", images},
                    {"map", {db_set.height, db_set.width, depth}},
                    {"hyperpatch_length", length}};

  // Exact search.
  t = Clock::now();
  const CorrespondenceField exact = ExactSearch(query, database);
  const double exact_seconds = SecondsSince(t);
  std::vector<CorrespondenceField> exact_fields = {exact};
  double all_exact_seconds = exact_seconds;
  for (int i = 1; i < queries; ++i) {
    t = Clock::now();
    exact_fields.push_back(ExactSearch(query_set.map(i), database));
    all_exact_seconds += SecondsSince(t);
  }
  const double flops = 2.0 * query_rows * database_rows * length;
  std::printf("\nexact search: %.2f s, %.1f GFLOP/s, mean similarity %.4f\n", exact_seconds,
              flops / exact_seconds * 1e-9, exact.MeanSimilarity());

  // sgemm on the same shapes: the query's unit rows against one image's at a time.
  {
    std::vector<int> some(std::min(sgemm_images, images));
    std::iota(some.begin(), some.end(), 0);
    const std::vector<float> q = PackUnitRows(Database({query}), {0}, shape);
    const std::vector<float> p = PackUnitRows(database, some, shape);
    const int per_image = db_set.height * db_set.width;
    std::vector<float> c(static_cast<std::size_t>(query_rows) * per_image);
    t = Clock::now();
    for (std::size_t i = 0; i < some.size(); ++i) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, query_rows, per_image, length, 1.0f,
                  q.data(), length, p.data() + i * per_image * length, length, 0.0f, c.data(),
                  per_image);
    }
    const double sgemm_seconds = SecondsSince(t);
    const double sgemm_flops = 2.0 * query_rows * per_image * length * some.size();
    const double ratio = (flops / exact_seconds) / (sgemm_flops / sgemm_seconds);
    std::printf(
        "sgemm (%d x %d x %d, %zu images): %.1f GFLOP/s -> exact search reaches %.3f of "
        "sgemm throughput (goal >= 0.85)\n",
        static_cast<int>(query_rows), per_image, length, some.size(),
        sgemm_flops / sgemm_seconds * 1e-9, ratio);
    report["exact"] = {{"seconds", exact_seconds},
                       {"gflops", flops / exact_seconds * 1e-9},
                       {"sgemm_gflops", sgemm_flops / sgemm_seconds * 1e-9},
                       {"fraction_of_sgemm", ratio},
                       {"mean_similarity", exact.MeanSimilarity()}};
  }

  if (!skip_faiss) {
    std::vector<int> all(images);
    std::iota(all.begin(), all.end(), 0);
    std::vector<float> vectors = PackUnitRows(database, all, shape);
    const std::vector<float> q = PackUnitRows(Database({query}), {0}, shape);
    faiss::IndexFlatIP index(length);
    index.add(database_rows, vectors.data());
    vectors = {};
    std::vector<float> distances(query_rows);
    std::vector<faiss::Index::idx_t> labels(query_rows);
    t = Clock::now();
    index.search(query_rows, q.data(), 1, distances.data(), labels.data());
    const double faiss_seconds = SecondsSince(t);
    int agree = 0;
    const int per_image = db_set.height * db_set.width;
    for (long long i = 0; i < query_rows; ++i) {
      const Match& m = exact.matches[i];
      agree += labels[i] ==
               static_cast<faiss::Index::idx_t>(m.image) * per_image + m.y * db_set.width + m.x;
    }
    std::printf(
        "FAISS IndexFlatIP k=1: %.2f s -> exact search time / FAISS time = %.3f (goal <= 1); "
        "same match on %.1f%% of cells\n",
        faiss_seconds, exact_seconds / faiss_seconds, 100.0 * agree / query_rows);
    report["faiss"] = {{"seconds", faiss_seconds},
                       {"exact_time_ratio", exact_seconds / faiss_seconds},
                       {"agreement", static_cast<double>(agree) / query_rows}};
  }

  // HyperPatch-Match over the whole database, no prefilter; means over the queries.
  auto run_all = [&](PatchMatchOptions o, double* seconds) {
    std::vector<CorrespondenceField> fields;
    const auto start = Clock::now();
    for (int i = 0; i < queries; ++i)
      fields.push_back(HyperPatchMatch(query_set.map(i), database, o).field);
    if (seconds) *seconds = SecondsSince(start);
    return fields;
  };
  PatchMatchOptions initial = hpm_defaults;
  initial.max_iterations = 0;
  const std::vector<CorrespondenceField> random_fields = run_all(initial, nullptr);
  double random_ratio = 0;
  for (int i = 0; i < queries; ++i) {
    random_ratio += random_fields[i].MeanSimilarity() / exact_fields[i].MeanSimilarity() / queries;
  }
  std::printf(
      "\nHyperPatch-Match over all %d images, mean of %d queries (random field: %.3f of exact "
      "mean similarity; exact search %.2f s per query)\n",
      images, queries, random_ratio, all_exact_seconds / queries);
  std::printf("%10s %10s %12s %12s %12s %12s\n", "iterations", "seconds", "time/exact", "sim/exact",
              "exact cells", "gap closed");
  nlohmann::json curve = nlohmann::json::array();
  auto run_hpm = [&](const PatchMatchOptions& o, const std::string& label) {
    double seconds = 0;
    const std::vector<CorrespondenceField> fields = run_all(o, &seconds);
    FieldComparison mean;
    for (int i = 0; i < queries; ++i) {
      const FieldComparison c =
          Compare(fields[i], exact_fields[i], random_fields[i].MeanSimilarity());
      mean.similarity_ratio += c.similarity_ratio / queries;
      mean.exact_fraction += c.exact_fraction / queries;
      mean.gap_closed += c.gap_closed / queries;
    }
    std::printf("%10s %10.3f %12.5f %12.4f %12.3f %12.3f\n", label.c_str(), seconds / queries,
                seconds / all_exact_seconds, mean.similarity_ratio, mean.exact_fraction,
                mean.gap_closed);
    curve.push_back({{"iterations", label},
                     {"seconds_per_query", seconds / queries},
                     {"time_ratio", seconds / all_exact_seconds},
                     {"similarity_ratio", mean.similarity_ratio},
                     {"exact_fraction", mean.exact_fraction},
                     {"gap_closed", mean.gap_closed}});
  };
  for (int n : iteration_counts) {
    PatchMatchOptions o = hpm_defaults;
    o.max_iterations = n;
    o.min_improved_fraction = 0.0;
    run_hpm(o, std::to_string(n));
  }
  run_hpm(hpm_defaults, "default");
  std::printf("goals: sim/exact >= 0.99, gap closed >= 0.95, time/exact <= 0.01\n");
  report["hyperpatch_match"] = {{"queries", queries},
                                {"random_similarity_ratio", random_ratio},
                                {"options",
                                 {{"random_images", hpm_defaults.random_images},
                                  {"long_range", hpm_defaults.long_range},
                                  {"initial_samples", hpm_defaults.initial_samples},
                                  {"max_iterations", hpm_defaults.max_iterations},
                                  {"min_improved_fraction", hpm_defaults.min_improved_fraction}}},
                                {"curve", curve}};

  // The paper's setting: HyperPatch-Match over the top-16 images by global descriptor (here the
  // whole map, flattened), against exact search over the same 16 and over all images.
  {
    const int per_map = db_set.height * db_set.width * depth;
    const DescriptorMatrix globals{db_set.values.data(), images, per_map};
    double exact16_seconds = 0, hpm16_seconds = 0, vs_exact16 = 0, vs_exact_all = 0, cells16 = 0;
    for (int i = 0; i < queries; ++i) {
      const MapView q = query_set.map(i);
      const std::vector<int> top =
          GlobalTopK(std::span<const float>(q.data, per_map), globals, std::min(16, images));
      ExactSearchOptions eo;
      eo.candidates = top;
      auto start = Clock::now();
      const CorrespondenceField exact16 = ExactSearch(q, database, eo);
      exact16_seconds += SecondsSince(start);
      PatchMatchOptions po = hpm_defaults;
      po.candidates = top;
      start = Clock::now();
      const CorrespondenceField hpm16 = HyperPatchMatch(q, database, po).field;
      hpm16_seconds += SecondsSince(start);
      const FieldComparison c = Compare(hpm16, exact16, 0.0);
      vs_exact16 += c.similarity_ratio / queries;
      cells16 += c.exact_fraction / queries;
      vs_exact_all += hpm16.MeanSimilarity() / exact_fields[i].MeanSimilarity() / queries;
    }
    std::printf(
        "\nwith the top-16 global prefilter: exact over the 16 takes %.5f of exact over all; "
        "HyperPatch-Match over the 16 takes %.5f, reaches %.4f of exact-over-16 similarity "
        "(%.3f exact cells) and %.4f of exact-over-all\n",
        exact16_seconds / all_exact_seconds, hpm16_seconds / all_exact_seconds, vs_exact16, cells16,
        vs_exact_all);
    report["prefilter16"] = {{"exact_time_ratio", exact16_seconds / all_exact_seconds},
                             {"hpm_time_ratio", hpm16_seconds / all_exact_seconds},
                             {"hpm_vs_exact16_similarity", vs_exact16},
                             {"hpm_vs_exact16_cells", cells16},
                             {"hpm_vs_exact_all_similarity", vs_exact_all}};
  }

  if (!skip_hnsw) {
    const int subset = std::min(hnsw_images, images);
    std::vector<int> some(subset);
    std::iota(some.begin(), some.end(), 0);
    ExactSearchOptions eo;
    eo.candidates = some;
    t = Clock::now();
    const CorrespondenceField exact_subset = ExactSearch(query, database, eo);
    const double exact_subset_seconds = SecondsSince(t);
    PatchMatchOptions po = hpm_defaults;
    po.candidates = some;
    t = Clock::now();
    const CorrespondenceField hpm_subset = HyperPatchMatch(query, database, po).field;
    const double hpm_subset_seconds = SecondsSince(t);
    const FieldComparison hc = Compare(hpm_subset, exact_subset, 0.0);

    const std::vector<float> vectors = PackUnitRows(database, some, shape);
    const std::vector<float> q = PackUnitRows(Database({query}), {0}, shape);
    const long long rows = static_cast<long long>(subset) * db_set.height * db_set.width;
    hnswlib::InnerProductSpace space(length);
    hnswlib::HierarchicalNSW<float> index(&space, rows, 16, 100, seed);
    t = Clock::now();
#pragma omp parallel for schedule(dynamic, 256)
    for (long long i = 0; i < rows; ++i) index.addPoint(vectors.data() + i * length, i);
    const double build_seconds = SecondsSince(t);
    std::printf(
        "\nhnswlib on %d images (%lld vectors; M 16, ef_construction 100): build %.2f s; "
        "exact search on them %.3f s; HyperPatch-Match (defaults) %.3f s, %.3f exact cells, "
        "sim/exact %.4f\n",
        subset, rows, build_seconds, exact_subset_seconds, hpm_subset_seconds, hc.exact_fraction,
        hc.similarity_ratio);
    std::printf("%6s %12s %16s %12s %12s\n", "ef", "query s", "build+query s", "exact cells",
                "sim/exact");
    nlohmann::json hnsw = nlohmann::json::array();
    const int per_image = db_set.height * db_set.width;
    for (int ef : {16, 64, 256}) {
      index.setEf(ef);
      std::vector<hnswlib::labeltype> found(query_rows);
      std::vector<float> similarity(query_rows);
      t = Clock::now();
#pragma omp parallel for schedule(dynamic, 64)
      for (long long i = 0; i < query_rows; ++i) {
        auto top = index.searchKnn(q.data() + i * length, 1);
        found[i] = top.top().second;
        similarity[i] = 1.0f - top.top().first;
      }
      const double query_seconds = SecondsSince(t);
      int same = 0;
      double sum = 0;
      for (long long i = 0; i < query_rows; ++i) {
        const Match& m = exact_subset.matches[i];
        same +=
            found[i] == static_cast<std::size_t>(m.image) * per_image + m.y * db_set.width + m.x;
        sum += similarity[i];
      }
      const double ratio = sum / query_rows / exact_subset.MeanSimilarity();
      std::printf("%6d %12.3f %16.2f %12.3f %12.4f\n", ef, query_seconds,
                  build_seconds + query_seconds, static_cast<double>(same) / query_rows, ratio);
      hnsw.push_back({{"ef", ef},
                      {"query_seconds", query_seconds},
                      {"build_seconds", build_seconds},
                      {"exact_fraction", static_cast<double>(same) / query_rows},
                      {"similarity_ratio", ratio}});
    }
    report["hnswlib"] = {{"images", subset},
                         {"curve", hnsw},
                         {"exact_seconds", exact_subset_seconds},
                         {"hyperpatch_match",
                          {{"seconds", hpm_subset_seconds},
                           {"exact_fraction", hc.exact_fraction},
                           {"similarity_ratio", hc.similarity_ratio}}}};
  }

  if (!json_path.empty()) WriteJsonFile(json_path, report);
  return 0;
}

}  // namespace compnn::bench

int main(int argc, char** argv) {
  try {
    return compnn::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn-bench-search: error: %s\n", e.what());
    return 2;
  }
}
