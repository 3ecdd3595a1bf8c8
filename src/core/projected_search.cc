#include "compnn/core/projected_search.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

#include "checked_request.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/thread_limit.h"
#include "counter_rng.h"
#include "searcher_params.h"
#include "threads.h"

namespace compnn {

void ProjectedParams::Check() const {
  COMPNN_CHECK_OPTION(components >= 1 && components <= kMaxProjectedComponents, "components",
                      "must be in [1, ", kMaxProjectedComponents, "], got ", components);
  COMPNN_CHECK_OPTION(shortlist >= 1 && shortlist <= kMaxProjectedShortlist, "shortlist",
                      "must be in [1, ", kMaxProjectedShortlist, "], got ", shortlist);
  COMPNN_CHECK_OPTION(sample >= 1 && sample <= (1 << 24), "sample", "must be in [1, ", 1 << 24,
                      "], got ", sample);
}

ProjectedSearcher::ProjectedSearcher(ProjectedParams params) : params_(params) { params_.Check(); }

SearcherTraits ProjectedSearcher::traits() const {
  return {.exact = false, .reads_float16 = false, .splits_across_ranks = false, .uses_seed = true};
}

nlohmann::json ProjectedSearcher::Parameters() const {
  return {{"components", params_.components},
          {"shortlist", params_.shortlist},
          {"sample", params_.sample}};
}

SearcherEntry ProjectedSearcherEntry() {
  return {"projected",
          "near-exact: exact search in the hyperpatches' leading principal components, the best of "
          "each cell ranked again at full length",
          {{"components", "principal components the hyperpatches are projected on"},
           {"shortlist", "best matches per cell in the projection ranked again at full length"},
           {"sample", "hyperpatches the components are estimated from"}},
          [](const nlohmann::json& values) {
            ProjectedParams p;
            internal::ReadParam(values, "components", p.components);
            internal::ReadParam(values, "shortlist", p.shortlist);
            internal::ReadParam(values, "sample", p.sample);
            return std::make_shared<const ProjectedSearcher>(p);
          }};
}

namespace {

// Orthonormalises the rows of `v` (count x length) in place, in double precision (modified
// Gram-Schmidt); a row that vanishes becomes zero.
void Orthonormalise(std::vector<float>& v, int count, int length) {
  std::vector<double> row(length);
  for (int i = 0; i < count; ++i) {
    float* r = v.data() + static_cast<std::size_t>(i) * length;
    for (int c = 0; c < length; ++c) row[c] = r[c];
    for (int j = 0; j < i; ++j) {
      const float* o = v.data() + static_cast<std::size_t>(j) * length;
      double dot = 0;
      for (int c = 0; c < length; ++c) dot += row[c] * o[c];
      for (int c = 0; c < length; ++c) row[c] -= dot * o[c];
    }
    double norm = 0;
    for (int c = 0; c < length; ++c) norm += row[c] * row[c];
    norm = std::sqrt(norm);
    for (int c = 0; c < length; ++c) r[c] = norm > 1e-12 ? static_cast<float>(row[c] / norm) : 0.f;
  }
}

// Unit hyperpatches of `sample` cells drawn from the candidates (image uniformly, then cell).
std::vector<float> SampleRows(const Database& db, const std::vector<int>& candidates,
                              const HyperpatchShape& shape, int sample, std::uint64_t seed) {
  const int length = shape.length(db.depth());
  std::vector<float> rows(static_cast<std::size_t>(sample) * length);
  for (int i = 0; i < sample; ++i) {
    internal::CounterRng rng(seed, 1u << 30, i);
    const MapView& map = db[candidates[rng.Below(static_cast<int>(candidates.size()))]];
    PackUnitHyperpatches(map, shape, rng.Below(map.cells()), 1,
                         rows.data() + static_cast<std::size_t>(i) * length);
  }
  return rows;
}

// Rows (count x length) times directions (components x length), transposed: count x components.
std::vector<float> Project(const float* rows, int count, int length,
                           const std::vector<float>& directions, int components) {
  std::vector<float> out(static_cast<std::size_t>(count) * components);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, count, components, length, 1.0f, rows,
              length, directions.data(), length, 0.0f, out.data(), components);
  return out;
}

}  // namespace

std::vector<float> PrincipalDirections(const std::vector<float>& rows, int count, int length,
                                       int components, std::uint64_t seed) {
  components = std::min(components, length);
  // The second-moment matrix M = S'S / count: its leading directions best keep the rows' dot
  // products, which is what cosine ranking needs (no centring). Up to 2048 values a row it is
  // formed once (16 MB); longer rows multiply by S' and S at every step instead.
  constexpr int kMomentLength = 2048;
  std::vector<float> moment;
  if (length <= kMomentLength) {
    moment.resize(static_cast<std::size_t>(length) * length);
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, length, count, 1.0f / count, rows.data(),
                length, 0.0f, moment.data(), length);
    for (int i = 0; i < length; ++i)
      for (int j = 0; j < i; ++j) moment[i * length + j] = moment[j * length + i];
  }
  // Subspace iteration: v <- orth(v M), from seeded random rows. A few directions beyond those
  // kept make the last kept ones converge faster.
  const int width = std::min(length, components + 8);
  std::vector<float> v(static_cast<std::size_t>(width) * length), next(v.size());
  std::vector<float> scores(moment.empty() ? static_cast<std::size_t>(width) * count : 0);
  for (int i = 0; i < width; ++i) {
    internal::CounterRng rng(seed, 1u << 31, i);
    for (int c = 0; c < length; ++c)
      v[i * length + c] = static_cast<float>(rng.Below(1 << 20)) / (1 << 19) - 1.0f;
  }
  Orthonormalise(v, width, length);
  const int iterations = moment.empty() ? 8 : 24;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    if (!moment.empty()) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, width, length, length, 1.0f, v.data(),
                  length, moment.data(), length, 0.0f, next.data(), length);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, width, count, length, 1.0f, v.data(),
                  length, rows.data(), length, 0.0f, scores.data(), count);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, width, length, count, 1.0f / count,
                  scores.data(), count, rows.data(), length, 0.0f, next.data(), length);
    }
    v.swap(next);
    Orthonormalise(v, width, length);
  }
  v.resize(static_cast<std::size_t>(components) * length);
  return v;
}

namespace {

// The candidates' hyperpatches in the projection, as maps of `components` channels (one image at
// a time, so memory follows the projection, not the full length); other images are one zero cell.
struct ProjectedDatabase {
  std::vector<std::vector<float>> values;
  std::vector<MapView> maps;
};

ProjectedDatabase ProjectCandidates(const Database& database, const std::vector<int>& candidates,
                                    const HyperpatchShape& shape,
                                    const std::vector<float>& directions, int components,
                                    int threads) {
  const int length = shape.length(database.depth());
  ProjectedDatabase projected;
  projected.values.resize(database.size());
  static const std::vector<float> zeros(kMaxProjectedComponents, 0.0f);
  projected.maps.assign(database.size(), MapView{zeros.data(), 1, 1, components});
  for (int image : candidates) {
    const MapView& map = database[image];
    const std::vector<float> unit = UnitHyperpatchRows(map, shape, threads);
    projected.values[image] = Project(unit.data(), map.cells(), length, directions, components);
    projected.maps[image] =
        MapView{projected.values[image].data(), map.height, map.width, components};
  }
  return projected;
}

// The k best of each cell's shortlist ranked again at full length (cosines of the query's unit
// hyperpatches against the stored cells, as exact search computes them).
CorrespondenceField RankAtFullLength(const MapView& query, const std::vector<float>& query_unit,
                                     const Database& database, const std::vector<int>& candidates,
                                     const CorrespondenceField& shortlist,
                                     const HyperpatchShape& shape, int k, int threads) {
  const int length = shape.length(query.depth);
  std::vector<std::vector<double>> norms(database.size());
  for (int image : candidates) norms[image] = CellSquaredNorms(database[image]);
  CorrespondenceField field(query.height, query.width, k);
  std::atomic<int> non_finite_image{-1};
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int cell = 0; cell < query.cells(); ++cell) {
    std::vector<Match> ranked;
    ranked.reserve(shortlist.k);
    const float* q = query_unit.data() + static_cast<std::size_t>(cell) * length;
    for (int r = 0; r < shortlist.k; ++r) {
      const Match& m = shortlist.matches[static_cast<std::size_t>(cell) * shortlist.k + r];
      if (m.image < 0) continue;
      const Match full{m.image, m.y, m.x,
                       CosineToCell(q, database[m.image], norms[m.image].data(), shape, m.y, m.x)};
      if (std::isnan(full.similarity)) non_finite_image.store(m.image);
      ranked.push_back(full);
    }
    const std::size_t kept = std::min<std::size_t>(k, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + kept, ranked.end(),
                      [](const Match& a, const Match& b) { return a.BetterThan(b); });
    Match* out = &field.matches[static_cast<std::size_t>(cell) * k];
    for (std::size_t r = 0; r < kept; ++r) out[r] = ranked[r];
  }
  if (non_finite_image.load() >= 0) {
    throw std::invalid_argument("database image " + std::to_string(non_finite_image.load()) +
                                ": non-finite activations");
  }
  return field;
}

}  // namespace

SearchResult ProjectedSearcher::Search(const MapView& query, const Database& database,
                                       const SearchRequest& options) const {
  const internal::CheckedRequest checked = internal::CheckRequest(query, database, options);
  const std::vector<int>& candidates = checked.candidates;
  const long long candidate_cells = checked.cells;
  const int threads = internal::ResolveThreads(options.threads);
  const HyperpatchShape& shape = options.hyperpatch;
  const int length = shape.length(query.depth);
  const int components = std::min(params_.components, length);
  const std::vector<float> directions =
      PrincipalDirections(SampleRows(database, candidates, shape, params_.sample, options.seed),
                          params_.sample, length, components, options.seed);

  const std::vector<float> query_unit = UnitHyperpatchRows(query, shape, threads);
  const std::vector<float> query_projected =
      Project(query_unit.data(), query.cells(), length, directions, components);
  const ProjectedDatabase projected =
      ProjectCandidates(database, candidates, shape, directions, components, threads);

  // Exact search in the projection keeps the shortlist of every cell; a request for more matches
  // than the shortlist ranks that many.
  SearchRequest exact;
  exact.hyperpatch = HyperpatchShape{1, 1};
  exact.candidates = candidates;
  exact.k = static_cast<int>(
      std::min<long long>(std::max(params_.shortlist, options.k), candidate_cells));
  exact.threads = threads;
  const MapView query_map{query_projected.data(), query.height, query.width, components};
  const CorrespondenceField shortlist =
      ExactSearcher().Search(query_map, Database(projected.maps), exact).field;
  return {RankAtFullLength(query, query_unit, database, candidates, shortlist, shape, options.k,
                           threads),
          {}};
}

}  // namespace compnn
