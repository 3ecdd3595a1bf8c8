// Reconstructions (paper, sections 3.3 and 4.1): an image composed by pasting, for every query
// cell, the pixels behind its matched training cell. Pasting from the training inputs gives the
// input reconstruction (IR), from the training targets the output reconstruction (OR).
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/eval/metrics.h"

namespace compnn {

// How matched cells become pixels.
struct PasteGeometry {
  int stride = 1;  // pixels per cell: the patch behind a cell is stride x stride
  // Cells per pasted block. 1 x 1 pastes each cell's own patch (no overlap); the hyperpatch shape
  // pastes the whole matched hyperpatch, so blocks overlap and are averaged (photos) or voted
  // (labels).
  HyperpatchShape block{1, 1};

  // Throws OptionError naming the field: a stride or block side below 1.
  void Check() const;
};

// `sources[i]` holds training image i (indexed like the field's matches), all of the same size;
// images that no match uses may be empty. The result has the field's size times the stride.
// Throws std::invalid_argument when a used source is missing, of another size or type, or does
// not divide into cells of the stride.
//
// Photos (CV_8UC3): overlapping blocks are averaged.
cv::Mat ReconstructPhoto(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                         const PasteGeometry& geometry);
// Class maps (CV_8U ids < `classes`, or kIgnoreClass): each pixel takes the class most blocks vote
// for (ties to the lowest id), so the result only holds classes that occur in the pasted sources.
// Ignore votes never win against a class: a pixel is ignore only when every vote was ignore.
cv::Mat ReconstructLabels(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                          const PasteGeometry& geometry, int classes);

// The training image each pixel of a reconstruction came from (CV_32S): the image of the match
// of the cell it lies in.
cv::Mat SourceImageMap(const CorrespondenceField& field, int stride);

}  // namespace compnn
