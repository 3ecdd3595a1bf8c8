#include "compnn/store/cell_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "compnn/core/check.h"
#include "compnn/core/half.h"
#include "compnn/core/splitmix.h"
#include "compnn/core/stopwatch.h"
#include "compnn/core/thread_limit.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "match_propagation.h"
#include "random_access_hint.h"
#include "stored_cosine.h"

namespace compnn {
namespace {

constexpr const char* kFormat = "compnn-cell-index-1";
constexpr int kMaxLists = 1 << 16;

// OpenMP's thread count for FAISS's parallel regions, restored on leaving.
class OmpThreads {
 public:
  explicit OmpThreads(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~OmpThreads() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

// A stored cell's place from its id in the index (image * cells per map + cell), in maps of
// `height` x `width` cells.
struct StoredCell {
  int image, y, x;
  StoredCell(faiss::Index::idx_t id, int height, int width)
      : image(static_cast<int>(id / (static_cast<long long>(height) * width))),
        y(static_cast<int>(id / width % height)),
        x(static_cast<int>(id % width)) {}
};

// Full-length cosines of every shortlisted stored cell with its query cell's unit row (`labels`:
// each query cell's shortlist of ids, image * cells per map + cell, -1 for none; NaN there),
// computed in the order the cells are stored rather than the query's: the shortlists point all
// over the layer, and reading it once from front to back lets the kernel's read-ahead serve a
// mapped layer larger than the memory allowed, where reading it in the query's order evicted
// pages before their next use and read them again and again.
template <typename Database_>
std::vector<float> ShortlistCosines(const std::vector<faiss::Index::idx_t>& labels, int shortlist,
                                    const std::vector<float>& rows, const Database_& database,
                                    const HyperpatchShape& shape, int height, int width) {
  std::vector<std::pair<faiss::Index::idx_t, std::size_t>> order;  // (stored cell, slot in labels)
  order.reserve(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0) order.emplace_back(labels[i], i);
  std::sort(order.begin(), order.end());
  const std::size_t length = shape.length(database.depth());
  std::vector<float> cosines(labels.size(), std::numeric_limits<float>::quiet_NaN());
#pragma omp parallel
  {
    std::vector<float> buffer(database.depth());
#pragma omp for schedule(static)
    for (std::size_t j = 0; j < order.size(); ++j) {
      const auto [id, slot] = order[j];
      const StoredCell at(id, height, width);
      cosines[slot] = internal::CosineAt(rows.data() + slot / shortlist * length,
                                         database[at.image], shape, at.y, at.x, buffer.data());
    }
  }
  return cosines;
}

int DefaultLists(long long cells) {
  // The power of two nearest sqrt(cells) / 2: with a product quantiser's codes, their error rather
  // than the lists probed limits what a shortlist finds, so few large lists serve, and lists
  // growing as sqrt(cells) keep the cells scanned per probe growing as slowly.
  const double target = std::sqrt(static_cast<double>(cells)) / 2;
  int lists = 1;
  while (lists < kMaxLists && lists * 1.5 < target) lists *= 2;
  return lists;
}

// Unit hyperpatches of the cells of images [first, last) as rows, image after image.
std::vector<float> UnitRows(const FeatureStore& store, const std::string& layer,
                            const HyperpatchShape& shape, int first, int last, int threads) {
  std::vector<int> images(last - first);
  for (int i = 0; i < last - first; ++i) images[i] = first + i;
  const LayerMaps maps = store.Maps(layer, images);
  std::vector<float> rows;
  for (int image : images) {
    const std::vector<float> unit = UnitHyperpatchRows(maps.database[image], shape, threads);
    rows.insert(rows.end(), unit.begin(), unit.end());
  }
  return rows;
}

// `count` unit hyperpatches drawn uniformly (with replacement) from the whole layer.
std::vector<float> TrainingRows(const FeatureStore& store, const StoreLayer& layer,
                                const HyperpatchShape& shape, int count, std::uint64_t seed) {
  const long long cells = static_cast<long long>(layer.height) * layer.width;
  std::vector<long long> picks(count);
  for (int i = 0; i < count; ++i)
    picks[i] = static_cast<long long>(SplitMix64(seed ^ SplitMix64(i + 1)) %
                                      static_cast<std::uint64_t>(cells * store.size()));
  std::sort(picks.begin(), picks.end());
  const int length = shape.length(layer.depth);
  std::vector<float> rows(static_cast<std::size_t>(count) * length);
  // In order of the store, one image's map converted at a time.
  for (int i = 0; i < count;) {
    const int image = static_cast<int>(picks[i] / cells);
    const LayerMaps maps = store.Maps(layer.name, {image});
    for (; i < count && picks[i] / cells == image; ++i)
      PackUnitHyperpatches(maps.database[image], shape, static_cast<int>(picks[i] % cells), 1,
                           rows.data() + static_cast<std::size_t>(i) * length);
  }
  return rows;
}

std::string ShapeText(const HyperpatchShape& shape) {
  return std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

std::vector<std::uint8_t> Serialise(const faiss::Index& index) {
  faiss::VectorIOWriter writer;
  faiss::write_index(&index, &writer);
  return std::move(writer.data);
}

// The product quantiser's code of each residual: per sub-vector, the nearest of its centroids
// (the lowest index among equals), as ProductQuantizer::compute_codes finds it, with the distances
// to all the centroids of a sub-quantiser computed side by side so that the compiler vectorises
// them (FAISS compares one centroid at a time, which took most of the build).
void EncodeResiduals(const faiss::ProductQuantizer& pq, const float* residuals, std::size_t n,
                     std::uint8_t* codes) {
  const int m_count = static_cast<int>(pq.M), ksub = static_cast<int>(pq.ksub);
  const int dsub = static_cast<int>(pq.dsub);
  // Per sub-quantiser: centroids transposed (dsub x ksub) and their squared norms.
  std::vector<float> transposed(static_cast<std::size_t>(m_count) * dsub * ksub);
  std::vector<float> norms(static_cast<std::size_t>(m_count) * ksub, 0.0f);
  for (int m = 0; m < m_count; ++m)
    for (int j = 0; j < ksub; ++j)
      for (int k = 0; k < dsub; ++k) {
        const float c = pq.get_centroids(m, j)[k];
        transposed[(static_cast<std::size_t>(m) * dsub + k) * ksub + j] = c;
        norms[static_cast<std::size_t>(m) * ksub + j] += c * c;
      }
#pragma omp parallel
  {
    std::vector<float> distance(ksub);
#pragma omp for schedule(static)
    for (long long i = 0; i < static_cast<long long>(n); ++i) {
      for (int m = 0; m < m_count; ++m) {
        const float* r = residuals + i * pq.d + m * dsub;
        const float* norm = &norms[static_cast<std::size_t>(m) * ksub];
        for (int j = 0; j < ksub; ++j) distance[j] = norm[j];
        for (int k = 0; k < dsub; ++k) {
          const float* c = &transposed[(static_cast<std::size_t>(m) * dsub + k) * ksub];
          const float minus_twice = -2.0f * r[k];
          for (int j = 0; j < ksub; ++j) distance[j] += minus_twice * c[j];
        }
        codes[i * pq.code_size + m] = static_cast<std::uint8_t>(
            std::min_element(distance.begin(), distance.end()) - distance.begin());
      }
    }
  }
}

// What IndexIVFPQ::add_with_ids does, with EncodeResiduals for the codes.
void AddRows(faiss::IndexIVFPQ& index, const std::vector<float>& rows,
             const std::vector<faiss::Index::idx_t>& ids) {
  const faiss::Index::idx_t n = static_cast<faiss::Index::idx_t>(ids.size());
  std::vector<faiss::Index::idx_t> lists(n);
  index.quantizer->assign(n, rows.data(), lists.data());
  std::vector<float> residuals(rows.size());
  index.quantizer->compute_residual_n(n, rows.data(), residuals.data(), lists.data());
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * index.code_size);
  EncodeResiduals(index.pq, residuals.data(), n, codes.data());
  // In the order of the ids, so that the lists do not depend on the thread count.
  for (faiss::Index::idx_t i = 0; i < n; ++i)
    index.invlists->add_entry(lists[i], ids[i], codes.data() + i * index.code_size);
  index.ntotal += n;
}

}  // namespace

void CellIndexOptions::Check() const {
  COMPNN_CHECK_OPTION(lists >= 0 && lists <= kMaxLists, "lists", "must be in [0, ", kMaxLists,
                      "] (0: chosen from the cell count), got ", lists);
  COMPNN_CHECK_OPTION(code_bytes >= 1 && code_bytes <= 256, "code_bytes",
                      "must be in [1, 256], got ", code_bytes);
  COMPNN_CHECK_OPTION(train_cells >= 1024 && train_cells <= (1 << 24), "train_cells",
                      "must be in [1024, ", 1 << 24, "], got ", train_cells);
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
}

void CellIndexSearchOptions::Check() const {
  COMPNN_CHECK_OPTION(probes >= 1 && probes <= kMaxLists, "probes", "must be in [1, ", kMaxLists,
                      "], got ", probes);
  COMPNN_CHECK_OPTION(shortlist >= 1 && shortlist <= 4096, "shortlist",
                      "must be in [1, 4096], got ", shortlist);
  COMPNN_CHECK_OPTION(propagation >= 0 && propagation <= 64, "propagation",
                      "must be in [0, 64], got ", propagation);
}

std::string CellIndexStem(const FeatureStore& store, const std::string& layer,
                          const HyperpatchShape& hyperpatch) {
  const std::string file = LayerFileName(layer);
  return store.dir() + "/cell-index/" + file.substr(0, file.size() - 4) + "." +
         ShapeText(hyperpatch);
}

namespace {

void CheckCodeBytes(int length, int code_bytes) {
  if (length % code_bytes == 0) return;
  std::string divisors;
  for (int d = 4; d <= std::min(length, 64); ++d)
    if (length % d == 0) divisors += (divisors.empty() ? "" : ", ") + std::to_string(d);
  COMPNN_CHECK_OPTION(false, "code_bytes", "must divide the hyperpatch's length ", length,
                      " (its divisors from 4 to 64: ", divisors.empty() ? "none" : divisors,
                      "), got ", code_bytes);
}

// Inverted lists over inner products, product-quantised codes, seeded k-means.
struct IvfPq {
  IvfPq(int length, int lists, const CellIndexOptions& options)
      : quantizer(length),
        index(&quantizer, length, lists, options.code_bytes, 8, faiss::METRIC_INNER_PRODUCT) {
    index.cp.seed = static_cast<int>(options.seed & 0x7fffffff);
    index.pq.cp.seed = static_cast<int>((options.seed >> 31) & 0x7fffffff) + 1;
    // Few passes: the lists only need to split the cells, and re-ranking repairs the codes' error.
    index.cp.niter = 10;
    index.pq.cp.niter = 10;
    // A small store trains on fewer cells than FAISS advises: fine for a shortlist, so no warning.
    index.cp.min_points_per_centroid = 1;
    index.pq.cp.min_points_per_centroid = 1;
    index.verbose = false;
  }
  faiss::IndexFlatIP quantizer;
  faiss::IndexIVFPQ index;
};

// Every image's unit hyperpatches added, a few images at a time (ids: image * cells + cell).
void AddEveryImage(faiss::IndexIVFPQ& index, const FeatureStore& store, const StoreLayer& layer,
                   const HyperpatchShape& shape, const std::function<void(int, int)>& progress) {
  const long long cells_per_map = static_cast<long long>(layer.height) * layer.width;
  constexpr int kImagesAtOnce = 16;
  for (int first = 0; first < store.size(); first += kImagesAtOnce) {
    const int last = std::min(store.size(), first + kImagesAtOnce);
    const std::vector<float> rows = UnitRows(store, layer.name, shape, first, last, 0);
    std::vector<faiss::Index::idx_t> ids(static_cast<std::size_t>(last - first) * cells_per_map);
    for (std::size_t i = 0; i < ids.size(); ++i)
      ids[i] = first * cells_per_map + static_cast<long long>(i);
    AddRows(index, rows, ids);
    if (progress) progress(last, store.size());
  }
}

// The .faiss file, then the record that vouches for it.
void WriteIndexFiles(const std::string& stem, const std::vector<std::uint8_t>& bytes,
                     nlohmann::json record) {
  std::filesystem::create_directories(std::filesystem::path(stem).parent_path());
  // The old record goes first: until the new one is written, the index is missing (searches go on
  // without it), never a record beside another index's file.
  std::filesystem::remove(stem + ".json");
  WriteFileAtomically(stem + ".faiss", {}, bytes.data(), bytes.size());
  record["checksum"] = FileChecksum(stem + ".faiss");
  WriteJsonFile(stem + ".json", record);
}

}  // namespace

CellIndexSummary BuildCellIndex(const FeatureStore& store, const std::string& layer_name,
                                const HyperpatchShape& shape, const CellIndexOptions& options,
                                const std::function<void(int, int)>& progress) {
  options.Check();
  const StoreLayer& layer = store.manifest().layer(layer_name);
  ValidateHyperpatch(shape, layer.height, layer.width, layer.depth);
  const int length = shape.length(layer.depth);
  CheckCodeBytes(length, options.code_bytes);
  const long long cells = static_cast<long long>(layer.height) * layer.width * store.size();
  // The product quantiser learns 256 centroids per sub-vector from the training sample.
  COMPNN_CHECK(cells >= 256, store.dir(), ": ", layer_name, " has ", cells,
               " cells, too few for a cell index (at least 256); exact search over so few is fast");
  const int lists = options.lists > 0 ? options.lists : DefaultLists(cells);
  COMPNN_CHECK_OPTION(lists <= cells, "lists", "must be at most the layer's ", cells,
                      " cells, got ", lists);
  const int train_cells = static_cast<int>(std::min<long long>(options.train_cells, cells));
  COMPNN_CHECK_OPTION(lists <= train_cells, "lists", "must be at most the ", train_cells,
                      " training cells, got ", lists);
  const auto start = Clock::now();
  OmpThreads threads(options.threads);
  IvfPq ivf(length, lists, options);
  const std::vector<float> training = TrainingRows(store, layer, shape, train_cells, options.seed);
  ivf.index.train(train_cells, training.data());
  AddEveryImage(ivf.index, store, layer, shape, progress);

  const std::vector<std::uint8_t> bytes = Serialise(ivf.index);
  const std::string stem = CellIndexStem(store, layer_name, shape);
  CellIndexSummary summary{stem + ".faiss", SecondsSince(start), bytes.size(), lists,
                           options.code_bytes};
  WriteIndexFiles(stem, bytes,
                  {{"format", kFormat},
                   {"layer", layer_name},
                   {"layer_checksum", layer.checksum},
                   {"hyperpatch", {shape.height, shape.width}},
                   {"images", store.size()},
                   {"map", {layer.height, layer.width, layer.depth}},
                   {"lists", lists},
                   {"code_bytes", options.code_bytes},
                   {"train_cells", train_cells},
                   {"seed", options.seed},
                   {"build_seconds", summary.seconds}});
  return summary;
}

CellIndex::~CellIndex() = default;

std::shared_ptr<const CellIndex> CellIndex::Open(const FeatureStore& store,
                                                 const std::string& layer_name,
                                                 const HyperpatchShape& shape, std::string* why) {
  const StoreLayer& layer = store.manifest().layer(layer_name);
  const std::string stem = CellIndexStem(store, layer_name, shape);
  const auto absent = [&](const std::string& reason) {
    if (why)
      *why = reason + "; searching without it (compnn cell-index " + store.dir() + " --layer " +
             layer_name +
             (shape.height == layer.hyperpatch.height && shape.width == layer.hyperpatch.width
                  ? ""
                  : " --hyperpatch " + std::to_string(shape.height) + " " +
                        std::to_string(shape.width)) +
             " builds one)";
    return nullptr;
  };
  if (!std::filesystem::exists(stem + ".json"))
    return absent("no cell index of " + layer_name + " at " + ShapeText(shape) + " in " +
                  store.dir());
  const nlohmann::json record = ReadJsonFile(stem + ".json");
  const auto field = [&](const char* name) -> const nlohmann::json& {
    COMPNN_CHECK(record.contains(name), stem, ".json: no \"", name, "\" field");
    return record.at(name);
  };
  COMPNN_CHECK(field("format") == kFormat, stem, ".json: format ", field("format").dump(),
               ", expected \"", kFormat, "\"");
  if (field("layer_checksum") != layer.checksum || field("images") != store.size())
    return absent(stem + ".faiss is stale (built from another " + layer.file + ")");

  // One copy per file and checksum, shared by every search in the process.
  static std::mutex mutex;
  // Held for the process: explaining many queries opens the same index once per query.
  static std::map<std::string, std::shared_ptr<const CellIndex>> cache;
  COMPNN_CHECK(field("checksum").is_string(), stem, ".json: \"checksum\" is not a string");
  const std::string key = stem + "#" + field("checksum").get<std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  if (const auto cached = cache.find(key); cached != cache.end()) return cached->second;
  const std::string file = stem + ".faiss";
  COMPNN_CHECK(std::filesystem::exists(file), file, ": missing (its .json is there)");
  COMPNN_CHECK(FileChecksum(file) == field("checksum").get<std::string>(), file,
               ": checksum differs from the one ", stem, ".json records (damaged?)");
  std::shared_ptr<CellIndex> index(new CellIndex);
  try {
    index->index_.reset(faiss::read_index(file.c_str()));
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ": not a readable FAISS index: " + e.what());
  }
  COMPNN_CHECK(index->index_->d == shape.length(layer.depth), file, ": vectors of ",
               index->index_->d, " values, but a hyperpatch has ", shape.length(layer.depth));
  index->record_ = record;
  index->hyperpatch_ = shape;
  index->height_ = layer.height;
  index->width_ = layer.width;
  index->images_ = store.size();
  cache[key] = index;
  return index;
}

std::string CellIndex::Describe(const CellIndexSearchOptions& options) const {
  return Concat("cell index IVF", record_.at("lists").get<int>(), ",PQ",
                record_.at("code_bytes").get<int>(), " (", options.probes, " lists probed, ",
                options.shortlist, " re-ranked, ", options.propagation, " propagation passes)");
}

template <typename Database_>
CorrespondenceField CellIndex::SearchIn(const MapView& query, const Database_& database, int k,
                                        const CellIndexSearchOptions& options, int threads) const {
  options.Check();
  COMPNN_CHECK_OPTION(k >= 1 && k <= options.shortlist, "k",
                      "must be between 1 and the shortlist's ", options.shortlist, ", got ", k);
  ValidateMap(query, "query");
  RequireFinite(query, "query");
  COMPNN_CHECK(database.size() == images_ && database.depth() == query.depth,
               "the cell index covers ", images_, " images of depth ",
               index_->d / hyperpatch_.length(1), ", the database has ", database.size(),
               " of depth ", database.depth());
  OmpThreads omp(threads);
  const std::vector<float> rows = UnitHyperpatchRows(query, hyperpatch_, threads);
  const long long n = query.cells();
  std::vector<float> distances(static_cast<std::size_t>(n) * options.shortlist);
  std::vector<faiss::Index::idx_t> labels(distances.size());
  faiss::SearchParametersIVF params;
  params.nprobe = options.probes;
  index_->search(n, rows.data(), options.shortlist, distances.data(), labels.data(), &params);

  const std::vector<float> cosines =
      ShortlistCosines(labels, options.shortlist, rows, database, hyperpatch_, height_, width_);
  CorrespondenceField field(query.height, query.width, k);
#pragma omp parallel for schedule(static)
  for (long long cell = 0; cell < n; ++cell) {
    std::vector<Match> ranked;
    ranked.reserve(options.shortlist);
    for (int r = 0; r < options.shortlist; ++r) {
      const long long i = cell * options.shortlist + r;
      if (labels[i] < 0) continue;
      const StoredCell at(labels[i], height_, width_);
      ranked.push_back({at.image, at.y, at.x, cosines[i]});
    }
    const std::size_t kept = std::min<std::size_t>(k, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + kept, ranked.end(),
                      [](const Match& a, const Match& b) { return a.BetterThan(b); });
    std::copy_n(ranked.begin(), kept, &field.matches[cell * k]);
  }
  // The re-ranking read the layer in order; propagation reads it at scattered places.
  const internal::RandomAccessHint scattered_reads(database);
  internal::PropagateMatches(rows, database, hyperpatch_, options.propagation,
                             threads > 0 ? threads : omp_get_max_threads(), &field);
  return field;
}

CorrespondenceField CellIndex::Search(const MapView& query, const HalfDatabase& database, int k,
                                      const CellIndexSearchOptions& options, int threads) const {
  return SearchIn(query, database, k, options, threads);
}

CorrespondenceField CellIndex::Search(const MapView& query, const Database& database, int k,
                                      const CellIndexSearchOptions& options, int threads) const {
  return SearchIn(query, database, k, options, threads);
}

}  // namespace compnn
