// The one way to search a query's matches, in the spirit of faiss's Index::search: a Searcher
// holds its method's own parameters and answers a SearchRequest, which holds what every search
// takes (hyperpatch, candidates, matches per cell, seed, threads). Exact search, HyperPatch-Match
// and projected search are searchers chosen by name from a registry (MakeSearcher); a feature
// store's cell index is one more (store/cell_index.h). A new method is a header and source pair
// holding its parameters and its Searcher, and one line in Searchers() (searcher.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

// The most matches per cell a search keeps.
inline constexpr int kMaxMatchesPerCell = 256;

// What every search takes, whatever its method.
struct SearchRequest {
  HyperpatchShape hyperpatch;
  // Database images to search; empty means all of them.
  std::vector<int> candidates;
  int k = 1;               // matches kept per query cell, best first and distinct
  std::uint64_t seed = 0;  // every random choice of the methods that draw (SearcherTraits)
  int threads = 0;         // 0: every core OpenMP offers; the result does not depend on it
  // Called as the search goes with (done, total) in the method's own units (cells, iterations).
  std::function<void(long long done, long long total)> progress;

  // Throws OptionError naming the field: k outside [1, kMaxMatchesPerCell], threads outside
  // [0, kMaxThreads].
  void Check() const;
};

// What a method can do, which the store search, the ranks and the reports ask instead of its name.
struct SearcherTraits {
  bool exact = false;          // finds the true best matches (the quality reference)
  bool reads_float16 = false;  // searches float16 maps in place, without float32 copies
  // The best matches over a partition of the candidates, merged, are those over all of them: the
  // search splits across ranks (ShardedSearch).
  bool splits_across_ranks = false;
  bool uses_seed = false;  // draws at random from SearchRequest::seed
};

// One iteration of an iterative search (HyperPatch-Match).
struct SearchIteration {
  int iteration = 0;               // 1-based
  double improved_fraction = 0.0;  // cells whose match improved in this iteration
  double mean_similarity = 0.0;    // after this iteration
};

struct SearchResult {
  CorrespondenceField field;
  std::vector<SearchIteration> iterations;  // iterative searches: one per iteration run
};

class Searcher {
 public:
  virtual ~Searcher() = default;

  // The name it is registered and recorded under: "hpm", "exact", "projected", "cell-index".
  virtual std::string name() const = 0;
  virtual SearcherTraits traits() const = 0;
  // Its own parameters as files record them; MakeSearcher(name(), Parameters()) makes its twin.
  virtual nlohmann::json Parameters() const = 0;
  // One line for reports: the name, or the name with what distinguishes this instance.
  virtual std::string Describe() const { return name(); }

  // The best request.k matches of every query cell among the candidates. Throws OptionError for
  // a request out of range and std::invalid_argument for malformed maps or non-finite values.
  virtual SearchResult Search(const MapView& query, const Database& database,
                              const SearchRequest& request) const = 0;
  // The same over float16 maps read in place; a searcher without traits().reads_float16 throws
  // std::invalid_argument.
  virtual SearchResult Search(const MapView& query, const HalfDatabase& database,
                              const SearchRequest& request) const;
};

// A parameter a registered searcher takes by name (front ends set it: --FLAG, keyword arguments).
struct SearcherParam {
  std::string name;  // the field of the method's parameters struct
  std::string help;
  bool integer = true;
};

struct SearcherEntry {
  std::string name;
  std::string help;
  std::vector<SearcherParam> params;
  // Builds the searcher from its parameters (a JSON object holding any of `params`; the others
  // keep their defaults); throws OptionError naming a field out of range.
  std::function<std::shared_ptr<const Searcher>(const nlohmann::json& params)> make;
};

// Every searcher that can be chosen by name, the default (HyperPatch-Match) first.
const std::vector<SearcherEntry>& Searchers();

// The registered searcher `name` with `params` set. Throws OptionError: "method" for an unknown
// name (listing the known ones), a parameter's name for one the method does not take, a value of
// the wrong kind, or one its Check refuses.
std::shared_ptr<const Searcher> MakeSearcher(
    const std::string& name, const nlohmann::json& params = nlohmann::json::object());

// HyperPatch-Match with its defaults, shared.
std::shared_ptr<const Searcher> DefaultSearcher();

// A search as summary.json files record it: {"method": NAME, its parameters, "seed" where it
// draws}.
nlohmann::json SearchRecord(const Searcher& searcher, std::uint64_t seed);

// The names of Searchers(), for errors and help: "hpm", "exact" or "projected".
std::string SearcherNames();

}  // namespace compnn
