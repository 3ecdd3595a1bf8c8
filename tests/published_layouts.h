// Tiny copies of real datasets in their published layouts, for the importers' tests. The photos
// come from the bundled generators (real photographs for Cityscapes and CamVid), the labels are
// their class maps recoded into each dataset's ids. Everything follows from the seed.
//
//   pix2pix facades  ROOT/{train,val,test}/N.jpg (N = 1, 2, ...), photo | CMP colour labels, JPEG
//   Cityscapes       ROOT/leftImg8bit/SPLIT/CITY/CITY_SSSSSS_FFFFFF_leftImg8bit.png
//                    ROOT/gtFine/SPLIT/CITY/CITY_SSSSSS_FFFFFF_gtFine_{labelIds,color,instanceIds}.png
//                    ROOT/gtFine/SPLIT/CITY/CITY_SSSSSS_FFFFFF_gtFine_polygons.json
//   CamVid (SegNet)  ROOT/{train,trainannot,val,valannot,test,testannot}/NAME.png
//
// Each writer returns the class maps an importer must produce (CV_8U, 255 = ignore) by split and
// image name: "1" for pix2pix, "aachen_000000_000019" for Cityscapes, "0001TP_006690" for CamVid.
#pragma once

#include <cstdint>
#include <map>
#include <opencv2/core.hpp>
#include <string>

#include "compnn/data/published_labels.h"

namespace compnn::testing {

// split -> image name -> expected class ids (CV_8U, 255 = ignore).
using ExpectedClasses = std::map<std::string, std::map<std::string, cv::Mat>>;

// Counts per split; small, since every image is generated.
struct SplitCounts {
  int train = 2, val = 1, test = 1;
};

// pix2pix's facades: 512 x 256 JPEGs (quality 90, 4:2:0) of photo | label colours, drawn in
// `palette`'s colours (12 classes; by default the colours pix2pix's own pairs use). Expected: the
// 12 CMP classes as drawn, before compression.
ExpectedClasses WritePix2pixFacades(const std::string& root, int per_split_count,
                                    std::uint64_t seed,
                                    const Palette& palette = Pix2PixFacadesColours().palette);

struct CityscapesOptions {
  int width = 128, height = 64;  // the real dataset is 2048 x 1024
  SplitCounts counts;            // train alternates between aachen and bochum
  bool one_full_size = false;    // the first train image at the real 2048 x 1024
  std::uint64_t seed = 0;
};

// Cityscapes' fine annotations. Expected: train ids (0..18, 255 for ids without one); the test
// split's labelIds are all 0 (unlabeled), as published, so its expected maps are all 255.
ExpectedClasses WriteCityscapes(const std::string& root, const CityscapesOptions& options);

struct CamVidOptions {
  int width = 120, height = 90;  // SegNet's copy is 480 x 360
  SplitCounts counts;
  std::uint64_t seed = 0;
};

// SegNet's CamVid: annotations hold class indices 0..10 and 11 = void. Expected: the indices,
// with void as 255.
ExpectedClasses WriteCamVid(const std::string& root, const CamVidOptions& options);

}  // namespace compnn::testing
