#include "compnn/explain/correspondence_map.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "compnn/explain/figure.h"
#include "compnn/explain/reconstruction.h"

namespace compnn {

std::vector<SourceShare> SourceShares(const cv::Mat& source_map) {
  if (source_map.type() != CV_32S || source_map.empty())
    throw std::invalid_argument("source map must be a non-empty CV_32S image");
  std::map<int, long long> counts;
  for (int y = 0; y < source_map.rows; ++y) {
    const int* row = source_map.ptr<int>(y);
    for (int x = 0; x < source_map.cols; ++x) ++counts[row[x]];
  }
  std::vector<SourceShare> shares;
  const double total = static_cast<double>(source_map.total());
  for (const auto& [image, count] : counts) shares.push_back({image, count / total});
  std::stable_sort(shares.begin(), shares.end(),
                   [](const SourceShare& a, const SourceShare& b) { return a.share > b.share; });
  return shares;
}

cv::Vec3b HighlightColour(int rank) {
  // A qualitative palette (BGR) whose colours stay apart from each other and from grey.
  static const cv::Vec3b kColours[] = {
      {180, 119, 31}, {14, 127, 255},  {44, 160, 44},  {40, 39, 214},  {189, 103, 148},
      {75, 86, 140},  {194, 119, 227}, {34, 189, 188}, {207, 190, 23}, {0, 0, 0}};
  constexpr int kCount = sizeof(kColours) / sizeof(kColours[0]);
  return rank >= 0 && rank < kCount ? kColours[rank] : kLongTailGrey;
}

cv::Mat ColourBySource(const cv::Mat& source_map, const std::vector<SourceShare>& shares,
                       int highlighted) {
  std::map<int, cv::Vec3b> colour;
  for (int rank = 0; rank < std::min<int>(highlighted, shares.size()); ++rank)
    colour[shares[rank].image] = HighlightColour(rank);
  cv::Mat out(source_map.size(), CV_8UC3);
  for (int y = 0; y < source_map.rows; ++y) {
    for (int x = 0; x < source_map.cols; ++x) {
      const auto it = colour.find(source_map.at<int>(y, x));
      out.at<cv::Vec3b>(y, x) = it == colour.end() ? kLongTailGrey : it->second;
    }
  }
  return out;
}

cv::Mat UsedRegion(const CorrespondenceField& field, int stride, int image, cv::Size source_size) {
  cv::Mat mask(source_size, CV_8U, cv::Scalar(0));
  for (const Match& m : field.matches) {
    if (m.image != image) continue;
    const cv::Rect patch(m.x * stride, m.y * stride, stride, stride);
    mask(patch & cv::Rect(0, 0, source_size.width, source_size.height)).setTo(255);
  }
  return mask;
}

cv::Mat CorrespondenceMapFigure(const CorrespondenceMapInputs& in) {
  // Tiles keep the query's aspect ratio, the longer side `side` pixels.
  const cv::Size tile = TileFor(in.query_input.size(), in.side);
  const cv::Mat source_map = SourceImageMap(in.field, in.stride);
  const std::vector<SourceShare> shares = SourceShares(source_map);
  cv::Mat coded = ColourBySource(source_map, shares, in.highlighted);
  cv::Mat reconstruction, coded_big;
  cv::resize(in.reconstruction, reconstruction, coded.size(), 0, 0, cv::INTER_NEAREST);
  coded = Tint(reconstruction, coded, 0.6);

  std::vector<std::vector<Tile>> rows(1);
  rows[0].push_back({in.query_input, "query input", ""});
  if (!in.ground_truth.empty()) rows[0].push_back({in.ground_truth, "ground truth", ""});
  rows[0].push_back({in.network_output, "network output", ""});
  rows[0].push_back({in.reconstruction, "output reconstruction", "pasted training targets"});
  if (!in.prediction_reconstruction.empty())
    rows[0].push_back(
        {in.prediction_reconstruction, "prediction reconstruction", "pasted network outputs"});
  char caption[96];
  std::snprintf(caption, sizeof caption, "%zu training images; grey: the rest", shares.size());
  rows[0].push_back({coded, "coloured by source image", caption});

  std::vector<Tile> sources;
  for (int rank = 0; rank < std::min<int>(in.highlighted, shares.size()); ++rank) {
    const int image = shares[rank].image;
    const cv::Mat& source = in.sources.at(image);
    // Enlarge first, then outline, so the outline stays one display pixel thin.
    cv::Mat big, mask;
    cv::resize(source, big, tile, 0, 0, cv::INTER_NEAREST);
    cv::resize(UsedRegion(in.field, in.stride, image, source.size()), mask, big.size(), 0, 0,
               cv::INTER_NEAREST);
    cv::Mat tinted = big.clone();
    const cv::Vec3b colour = HighlightColour(rank);
    const cv::Scalar scalar(colour[0], colour[1], colour[2]);
    tinted.setTo(scalar, mask);
    big = Tint(big, tinted, 0.35);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(big, contours, -1, scalar, 2);
    std::snprintf(caption, sizeof caption, "%.1f%% of the pixels", 100.0 * shares[rank].share);
    const std::string name = image < static_cast<int>(in.names.size()) ? in.names[image] : "";
    sources.push_back({big, std::string(1, static_cast<char>('A' + rank)) + ": " + name, caption});
  }
  // At most five source tiles per row.
  for (std::size_t i = 0; i < sources.size(); i += 5) {
    rows.emplace_back(sources.begin() + i, sources.begin() + std::min(sources.size(), i + 5));
  }
  return TileGrid(in.heading, rows, tile);
}

}  // namespace compnn
