// Reconstructions (paper, sections 3.3 and 4.1): an image composed by pasting, for every query
// cell, the pixels behind its matched training cell. Pasting from the training inputs gives the
// input reconstruction (IR), from the training targets the output reconstruction (OR), from the
// network's own outputs on the training images the prediction reconstruction (PR).
//
// A field with k matches per cell pastes all k, and so does a block of several cells: every
// pasted patch is a vote weighted by its match's similarity raised to PasteGeometry::vote_power.
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
  // The block around a cell is laid out as its hyperpatch is: each of its cells clamped to the
  // border on its own, in the query as in the matched image, so a block pastes exactly the cells
  // its match compared.
  HyperpatchShape block{1, 1};
  // A pasted patch weighs max(similarity, 0) ^ vote_power: 0 gives every vote the same weight,
  // larger values let the closest matches dominate. Where every weight is 0 (no positive
  // similarity) the votes count equally.
  double vote_power = 1.0;

  // Throws OptionError naming the field: a stride or block side below 1, a vote_power that is
  // negative or not finite.
  void Check() const;
};

// How an explanation pastes, as the user chooses it for any layer.
struct PasteOptions {
  // Paste whole matched hyperpatches (overlapping blocks) instead of each cell's own patch.
  bool overlapping_blocks = false;
  double vote_power = 1.0;  // see PasteGeometry

  // The geometry at a layer of this stride and hyperpatch.
  PasteGeometry ForLayer(int stride, const HyperpatchShape& hyperpatch) const {
    return {stride, overlapping_blocks ? hyperpatch : HyperpatchShape{1, 1}, vote_power};
  }
  // Throws OptionError naming the field: vote_power negative or not finite.
  void Check() const;
};

// `sources[i]` holds training image i (indexed like the field's matches), all of the same size;
// images that no match uses may be empty. The result has the field's size times the stride.
// Throws std::invalid_argument when a used source is missing, of another size or type, or does
// not divide into cells of the stride.
//
// Photos (CV_8UC3): the weighted mean of the votes.
cv::Mat ReconstructPhoto(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                         const PasteGeometry& geometry);
// Class maps (CV_8U ids < `classes`, or kIgnoreClass): each pixel takes the class of the largest
// weight of votes (ties to the lowest id), so the result only holds classes that occur in the
// pasted sources. Ignore votes never win against a class: a pixel is ignore only when every vote
// was ignore.
cv::Mat ReconstructLabels(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                          const PasteGeometry& geometry, int classes);

// The training image each pixel of a reconstruction came from (CV_32S): the image of the best
// match of the cell it lies in.
cv::Mat SourceImageMap(const CorrespondenceField& field, int stride);

}  // namespace compnn
