#include "compnn/store/npy_search_inputs.h"

#include <numeric>
#include <span>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/sharded_search.h"
#include "compnn/store/feature_store.h"

namespace compnn {
namespace {

MapView QueryMap(const NpyFile& file) {
  file.Require(DType::kFloat32, {3, 4});
  const auto& s = file.shape();
  COMPNN_CHECK(!(s.size() == 4 && s[0] != 1), file.path(),
               ": a rank-4 query must hold one image, not ", s[0]);
  const std::size_t o = s.size() - 3;
  const MapView view{file.data_as<float>(), static_cast<int>(s[o]), static_cast<int>(s[o + 1]),
                     static_cast<int>(s[o + 2])};
  COMPNN_CHECK(!(view.cells() == 0 || view.depth == 0), file.path(), ": empty map");
  return view;
}

}  // namespace

NpySearchInputs NpySearchInputs::Open(const std::string& query, const std::string& database) {
  NpySearchInputs in;
  in.query_file = NpyFile::Open(query);
  in.database_file = NpyFile::Open(database);
  in.query = QueryMap(in.query_file);
  const NpyFile& db = in.database_file;
  db.Require(db.dtype() == DType::kFloat16 ? DType::kFloat16 : DType::kFloat32, {4});
  const auto& s = db.shape();
  COMPNN_CHECK(s[0] != 0, database, ": the database holds no images");
  COMPNN_CHECK(s[1] != 0 && s[2] != 0 && s[3] != 0, database, ": empty maps");
  COMPNN_CHECK(in.query.depth == s[3], query, " has depth ", in.query.depth, " but ", database,
               " has depth ", s[3]);
  in.images = static_cast<int>(s[0]);
  return in;
}

std::vector<int> NpySearchInputs::Candidates(const std::vector<int>& images, int topk,
                                             const std::string& query_global,
                                             const std::string& database_global) const {
  for (int image : images) {
    COMPNN_CHECK_OPTION(image >= 0 && image < this->images, "image_indices",
                        "names unknown image index ", image, " (", database_file.path(), " holds ",
                        this->images, ")");
  }
  if (topk == 0) return images;
  COMPNN_CHECK_OPTION(!query_global.empty() && !database_global.empty(), "topk_images",
                      "needs the query's and the database's global descriptors");
  const NpyFile query = NpyFile::Open(query_global);
  query.Require(DType::kFloat32, {1, 2});
  COMPNN_CHECK(!(query.shape().size() == 2 && query.shape()[0] != 1), query_global,
               ": must hold one descriptor, (D,) or (1, D)");
  const NpyFile database = NpyFile::Open(database_global);
  database.Require(DType::kFloat32, {2});
  const DescriptorMatrix matrix{database.data_as<float>(), static_cast<int>(database.shape()[0]),
                                static_cast<int>(database.shape()[1])};
  return PrefilterCandidates(std::span<const float>(query.data_as<float>(), query.shape().back()),
                             matrix, this->images, topk, images);
}

namespace {

// Each rank searches its shard of the candidates, rank 0 merges.
CorrespondenceField SearchAcrossRanks(const NpySearchInputs& in, const Searcher& searcher,
                                      const SearchRequest& request, const Ranks& ranks,
                                      nlohmann::json& summary) {
  std::vector<int> all = request.candidates;
  if (all.empty()) {
    all.resize(in.images);
    std::iota(all.begin(), all.end(), 0);
  }
  const std::vector<int> shard = ShardCandidates(all, ranks.rank(), ranks.size());
  // Only the shard's maps: a rank's memory follows its shard. (No images asked for means all.)
  const LayerMaps maps = shard.empty() ? LayerMaps{} : ReadMaps(in.database_file, shard);
  ShardedSearchResult found =
      ShardedSearch(searcher, in.query, maps.database, shard, request, ranks);
  nlohmann::json shards = nlohmann::json::array();
  for (int r = 0; r < ranks.size(); ++r) {
    const std::vector<int> part = ShardCandidates(all, r, ranks.size());
    shards.push_back({{"rank", r},
                      {"images", part.size()},
                      {"first_image", part.empty() ? -1 : part.front()},
                      {"last_image", part.empty() ? -1 : part.back()}});
  }
  summary["ranks"] = ranks.size();
  summary["shards"] = shards;
  // Every rank but 0 sends its field once (a reduction tree); they all hold fields of one size.
  summary["bytes_sent_per_rank"] =
      static_cast<std::int64_t>(found.field.matches.size() * sizeof(Match));
  return std::move(found.field);
}

}  // namespace

CorrespondenceField SearchNpyInputs(const NpySearchInputs& in, const Searcher& searcher,
                                    SearchRequest request, const Ranks& ranks,
                                    nlohmann::json& summary) {
  if (ranks.size() > 1 && searcher.traits().splits_across_ranks)
    return SearchAcrossRanks(in, searcher, request, ranks, summary);
  const LayerMaps maps = ReadMaps(in.database_file, request.candidates);
  const SearchResult found = searcher.Search(in.query, maps.database, request);
  if (!found.iterations.empty()) {
    nlohmann::json iterations = nlohmann::json::array();
    for (const SearchIteration& it : found.iterations) {
      iterations.push_back({{"iteration", it.iteration},
                            {"improved_fraction", it.improved_fraction},
                            {"mean_similarity", it.mean_similarity}});
    }
    summary["iterations"] = iterations;
  }
  return found.field;
}

}  // namespace compnn
