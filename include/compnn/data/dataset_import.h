// Importers of published datasets into compnn's layout (dataset.h): pix2pix's A|B pairs, Cityscapes
// (leftImg8bit + gtFine label ids) and CamVid (SegNet's layout). Each finds and pairs every file
// before it converts any, writes the dataset whole or not at all (DatasetWriter), keeps the
// source's image names, and records in meta.jsonl what the source says about each image.
#pragma once

#include <cstdint>
#include <functional>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"
#include "compnn/data/label_colours.h"
#include "compnn/data/published_labels.h"

namespace compnn {

struct DatasetImportOptions {
  std::string source;  // the published dataset's root folder
  std::string out;     // the compnn dataset folder to write
  bool overwrite = false;
  // Resize every image to this size (photos with area interpolation, labels with nearest
  // neighbour); none: keep the source's size.
  std::optional<ImageSize> size;
  // Called with (images done, images in all) as images are converted.
  std::function<void(int, int)> progress;

  // Throws OptionError naming the field: an empty source or out, a size side below 8.
  void Check() const;
};

// An attribute measured at import: the mean colour of the photo's pixels of one class, recorded
// in meta.jsonl as ATTRIBUTE_lab ([L, a, b], CIE L*a*b*, D65) and ATTRIBUTE_colour (a name:
// white, grey, dark, beige, brown, red, yellow, green or blue; see NameOfColour), so that
// property control (--where wall_colour=red) works on published data, which carries none.
struct RegionColourAttribute {
  std::string class_name = "facade";  // skipped when the palette has no such class
  std::string attribute = "wall";
};

// Where pix2pix pairs hold their labels, and how to read their (lossy) colours.
struct Pix2PixLabels {
  ColourPalette colours = Pix2PixFacadesColours();
  PairSide side = PairSide::kB;
  double tolerance = kDefaultColourTolerance;  // a pixel farther from every colour is "far"
  // A file with more far pixels than this was drawn with another palette (or has its labels on
  // the other side): it is refused.
  double max_far_fraction = 0.02;
  // A file is refused, naming the colours it holds, when more than half of the uniform label
  // pixels read as some palette colour lie farther from it than this fraction of the distance to
  // the nearest colour of another class: it was drawn with a palette of near but other colours,
  // which `far` misses (see UniformRegionColours). JPEG leaves the right palette's under 0.05.
  double max_uniform_offset = 0.25;
  std::optional<RegionColourAttribute> region_colour = RegionColourAttribute();

  // OptionError: tolerance not positive, max_far_fraction or max_uniform_offset outside [0, 1]
  void Check() const;
};

struct SplitImport {
  std::string split;
  int images = 0;
  ImageSize source_size;  // of the split's first image, before any resizing
  std::int64_t label_pixels = 0, ignore_pixels = 0;  // after resizing
  ColourRecoveryStats colours;  // pix2pix: how far the label colours were from the palette
};

struct ImportReport {
  std::vector<SplitImport> splits;  // train, val, test (those the source has)
  std::vector<std::string> notes;   // what the user should know about the result
  double seconds = 0;
};

// SOURCE/{train,val,test}/NAME.{jpg,jpeg,png}: photo and colour labels side by side. test/ may be
// missing (pix2pix's cityscapes has none): the dataset then has no test split.
ImportReport ImportPix2Pix(const DatasetImportOptions& options, const Pix2PixLabels& labels);
// A name for a CIE L*a*b* colour (L in 0..100): white, grey or dark when its chroma is under 10,
// else by hue angle: red below 50 degrees or from 330 (sRGB red and brick lie near 40), yellow
// from 70 to 110 at chroma 40 or more, otherwise beige (L >= 60) or brown up to 110, green to
// 200, blue to 330.
std::string NameOfColour(const cv::Vec3d& lab);
// The mean CIE L*a*b* colour of the pixels of `photo` (BGR) where `mask` is set; none when none is.
std::optional<cv::Vec3d> MeanLab(const cv::Mat& photo, const cv::Mat& mask);

// SOURCE/leftImg8bit/SPLIT/CITY/*_leftImg8bit.png with SOURCE/gtFine/SPLIT/CITY/
// *_gtFine_labelIds.png; ids become the 19 train ids, every other id the ignore class.
ImportReport ImportCityscapes(const DatasetImportOptions& options);
// SOURCE/{train,val,test}/NAME.png with SOURCE/{train,val,test}annot/NAME.png of class indices
// 0..10, and 11 = void (the ignore class).
ImportReport ImportCamVid(const DatasetImportOptions& options);

}  // namespace compnn
