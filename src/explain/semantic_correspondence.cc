#include "compnn/explain/semantic_correspondence.h"

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <random>

#include "compnn/explain/figure.h"

namespace compnn {

cv::Mat CellCodes(const SemanticCorrespondenceInputs& in) {
  const CorrespondenceField& f = in.field;
  cv::Mat codes(f.height, f.width, CV_8UC3);
  for (int y = 0; y < f.height; ++y) {
    for (int x = 0; x < f.width; ++x) {
      if (!in.classes_a.empty() && in.palette) {
        const int cy = std::min(in.classes_a.rows - 1, y * in.stride + in.stride / 2);
        const int cx = std::min(in.classes_a.cols - 1, x * in.stride + in.stride / 2);
        codes.at<cv::Vec3b>(y, x) = in.palette->Bgr(in.classes_a.at<uchar>(cy, cx));
      } else {
        cv::Mat hsv(1, 1, CV_8UC3,
                    cv::Scalar(170.0 * x / std::max(1, f.width - 1), 220,
                               255 - 150.0 * y / std::max(1, f.height - 1)));
        cv::Mat bgr;
        cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
        codes.at<cv::Vec3b>(y, x) = bgr.at<cv::Vec3b>(0, 0);
      }
    }
  }
  return codes;
}

namespace {

// Pixels per cell in the figure's tiles: A's cells along x and y, then B's.
struct CellScales {
  double ax, ay, bx, by;
};

// B: the code of every A cell that lands on a B cell, averaged where several do.
cv::Mat TintWhereMatched(const cv::Mat& b, const CorrespondenceField& f, const cv::Mat& codes,
                         const CellScales& s) {
  cv::Mat sum(b.size(), CV_32FC3, cv::Scalar::all(0)), count(b.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < f.height; ++y) {
    for (int x = 0; x < f.width; ++x) {
      const Match& m = f.at(y, x);
      const cv::Rect cell(static_cast<int>(m.x * s.bx), static_cast<int>(m.y * s.by),
                          std::max(1, static_cast<int>(s.bx)), std::max(1, static_cast<int>(s.by)));
      const cv::Vec3b c = codes.at<cv::Vec3b>(y, x);
      sum(cell) += cv::Scalar(c[0], c[1], c[2]);
      count(cell) += 1.0;
    }
  }
  cv::Mat b_tinted = b.clone();
  for (int y = 0; y < b.rows; ++y) {
    for (int x = 0; x < b.cols; ++x) {
      const float n = count.at<float>(y, x);
      if (n == 0) continue;
      const cv::Vec3f code = sum.at<cv::Vec3f>(y, x) / n;
      const cv::Vec3b pixel = b.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k)
        b_tinted.at<cv::Vec3b>(y, x)[k] =
            cv::saturate_cast<uchar>(0.45 * pixel[k] + 0.55 * code[k]);
    }
  }
  return b_tinted;
}

// The lines view's cells: a seeded sample, taken in turn from each colour code so that small
// classes get lines too.
std::vector<int> SampleCells(const CorrespondenceField& f, const cv::Mat& codes, std::uint64_t seed,
                             int lines) {
  std::map<std::array<uchar, 3>, std::vector<int>> groups;
  for (int cell = 0; cell < f.height * f.width; ++cell) {
    const cv::Vec3b c = codes.at<cv::Vec3b>(cell / f.width, cell % f.width);
    groups[{c[0], c[1], c[2]}].push_back(cell);
  }
  std::mt19937_64 rng(seed);
  for (auto& [code, members] : groups) std::shuffle(members.begin(), members.end(), rng);
  std::vector<int> cells;
  const std::size_t wanted = std::min<std::size_t>(f.height * f.width, std::max(0, lines));
  for (std::size_t round = 0; cells.size() < wanted; ++round) {
    for (auto& [code, members] : groups) {
      if (round < members.size() && cells.size() < wanted) cells.push_back(members[round]);
    }
  }
  return cells;
}

// Joins each cell of A (left in `pair`) to its match in B (right), in the cell's code.
void DrawMatchLines(cv::Mat& pair, const std::vector<int>& cells, const CorrespondenceField& f,
                    const cv::Mat& codes, int tile_width, const CellScales& s) {
  for (int cell : cells) {
    const int y = cell / f.width, x = cell % f.width;
    const Match& m = f.at(y, x);
    const cv::Vec3b c = codes.at<cv::Vec3b>(y, x);
    const cv::Point from((x + 0.5) * s.ax, (y + 0.5) * s.ay);
    const cv::Point to(tile_width + (m.x + 0.5) * s.bx, (m.y + 0.5) * s.by);
    cv::line(pair, from, to, cv::Scalar(c[0], c[1], c[2]), 1, cv::LINE_AA);
    cv::circle(pair, from, 3, cv::Scalar(c[0], c[1], c[2]), cv::FILLED, cv::LINE_AA);
    cv::circle(pair, to, 3, cv::Scalar(c[0], c[1], c[2]), cv::FILLED, cv::LINE_AA);
  }
}

}  // namespace

cv::Mat SemanticCorrespondenceFigure(const SemanticCorrespondenceInputs& in) {
  // Tiles keep A's aspect ratio, the longer side `side` pixels.
  const cv::Size tile = TileFor(in.image_a.size(), in.side);
  const CorrespondenceField& f = in.field;
  const cv::Mat codes = CellCodes(in);
  // Work at display size so that cells and lines stay sharp.
  cv::Mat a, b;
  cv::resize(in.image_a, a, tile, 0, 0, cv::INTER_AREA);
  cv::resize(in.image_b, b, tile, 0, 0, cv::INTER_AREA);
  const CellScales scales{static_cast<double>(tile.width) / f.width,
                          static_cast<double>(tile.height) / f.height,
                          static_cast<double>(tile.width) / (in.image_b.cols / in.stride),
                          static_cast<double>(tile.height) / (in.image_b.rows / in.stride)};

  cv::Mat a_codes;
  cv::resize(codes, a_codes, a.size(), 0, 0, cv::INTER_NEAREST);
  const cv::Mat a_tinted = Tint(a, a_codes, 0.55);
  const cv::Mat b_tinted = TintWhereMatched(b, f, codes, scales);
  cv::Mat pair;
  cv::hconcat(a, b, pair);
  const std::vector<int> cells = SampleCells(f, codes, in.seed, in.lines);
  DrawMatchLines(pair, cells, f, codes, tile.width, scales);
  const std::string code = in.classes_a.empty() ? "colour = position in A" : "colour = class of A";
  return TileGrid(in.heading,
                  {{{a_tinted, "A: " + in.name_a, code},
                    {b_tinted, "B: " + in.name_b, "where A's patches land"},
                    {pair, "matches (sample of " + std::to_string(cells.size()) + ")", "", 2}}},
                  tile);
}

}  // namespace compnn
