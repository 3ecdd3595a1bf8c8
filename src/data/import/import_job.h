// What every importer shares: images found and paired first, then converted in parallel and
// written by a DatasetWriter, with per-split counts.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/data/dataset_import.h"

namespace compnn::data {

// One image of a published dataset, as found on disk.
struct SourceImage {
  std::string split, name;
  std::string photo, labels;  // files: the same one for a pix2pix pair
  nlohmann::json meta;        // what the source's names say: city, sequence, frame
};

// A source image read and checked: the photo (BGR) and its class ids (CV_8U, kIgnoreClass for
// ignore) of the same size.
struct ConvertedImage {
  cv::Mat photo, classes;
  ColourRecoveryStats colours;
  nlohmann::json meta = nlohmann::json::object();  // attributes measured on the image
};

struct ImportJob {
  Palette palette;
  PairSide label_side = PairSide::kB;
  std::function<ConvertedImage(const SourceImage&)> convert;
  std::vector<std::string> notes;  // what finding the images showed, for the report
};

// Each published layout's reader of one image (photo and labels): what the importers run on every
// file they find, and what the fuzz targets feed damaged files to.
ConvertedImage ConvertCityscapesImage(const SourceImage& source);  // labelIds PNG
ConvertedImage ConvertCamVidImage(const SourceImage& source);      // class-index annotation PNG
ConvertedImage ConvertPix2PixPair(const SourceImage& source,       // A | B side by side
                                  const Pix2PixLabels& labels);

// Converts and writes every image; returns the per-split report.
ImportReport RunImport(const DatasetImportOptions& options, const std::vector<SourceImage>& images,
                       const ImportJob& job);

// The split folders every published layout has.
const std::vector<std::string>& Splits();
// True when none of `folders` (a split's folders under a published layout) exists and the split
// may be left out (test only: training validates on val): a note saying so goes to `notes`. A split
// with some of its folders present is not absent: its readers refuse the missing ones by name.
bool SplitAbsent(const std::string& split, const std::vector<std::string>& folders,
                 std::vector<std::string>& notes);
// The regular files of `dir`, sorted, hidden ones skipped. Throws naming `dir` (and `what` it
// should hold) when it is missing.
std::vector<std::string> FilesIn(const std::string& dir, const std::string& what);
std::vector<std::string> FoldersIn(const std::string& dir, const std::string& what);
// Reads an image with OpenCV's `flags`; throws naming the file when it cannot be read.
cv::Mat ReadImage(const std::string& path, int flags);
// Reads an 8-bit single-channel label-id image; throws naming the file otherwise.
cv::Mat ReadLabelIds(const std::string& path);
// Throws naming `labels` when its size differs from the photo's.
void CheckSameSize(const cv::Mat& photo, const cv::Mat& labels, const std::string& labels_path);

}  // namespace compnn::data
