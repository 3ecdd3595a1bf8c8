// A search's inputs in .npy files any tool wrote (compnn match): the query's map, the database's
// maps and the global descriptors of the prefilter, checked against each other.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/ranks.h"
#include "compnn/core/searcher.h"
#include "compnn/store/npy.h"

namespace compnn {

struct NpySearchInputs {
  NpyFile query_file, database_file;
  MapView query;   // float32 (H, W, D) or (1, H, W, D), read in place
  int images = 0;  // the database's N: float32 or float16 (N, H', W', D)

  // Throws std::runtime_error naming the file: a wrong dtype or rank, empty maps, or a depth the
  // two files do not share.
  static NpySearchInputs Open(const std::string& query, const std::string& database);

  // The database images to search: `images` (all when empty; each must be in the database, or
  // OptionError names image_indices),
  // narrowed by the global prefilter to the `topk` nearest the query's descriptor (0: none), read
  // from `query_global` ((D,) or (1, D)) and `database_global` ((N, D)). Throws OptionError
  // naming the field (topk_images, database_global).
  std::vector<int> Candidates(const std::vector<int>& images, int topk,
                              const std::string& query_global,
                              const std::string& database_global) const;
};

// The search of `in` by `searcher`: on this process, or split across `ranks` when the searcher
// splits across ranks (each reads and searches its shard of the candidates; rank 0 then holds the
// merged field, the others their part); without that, only rank 0 may call it. `summary` gains
// the iterations an iterative search ran, or the ranks' shards.
CorrespondenceField SearchNpyInputs(const NpySearchInputs& in, const Searcher& searcher,
                                    SearchRequest request, const Ranks& ranks,
                                    nlohmann::json& summary);

}  // namespace compnn
