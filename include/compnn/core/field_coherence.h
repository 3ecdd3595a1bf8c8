// How coherent an explanation is: whether a correspondence field pastes a few large regions from
// a few training images, or scatters each query over many images cell by cell. Faithfulness
// (agreement with the network) says whether an explanation is right; coherence says whether a
// person can read it.
#pragma once

#include "compnn/core/correspondence.h"

namespace compnn {

struct FieldCoherence {
  // Share of the cells whose best match lies in one of the `top_sources` images that supply the
  // most cells.
  double top_sources_share = 0;
  // Mean size, in cells, of the regions of 4-connected cells whose best matches come from the same
  // training image.
  double mean_region_cells = 0;
  int regions = 0;
  int images = 0;  // distinct training images used
};

// Measures the best match of each cell (rank 0). Throws std::invalid_argument for top_sources < 1
// or an empty field.
FieldCoherence MeasureCoherence(const CorrespondenceField& field, int top_sources = 5);

}  // namespace compnn
