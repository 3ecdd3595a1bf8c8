// Writes a dataset in the pix2pix layout so that it is complete or absent: everything goes to a
// temporary folder beside the target, which is renamed into place by Commit().
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/store/writer_lock.h"

namespace compnn {

class DatasetWriter {
 public:
  // Throws when `dir` exists and `overwrite` is false.
  DatasetWriter(std::string dir, bool overwrite);
  ~DatasetWriter();  // removes the temporary folder unless committed

  // Writes DIR/split/name.png from two BGR images of the same size, side by side. Thread-safe.
  void WritePair(const std::string& split, const std::string& name, const cv::Mat& a,
                 const cv::Mat& b);
  // Records the dataset's palette and label side, and one meta.jsonl line per image (in order).
  void SetLabels(const Palette& palette, PairSide label_side);
  void SetMeta(std::vector<nlohmann::json> records);
  // Writes labels.json and meta.jsonl, then moves the folder into place.
  void Commit();

 private:
  std::string dir_, temporary_;
  bool overwrite_;
  WriterLock lock_;  // held from construction: one writer per dataset folder
  bool committed_ = false;
  nlohmann::json labels_;
  std::vector<nlohmann::json> meta_;
};

// Encodes a BGR image as PNG and writes it atomically; throws naming `path` on failure.
void WritePng(const std::string& path, const cv::Mat& image);

}  // namespace compnn
