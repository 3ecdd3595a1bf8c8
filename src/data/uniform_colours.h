// Within the data library: gathering the colours of a label image's uniform regions, for
// RecoverLabelClasses (label_colours.h declares the public types and the check).
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "compnn/data/label_colours.h"

namespace compnn::data {

// Adds `colour` (the mean of `pixels` pixels) to the group within kSameFoundColour, or as a new
// group; keeps the groups most common first.
void AddFound(std::vector<ColourRecoveryStats::FoundColour>& found, const cv::Vec3d& colour,
              std::int64_t pixels);

// Sets stats.uniform (the uniform pixels by the palette colour `labels` read them as: indices
// into `palette`, RGB) and stats.found (the colours they hold).
void AddUniformRegions(const cv::Mat& bgr, const std::vector<std::uint16_t>& labels,
                       const std::vector<cv::Vec3b>& palette, ColourRecoveryStats& stats);

}  // namespace compnn::data
