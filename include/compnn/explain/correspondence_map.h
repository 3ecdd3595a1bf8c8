// Correspondence maps (paper, Figure 7): which training images a reconstruction was composed
// from, and which of their regions it used.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"

namespace compnn {

struct SourceShare {
  int image = -1;
  double share = 0.0;  // fraction of the reconstruction's pixels
};

// The images of a source-image map (see SourceImageMap), most pixels first (ties to the lower
// index); the shares sum to 1.
std::vector<SourceShare> SourceShares(const cv::Mat& source_map);

// The colour that marks the source of rank `rank` (0 = largest share) among the highlighted ones;
// sources past the highlighted ones are grey.
cv::Vec3b HighlightColour(int rank);
inline const cv::Vec3b kLongTailGrey{160, 160, 160};

// Each pixel of a source-image map in the colour of its source: the first `highlighted` of
// `shares` in distinct colours, every other source grey.
cv::Mat ColourBySource(const cv::Mat& source_map, const std::vector<SourceShare>& shares,
                       int highlighted);

// The pixels of training image `image` (of `source_size`) that the field pastes from: the
// stride x stride patch of every cell matched there. CV_8U, 255 where used.
cv::Mat UsedRegion(const CorrespondenceField& field, int stride, int image, cv::Size source_size);

struct CorrespondenceMapInputs {
  std::string heading;
  cv::Mat query_input, ground_truth, network_output;  // BGR; ground truth may be empty
  cv::Mat reconstruction;                             // the output reconstruction
  cv::Mat prediction_reconstruction;  // pasted from the network's outputs; empty: not shown
  CorrespondenceField field;
  int stride = 1;
  std::vector<cv::Mat> sources;  // training targets, indexed like the field's images
  std::vector<std::string> names;
  int highlighted = 5;
  int side = 256;  // pixels per tile
};

// The figure: query, truth, network output, output reconstruction, prediction reconstruction
// (when given) and the colour-coded sources on the first row; the highlighted source images with
// the regions used outlined in their colours, and captioned with their names and shares, below.
cv::Mat CorrespondenceMapFigure(const CorrespondenceMapInputs& inputs);

}  // namespace compnn
