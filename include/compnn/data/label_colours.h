// Colour label images back to class ids after lossy compression. pix2pix publishes its datasets
// (facades, cityscapes) as JPEG pairs (quality ~90, 4:2:0 chroma subsampling), which smears label
// colours at every edge: a plain nearest-colour snap loses several percent of the pixels there.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace compnn {

// A colour label images use, and the class id it stands for (a class 0..254, or kIgnoreClass from
// "compnn/eval/metrics.h"). Several colours may stand for one id.
struct LabelColour {
  cv::Vec3b rgb;
  std::uint8_t id;
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
  void Add(const ColourRecoveryStats& other);
  double FarFraction() const;  // far / pixels; 0 for no pixels
};

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

}  // namespace compnn
