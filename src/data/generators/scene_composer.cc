#include "scene_composer.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "compnn/core/check.h"

namespace compnn::data {

namespace fs = std::filesystem;

const std::vector<StampClass>& SceneClasses() {
  static const std::vector<StampClass> kClasses = {
      {"bird", {"animals/birds"}},
      {"mammal", {"animals/mammals", "animals/marsupials"}},
      {"fish", {"animals/fish"}},
      {"insect", {"animals/insects"}},
      {"fruit", {"food/fruit"}},
      {"vegetable", {"food/vegetables", "food/nuts"}},
      {"flower", {"plants/flowers"}},
      {"tree", {"plants/trees"}},
      {"vehicle", {"vehicles", "military/vehicles"}},
      {"tool", {"household/tools"}},
      {"clothing", {"clothes"}},
  };
  return kClasses;
}

std::vector<Stamp> FindStamps(const std::string& root) {
  COMPNN_CHECK(fs::is_directory(root), root,
               ": no stamps folder; install tuxpaint-stamps-default "
               "(scripts/install-deps)");
  std::vector<Stamp> stamps;
  const auto& classes = SceneClasses();
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::vector<std::string> paths;
    for (const std::string& folder : classes[c].folders) {
      const fs::path dir = fs::path(root) / folder;
      if (!fs::is_directory(dir)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const std::string path = entry.path().string();
        if (entry.path().extension() != ".png" || path.find("/cartoon") != std::string::npos ||
            entry.path().stem().string().ends_with("_mirror")) {
          continue;
        }
        paths.push_back(path);
      }
    }
    std::sort(paths.begin(), paths.end());
    if (paths.size() < 5) {
      throw std::runtime_error(root + ": class '" + classes[c].name + "' has only " +
                               std::to_string(paths.size()) + " photo stamps (5 needed)");
    }
    for (std::size_t i = 0; i < paths.size(); ++i) {
      stamps.push_back({paths[i], static_cast<int>(c) + 1, i % 5 == 2});
    }
  }
  return stamps;
}

std::vector<std::string> FindBackgrounds(const std::vector<std::string>& folders) {
  std::vector<std::string> photos;
  for (const std::string& folder : folders) {
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.path().extension() == ".jpg") photos.push_back(entry.path().string());
    }
  }
  std::sort(photos.begin(), photos.end());
  return photos;
}

cv::Mat ReadStamp(const std::string& path) {
  cv::Mat image = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (image.empty()) throw std::runtime_error(path + ": cannot read the stamp");
  if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257);
  cv::Mat bgra;
  switch (image.channels()) {
    case 1:
      cv::cvtColor(image, bgra, cv::COLOR_GRAY2BGRA);
      break;
    case 2: {
      std::vector<cv::Mat> planes;
      cv::split(image, planes);
      cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, bgra);
      break;
    }
    case 3:
      cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
      break;
    default:
      bgra = image;
  }
  return bgra;
}

void PasteStamp(const cv::Mat& stamp, int x, int y, int class_id, cv::Mat& canvas,
                cv::Mat& classes) {
  for (int sy = 0; sy < stamp.rows; ++sy) {
    const int cy = y + sy;
    if (cy < 0 || cy >= canvas.rows) continue;
    const cv::Vec4b* row = stamp.ptr<cv::Vec4b>(sy);
    for (int sx = 0; sx < stamp.cols; ++sx) {
      const int cx = x + sx;
      if (cx < 0 || cx >= canvas.cols) continue;
      const cv::Vec4b& p = row[sx];
      if (p[3] == 0) continue;
      const float alpha = p[3] / 255.0f;
      cv::Vec3b& c = canvas.at<cv::Vec3b>(cy, cx);
      for (int ch = 0; ch < 3; ++ch)
        c[ch] = cv::saturate_cast<uchar>(alpha * p[ch] + (1 - alpha) * c[ch]);
      if (p[3] >= 128) classes.at<uchar>(cy, cx) = static_cast<uchar>(class_id);
    }
  }
}

}  // namespace compnn::data
