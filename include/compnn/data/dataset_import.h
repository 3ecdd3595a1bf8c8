// Importers of published datasets into compnn's layout (dataset.h): pix2pix's A|B pairs, Cityscapes
// (leftImg8bit + gtFine label ids) and CamVid (SegNet's layout). Each finds and pairs every file
// before it converts any, writes the dataset whole or not at all (DatasetWriter), keeps the
// source's image names, and records in meta.jsonl what the source says about each image.
#pragma once

#include <cstdint>
#include <functional>
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

// Where pix2pix pairs hold their labels, and how to read their (lossy) colours.
struct Pix2PixLabels {
  ColourPalette colours = CmpFacadesColours();
  PairSide side = PairSide::kB;
  double tolerance = kDefaultColourTolerance;  // a pixel farther from every colour is "far"
  // A file with more far pixels than this was drawn with another palette (or has its labels on
  // the other side): it is refused.
  double max_far_fraction = 0.02;

  void Check() const;  // OptionError: tolerance not positive, max_far_fraction outside [0, 1]
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
// SOURCE/leftImg8bit/SPLIT/CITY/*_leftImg8bit.png with SOURCE/gtFine/SPLIT/CITY/
// *_gtFine_labelIds.png; ids become the 19 train ids, every other id the ignore class.
ImportReport ImportCityscapes(const DatasetImportOptions& options);
// SOURCE/{train,val,test}/NAME.png with SOURCE/{train,val,test}annot/NAME.png of class indices
// 0..10, and 11 = void (the ignore class).
ImportReport ImportCamVid(const DatasetImportOptions& options);

}  // namespace compnn
