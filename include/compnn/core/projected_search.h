// Projected search: near-exact matches at a fraction of exact search's cost. Hyperpatches are
// projected on their leading principal directions, exact search in that small space shortlists a
// few matches per query cell, and the shortlist is ranked again at full length. On conv features
// whose nearest neighbours are spatially incoherent, where HyperPatch-Match's propagation has
// little to spread, this finds nearly every exact match.
#pragma once

#include <cstdint>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

inline constexpr int kMaxProjectedComponents = 4096;
inline constexpr int kMaxProjectedShortlist = 1024;

struct ProjectedSearchOptions {
  HyperpatchShape hyperpatch;
  // Database images to search; empty means all of them.
  std::vector<int> candidates;
  // Principal directions the unit hyperpatches are projected on (at most their length).
  int components = 32;
  // Best matches per cell in the projection that are ranked again at full length.
  int shortlist = 16;
  // Matches kept per query cell, best first (at most the shortlist).
  int top_k = 1;
  // Database hyperpatches the directions are estimated from, drawn at random from the candidates.
  int sample = 8192;
  std::uint64_t seed = 0;
  // Worker threads; 0 means every core OpenMP offers.
  int threads = 0;

  // Throws OptionError naming the field: components, shortlist or sample below 1 or above their
  // bounds, top_k below 1 or above the shortlist, threads outside [0, kMaxThreads].
  void Check() const;
};

// The leading `components` directions (rows, unit length, orthogonal) of the second-moment matrix
// of `rows` (count x length), by subspace iteration from a seeded start. Used by ProjectedSearch;
// exposed for tests.
std::vector<float> PrincipalDirections(const std::vector<float>& rows, int count, int length,
                                       int components, std::uint64_t seed);

// The top_k best matches of every query cell among its shortlist, best first; similarities are
// full-length cosines, as exact search computes them. Deterministic for a seed and thread count.
// Throws std::invalid_argument on malformed input or non-finite values.
CorrespondenceField ProjectedSearch(const MapView& query, const Database& database,
                                    const ProjectedSearchOptions& options = {});

}  // namespace compnn
