// Semantic correspondence (paper, Figure 8a): image A's hyperpatches matched to image B's alone (a
// database of one image), drawn so that a reader sees which part of B stands for which part of A.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

#include "compnn/core/correspondence.h"
#include "compnn/data/dataset.h"

namespace compnn {

struct SemanticCorrespondenceInputs {
  std::string heading;
  cv::Mat image_a, image_b;  // BGR, the network's inputs
  std::string name_a, name_b;
  CorrespondenceField field;  // A's cells matched into B (image 0)
  int stride = 1;
  // Per-pixel class ids of A (the network's prediction) to colour by class, with the palette;
  // empty: colour by position in A.
  cv::Mat classes_a;
  const Palette* palette = nullptr;
  int lines = 40;  // matches drawn in the lines view: a seeded sample, in turn from each colour
  std::uint64_t seed = 0;
  int side = 256;
};

// The colour code of each cell of A (field size, CV_8UC3): the palette colour of the class at the
// cell's centre, or a hue that follows x and a brightness that follows y.
cv::Mat CellCodes(const SemanticCorrespondenceInputs& inputs);

// A tinted with its cells' codes | B tinted where A's cells land, in their codes | a lines view of
// A and B side by side joined at a sample of matches.
cv::Mat SemanticCorrespondenceFigure(const SemanticCorrespondenceInputs& inputs);

}  // namespace compnn
