// Projected search: near-exact matches at a fraction of exact search's cost. Hyperpatches are
// projected on their leading principal directions, exact search in that small space shortlists a
// few matches per query cell, and the shortlist is ranked again at full length. On conv features
// whose nearest neighbours are spatially incoherent, where HyperPatch-Match's propagation has
// little to spread, this finds nearly every exact match.
#pragma once

#include <cstdint>
#include <vector>

#include "compnn/core/searcher.h"

namespace compnn {

inline constexpr int kMaxProjectedComponents = 4096;
inline constexpr int kMaxProjectedShortlist = 1024;

struct ProjectedParams {
  // Principal directions the unit hyperpatches are projected on (at most their length).
  int components = 32;
  // Best matches per cell in the projection that are ranked again at full length (a request for
  // more matches per cell ranks that many).
  int shortlist = 16;
  // Database hyperpatches the directions are estimated from, drawn at random from the candidates.
  int sample = 8192;

  // Throws OptionError naming the field: components, shortlist or sample below 1 or above their
  // bounds.
  void Check() const;
};

// The request's k best matches of every query cell among its shortlist, best first; similarities
// are full-length cosines, as exact search computes them. Deterministic for a seed and thread
// count.
class ProjectedSearcher final : public Searcher {
 public:
  explicit ProjectedSearcher(ProjectedParams params = {});
  std::string name() const override { return "projected"; }
  SearcherTraits traits() const override;
  nlohmann::json Parameters() const override;
  using Searcher::Search;
  SearchResult Search(const MapView& query, const Database& database,
                      const SearchRequest& request) const override;

 private:
  ProjectedParams params_;
};

SearcherEntry ProjectedSearcherEntry();

// The leading `components` directions (rows, unit length, orthogonal) of the second-moment matrix
// of `rows` (count x length), by subspace iteration from a seeded start. Used by the projected
// searcher; exposed for tests.
std::vector<float> PrincipalDirections(const std::vector<float>& rows, int count, int length,
                                       int components, std::uint64_t seed);

}  // namespace compnn
