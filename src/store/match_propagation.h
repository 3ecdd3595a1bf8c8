// Propagation of matches between neighbouring query cells (internal to compnn_store): the cell
// index's shortlist misses matches its compressed codes rank too low, and a neighbour's match,
// shifted by one cell, often is the better one, as HyperPatch-Match's propagation finds.
#pragma once

#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn::internal {

// Improves `field` (the query's matches in `database`, k per cell, best first) by up to `passes`
// passes: in each, every cell tries the matches of its four neighbours, shifted by the
// neighbour's offset (clamped at the map's border), against `unit_rows` (the query's unit
// hyperpatches, UnitHyperpatchRows) with full-length cosines, and keeps its k best distinct
// matches. A pass reads the field as the last one left it, so the result does not depend on the
// thread count. Stops early after a pass that changed nothing; returns the passes run. Matches
// only ever improve.
template <typename Database_>
int PropagateMatches(const std::vector<float>& unit_rows, const Database_& database,
                     const HyperpatchShape& hyperpatch, int passes, int threads,
                     CorrespondenceField* field);

}  // namespace compnn::internal
