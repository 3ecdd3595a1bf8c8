// Colour label images back to class ids after lossy compression. pix2pix publishes its datasets
// (facades, cityscapes) as JPEG pairs (quality ~90, 4:2:0 chroma subsampling), which smears label
// colours at every edge: a plain nearest-colour snap loses several percent of the pixels there.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace compnn {

// A colour label images use, and the class id it stands for (a class 0..254, or kIgnoreClass from
// "compnn/eval/metrics.h"). Several colours may stand for one id.
struct LabelColour {
  cv::Vec3b rgb;
  std::uint8_t id;
};

// The colours of a label image's uniform regions (pixels whose 3 x 3 neighbourhood holds one
// colour, give or take JPEG's noise), by the palette colour they were read as. Every pixel lies
// near *some* colour of a palette whose colours are near the image's own (CMP's and pix2pix's
// facades colours both run along a jet colour map), so `far` cannot tell them apart; the mean
// colour of uniform regions can: with the right palette it sits within a few units of its colour.
// A few JPEG-smeared pixels of a thin class's neighbour may read as that class (Cityscapes' fence
// beside a pole), so the check looks at how far each pixel lies from its colour, not at the mean.
struct UniformRegionColours {
  static constexpr int kOffsetBin = 4;     // RGB units per bin of `offsets`
  static constexpr int kOffsetBins = 112;  // up to the largest RGB distance, 442

  cv::Vec3b palette_rgb;  // the palette colour the pixels were read as
  std::int64_t pixels = 0;
  cv::Vec3d rgb_sum = {0, 0, 0};
  // Pixels by their RGB distance from palette_rgb, in bins of kOffsetBin.
  std::array<std::int64_t, kOffsetBins> offsets{};
  cv::Vec3d Mean() const;  // RGB
  // The share of the pixels farther than `distance` from palette_rgb (to the bin).
  double ShareBeyond(double distance) const;
  double MedianOffset() const;  // to the bin's middle
};

// How far a label image's colours were from the palette.
struct ColourRecoveryStats {
  std::int64_t pixels = 0;   // pixels seen
  std::int64_t inexact = 0;  // not exactly a palette colour
  // Farther than the tolerance (Euclidean RGB distance) from every palette colour, and from the
  // colour the recovered classes decode to (near a label edge, JPEG's blend of their colours).
  // The palette alone cannot tell a right palette from a wrong one: JPEG smears up to 3% of a
  // facade image's pixels more than 150 from every CMP colour, while Cityscapes' colours lie
  // within 150 of 11 of the 12.
  std::int64_t far = 0;
  std::vector<UniformRegionColours> uniform;  // one entry per palette colour read there
  // The colours the uniform regions hold, whatever they were read as: pixels within
  // kSameFoundColour of a more common colour join its group; most common first.
  struct FoundColour {
    cv::Vec3d rgb;  // the group's mean
    std::int64_t pixels = 0;
  };
  std::vector<FoundColour> found;
  void Add(const ColourRecoveryStats& other);
  double FarFraction() const;  // far / pixels; 0 for no pixels
};

// RGB distance within which two uniform colours count as one found colour (JPEG's noise).
inline constexpr double kSameFoundColour = 12.0;

// The default tolerance for `far`, from 60 facade label maps (256 x 256) through JPEG quality 90
// and 75. Per image, the right palette (CMP's 12 colours) leaves at most 0.96% of the pixels far
// at tolerance 50, 0.32% at 75, none at 100; a wrong one (Cityscapes' 19 train colours) at least
// 13%, 9.8%, 2.8%; the photo side instead of the labels (quality 90) at least 40%, 19%, 5.8%. At 75
// the right palette stays 6 times under a 2% limit and the wrong cases 5 times over it.
inline constexpr double kDefaultColourTolerance = 75.0;

// Class ids (CV_8U) of a BGR label image (OpenCV channel order) that went through lossy
// compression; `colours` lists every colour the images use (a colour listed twice keeps its first
// id). Each pixel first takes the colour nearest in a luma-weighted YCbCr distance (JPEG keeps
// luma at full resolution and smears chroma); then pixels at label edges move to the class among
// their 3 x 3 neighbours' that, passed through JPEG's 2 x 2 chroma averaging and upsampling (the
// grid's phase found from the image), best reproduces the observed colours, with a small cost
// for each neighbour of another class. Deterministic; one thread. `stats` (may be null) receives
// the counts for this image. Throws std::runtime_error for an image that is not 8-bit BGR, no
// colours or a negative tolerance.
cv::Mat RecoverLabelClasses(const cv::Mat& bgr, const std::vector<LabelColour>& colours,
                            double tolerance = kDefaultColourTolerance,
                            ColourRecoveryStats* stats = nullptr);

// A palette colour whose uniform regions sat away from it: their median pixel is `offset` from
// the palette colour, while the nearest colour of another class in the palette is `spacing` away.
struct UniformColourMisfit {
  cv::Vec3b palette_rgb;
  std::uint8_t id = 0;
  cv::Vec3d found;  // the uniform regions' mean RGB
  double offset = 0, spacing = 0;
};

// Among the palette colours read in at least `min_pixels` uniform pixels, those more than half of
// whose pixels lie farther from it than `max_offset` times `spacing`: the one with the largest
// median offset relative to its spacing; none when every colour's pixels mostly sit close to it.
std::optional<UniformColourMisfit> WorstUniformColourMisfit(const ColourRecoveryStats& stats,
                                                            const std::vector<LabelColour>& colours,
                                                            double max_offset,
                                                            std::int64_t min_pixels = 64);

}  // namespace compnn
