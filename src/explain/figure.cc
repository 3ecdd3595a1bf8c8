#include "compnn/explain/figure.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace compnn {
namespace {

constexpr int kGap = 8;
constexpr int kTitle = 18;    // title line above a tile
constexpr int kCaption = 16;  // caption line below a tile
constexpr int kHeading = 28;
constexpr double kFontScale = 0.42;

// Shortens `text` with an ellipsis until it fits `width` pixels.
std::string Fit(std::string text, int width, double scale) {
  int baseline = 0;
  while (!text.empty() &&
         cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline).width > width) {
    text = text.substr(0, text.size() > 4 ? text.size() - 4 : 0) + "...";
    if (text == "...") break;
  }
  return text;
}

void Put(cv::Mat& canvas, const std::string& text, cv::Point at, int width, double scale,
         cv::Scalar colour) {
  cv::putText(canvas, Fit(text, width, scale), at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1,
              cv::LINE_AA);
}

cv::Mat AsBgr(const cv::Mat& image) {
  if (image.type() == CV_8UC3) return image;
  cv::Mat bgr;
  if (image.type() == CV_8U) {
    cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
  }
  throw std::invalid_argument("figure: tiles must be 8-bit grey or BGR images");
}

}  // namespace

cv::Size TileFor(const cv::Size& image, int side) {
  if (image.width <= 0 || image.height <= 0) return {side, side};
  const double scale = static_cast<double>(side) / std::max(image.width, image.height);
  return {std::max(1, static_cast<int>(std::lround(image.width * scale))),
          std::max(1, static_cast<int>(std::lround(image.height * scale)))};
}

cv::Mat TileGrid(const std::string& heading, const std::vector<std::vector<Tile>>& rows, int side) {
  return TileGrid(heading, rows, cv::Size(side, side));
}

cv::Mat TileGrid(const std::string& heading, const std::vector<std::vector<Tile>>& rows,
                 const cv::Size& tile_size) {
  const int side = tile_size.height, tile_width = tile_size.width;
  int columns = 1;
  for (const auto& row : rows) {
    int used = 0;
    for (const Tile& tile : row) used += std::max(1, tile.span);
    columns = std::max(columns, used);
  }
  const int cell_w = tile_width + kGap, cell_h = kTitle + side + kCaption + kGap;
  const int width = kGap + columns * cell_w;
  const int height = kHeading + static_cast<int>(rows.size()) * cell_h + kGap;
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  Put(canvas, heading, {kGap, 19}, width - 2 * kGap, 0.55, {0, 0, 0});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    int column = 0;
    for (const Tile& tile : rows[r]) {
      const int span = std::max(1, tile.span);
      const int x = kGap + column * cell_w;
      const int y = kHeading + static_cast<int>(r) * cell_h;
      const int tile_w = span * tile_width + (span - 1) * kGap;
      column += span;
      Put(canvas, tile.title, {x, y + kTitle - 5}, tile_w, kFontScale, {0, 0, 0});
      if (!tile.image.empty()) {
        cv::Mat scaled;
        const bool enlarge = tile.image.rows < side;
        cv::resize(AsBgr(tile.image), scaled, cv::Size(tile_w, side), 0, 0,
                   enlarge ? cv::INTER_NEAREST : cv::INTER_AREA);
        scaled.copyTo(canvas(cv::Rect(x, y + kTitle, tile_w, side)));
      }
      Put(canvas, tile.caption, {x, y + kTitle + side + kCaption - 4}, tile_w, 0.38, {70, 70, 70});
    }
  }
  return canvas;
}

cv::Mat Tint(const cv::Mat& image, const cv::Mat& overlay, double alpha) {
  cv::Mat out;
  cv::addWeighted(AsBgr(image), 1.0 - alpha, AsBgr(overlay), alpha, 0.0, out);
  return out;
}

}  // namespace compnn
