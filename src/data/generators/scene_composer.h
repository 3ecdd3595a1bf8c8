// Pieces of the real-photo scenes generator: the stamp library and the compositing of one stamp.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace compnn::data {

struct Stamp {
  std::string path;
  int class_id = 0;       // 1-based; 0 is the background
  bool held_out = false;  // never pasted into training images
};

struct StampClass {
  std::string name;
  std::vector<std::string> folders;  // under the stamps root
};

// The scene classes after the background, and the stamp folders each is drawn from.
const std::vector<StampClass>& SceneClasses();

// Every photo stamp of the scene classes under `root` (cartoons and mirrored copies left out),
// one in five of each class held out of training. Throws when a class has fewer than 5 stamps.
std::vector<Stamp> FindStamps(const std::string& root);

// Background photographs under the given folders, sorted.
std::vector<std::string> FindBackgrounds(const std::vector<std::string>& folders);

// Alpha-blends a BGRA stamp onto a BGR canvas with its top-left at (x, y), parts outside the
// canvas cut off, and writes `class_id` into `classes` wherever the stamp's alpha is >= 128.
void PasteStamp(const cv::Mat& stamp_bgra, int x, int y, int class_id, cv::Mat& canvas,
                cv::Mat& classes);

// Reads a PNG stamp as BGRA (grey and grey+alpha stamps converted); throws naming the file.
cv::Mat ReadStamp(const std::string& path);

}  // namespace compnn::data
