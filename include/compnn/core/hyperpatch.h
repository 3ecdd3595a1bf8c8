// Hyperpatches (paper, section 3.1): the block of cells that represents one cell of a map.
#pragma once

#include <vector>

#include "compnn/core/activation_map.h"

namespace compnn {

// Cell (y, x) is represented by the height x width x depth block whose top-left cell is
// (y - (height - 1) / 2, x - (width - 1) / 2); cells outside the map are clamped to the border.
// The default 2 x 2 is the paper's choice for every pix2pix layer (Table 3).
struct HyperpatchShape {
  int height = 2;
  int width = 2;

  int top() const { return (height - 1) / 2; }
  int left() const { return (width - 1) / 2; }
  // Length of the flattened hyperpatch of a map of the given depth.
  int length(int depth) const { return height * width * depth; }

  bool operator==(const HyperpatchShape&) const = default;
};

// Throws std::invalid_argument when a side is smaller than 1.
void ValidateHyperpatch(const HyperpatchShape& shape);

// As above, and for maps of the given size: throws when a side is larger than the map's (past it
// a hyperpatch only repeats border cells; 2 stays allowed on a side of 1 cell, as at pix2pix's
// bottleneck) or when the flattened hyperpatch would hold 2^31 values or more.
void ValidateHyperpatch(const HyperpatchShape& shape, int map_height, int map_width, int depth);

// Writes the flattened hyperpatch of cell (y, x) into `out` (shape.length(map.depth) floats).
void GatherHyperpatch(const MapView& map, const HyperpatchShape& shape, int y, int x, float* out);

// Writes the hyperpatches of cells [first_cell, first_cell + count) in raster order as rows of
// unit length; a hyperpatch of norm 0 stays a zero row, so its cosine with anything is 0.
// Returns false when a hyperpatch holds a NaN or an infinity.
bool PackUnitHyperpatches(const MapView& map, const HyperpatchShape& shape, int first_cell,
                          int count, float* out);

// Every cell's unit hyperpatch as rows (cells() x shape.length(depth)), packed on `threads`
// threads. The map must be finite (see RequireFinite).
std::vector<float> UnitHyperpatchRows(const MapView& map, const HyperpatchShape& shape,
                                      int threads);

// Every cell's squared norm (height * width values, raster order, in double so that neither large
// nor denormal activations leave float's range): with them, a hyperpatch's norm is a sum of a
// few values, and a cosine costs one dot product.
std::vector<double> CellSquaredNorms(const MapView& map);
std::vector<double> CellSquaredNorms(const HalfMapView& map);

// Cosine similarity between a unit-length flattened hyperpatch `unit_query` and the hyperpatch
// of cell (y, x) of `map`, computed without materialising the latter; `cell_squared_norms` are
// the map's CellSquaredNorms. Returns 0 when the latter has norm 0, and NaN when the map holds a
// NaN or an infinity there.
// A float16 map gives exactly what its float32 copy gives.
float CosineToCell(const float* unit_query, const MapView& map, const double* cell_squared_norms,
                   const HyperpatchShape& shape, int y, int x);
float CosineToCell(const float* unit_query, const HalfMapView& map,
                   const double* cell_squared_norms, const HyperpatchShape& shape, int y, int x);

}  // namespace compnn
