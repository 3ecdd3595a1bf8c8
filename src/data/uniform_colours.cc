// The colours of label images' uniform regions, by the palette colour they were read as
// (UniformRegionColours), and the check that they sit on their palette colours.
#include "uniform_colours.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>

namespace compnn {
namespace data {
namespace {

double RgbDistance(const cv::Vec3d& a, const cv::Vec3d& b) { return cv::norm(a - b); }

}  // namespace

void AddFound(std::vector<ColourRecoveryStats::FoundColour>& found, const cv::Vec3d& colour,
              std::int64_t pixels) {
  auto same = std::find_if(found.begin(), found.end(), [&](const auto& f) {
    return RgbDistance(f.rgb, colour) <= kSameFoundColour;
  });
  if (same == found.end()) {
    found.push_back({colour, pixels});
  } else {
    const double n = static_cast<double>(same->pixels + pixels);
    same->rgb =
        (same->rgb * static_cast<double>(same->pixels) + colour * static_cast<double>(pixels)) / n;
    same->pixels += pixels;
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.pixels > b.pixels; });
}

namespace {

// The uniform pixels' exact colours grouped, the most common colours first.
std::vector<ColourRecoveryStats::FoundColour> FoundColours(const cv::Mat& bgr,
                                                           const cv::Mat& uniform) {
  std::map<std::uint32_t, std::int64_t> counts;
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      if (!uniform.at<std::uint8_t>(y, x)) continue;
      const cv::Vec3b& p = bgr.at<cv::Vec3b>(y, x);
      ++counts[std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0]];
    }
  }
  std::vector<std::pair<std::int64_t, std::uint32_t>> by_count;
  for (const auto& [colour, n] : counts) by_count.push_back({n, colour});
  std::sort(by_count.rbegin(), by_count.rend());
  std::vector<ColourRecoveryStats::FoundColour> found;
  for (const auto& [n, c] : by_count)
    AddFound(found, cv::Vec3d(c >> 16, (c >> 8) & 255, c & 255), n);
  return found;
}

// A JPEG-smeared uniform region varies by a few units per channel; a label edge by far more.
constexpr int kUniformSpread = 8;

bool IsUniform(const cv::Mat& bgr, int y, int x) {
  const cv::Vec3b& centre = bgr.at<cv::Vec3b>(y, x);
  for (int dy = -1; dy <= 1; ++dy) {
    const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(y + dy);
    for (int dx = -1; dx <= 1; ++dx) {
      for (int c = 0; c < 3; ++c) {
        if (std::abs(row[x + dx][c] - centre[c]) > kUniformSpread / 2) return false;
      }
    }
  }
  return true;
}

}  // namespace

void AddUniformRegions(const cv::Mat& bgr, const std::vector<std::uint16_t>& labels,
                       const std::vector<cv::Vec3b>& palette, ColourRecoveryStats& stats) {
  std::vector<UniformRegionColours> by_colour(palette.size());
  for (std::size_t k = 0; k < palette.size(); ++k) by_colour[k].palette_rgb = palette[k];
  cv::Mat uniform = cv::Mat::zeros(bgr.size(), CV_8U);
  for (int y = 1; y + 1 < bgr.rows; ++y) {
    for (int x = 1; x + 1 < bgr.cols; ++x) {
      if (!IsUniform(bgr, y, x)) continue;
      uniform.at<std::uint8_t>(y, x) = 1;
      const cv::Vec3b& p = bgr.at<cv::Vec3b>(y, x);
      UniformRegionColours& u = by_colour[labels[y * bgr.cols + x]];
      const cv::Vec3d rgb(p[2], p[1], p[0]);
      ++u.pixels;
      u.rgb_sum += rgb;
      const double offset =
          RgbDistance(rgb, cv::Vec3d(u.palette_rgb[0], u.palette_rgb[1], u.palette_rgb[2]));
      ++u.offsets[std::min<int>(UniformRegionColours::kOffsetBins - 1,
                                static_cast<int>(offset / UniformRegionColours::kOffsetBin))];
    }
  }
  std::erase_if(by_colour, [](const UniformRegionColours& u) { return u.pixels == 0; });
  stats.uniform = std::move(by_colour);
  stats.found = FoundColours(bgr, uniform);
}

}  // namespace data

cv::Vec3d UniformRegionColours::Mean() const {
  return pixels == 0 ? cv::Vec3d(0, 0, 0) : rgb_sum / static_cast<double>(pixels);
}

double UniformRegionColours::ShareBeyond(double distance) const {
  if (pixels == 0) return 0.0;
  std::int64_t beyond = 0;
  for (int bin = static_cast<int>(distance / kOffsetBin) + 1; bin < kOffsetBins; ++bin)
    beyond += offsets[bin];
  return static_cast<double>(beyond) / static_cast<double>(pixels);
}

double UniformRegionColours::MedianOffset() const {
  std::int64_t seen = 0;
  for (int bin = 0; bin < kOffsetBins; ++bin) {
    seen += offsets[bin];
    if (2 * seen >= pixels) return (bin + 0.5) * kOffsetBin;
  }
  return 0.0;
}

std::optional<UniformColourMisfit> WorstUniformColourMisfit(const ColourRecoveryStats& stats,
                                                            const std::vector<LabelColour>& colours,
                                                            double max_offset,
                                                            std::int64_t min_pixels) {
  std::optional<UniformColourMisfit> worst;
  double worst_ratio = 0;
  for (const UniformRegionColours& u : stats.uniform) {
    if (u.pixels < min_pixels) continue;
    const cv::Vec3d own(u.palette_rgb[0], u.palette_rgb[1], u.palette_rgb[2]);
    const auto it = std::find_if(colours.begin(), colours.end(),
                                 [&](const LabelColour& c) { return c.rgb == u.palette_rgb; });
    if (it == colours.end()) continue;
    double spacing = std::numeric_limits<double>::max();
    for (const LabelColour& c : colours) {
      if (c.id != it->id)
        spacing =
            std::min(spacing, data::RgbDistance(own, cv::Vec3d(c.rgb[0], c.rgb[1], c.rgb[2])));
    }
    if (spacing == std::numeric_limits<double>::max()) continue;  // one class: nothing to confuse
    if (u.ShareBeyond(max_offset * spacing) <= 0.5) continue;
    const double offset = u.MedianOffset();
    if (offset / spacing > worst_ratio) {
      worst_ratio = offset / spacing;
      worst = UniformColourMisfit{u.palette_rgb, it->id, u.Mean(), offset, spacing};
    }
  }
  return worst;
}

double ColourRecoveryStats::FarFraction() const {
  return pixels == 0 ? 0.0 : static_cast<double>(far) / static_cast<double>(pixels);
}

}  // namespace compnn
