// Figures: captioned image grids (write them with WritePng from dataset_writer.h).
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace compnn {

// One image of a figure with a title above it and an optional caption below.
struct Tile {
  cv::Mat image;  // BGR 8-bit; an empty tile leaves its place blank
  std::string title, caption;
  int span = 1;  // columns the tile covers; its image is scaled to span x 1 tiles
};

// Tiles in rows (rows may differ in length), each image scaled to its span of `tile` (width x
// height; nearest neighbour when enlarging, so patches stay crisp), under a heading. BGR 8-bit on
// white.
cv::Mat TileGrid(const std::string& heading, const std::vector<std::vector<Tile>>& rows,
                 const cv::Size& tile);
// Square tiles of `side` x `side`.
cv::Mat TileGrid(const std::string& heading, const std::vector<std::vector<Tile>>& rows, int side);

// The tile that shows an image of `image`'s aspect ratio with its longer side `side` pixels.
cv::Size TileFor(const cv::Size& image, int side);

// `image` blended with `overlay` of the same size (alpha: the overlay's weight).
cv::Mat Tint(const cv::Mat& image, const cv::Mat& overlay, double alpha);

}  // namespace compnn
