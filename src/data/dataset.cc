#include "compnn/data/dataset.h"

#include "compnn/core/check.h"
#include "compnn/data/image_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/regular_file.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>

namespace compnn {

namespace fs = std::filesystem;

Dataset Dataset::Open(const std::string& dir) {
  COMPNN_CHECK(fs::is_directory(dir), dir, ": no such dataset folder");
  Dataset dataset;
  dataset.dir_ = dir;
  const std::string labels_path = dir + "/labels.json";
  for (const char* file : {"/labels.json", "/meta.jsonl"}) {
    if (fs::exists(dir + file)) RequireInside(dir + file, dir);
  }
  if (fs::exists(labels_path)) {
    const nlohmann::json labels = ReadJsonFile(labels_path);
    if (!labels.is_object() || !labels.contains("classes")) {
      throw std::runtime_error(labels_path + ": expected an object with 'classes'");
    }
    dataset.palette_ =
        Palette::FromJson(labels["classes"], labels_path, labels.value("ignore", nlohmann::json()));
    const std::string side = labels.value("label_side", "B");
    COMPNN_CHECK(side == "A" || side == "B", labels_path, ": label_side must be \"A\" or \"B\"");
    dataset.label_side_ = side == "A" ? PairSide::kA : PairSide::kB;
  }
  const std::string meta_path = dir + "/meta.jsonl";
  if (fs::exists(meta_path)) {
    std::ifstream in(meta_path);
    std::string line;
    std::map<std::pair<std::string, std::string>, int> seen;  // (split, name) -> line
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      try {
        dataset.meta_.push_back(nlohmann::json::parse(line));
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(meta_path + ":" + std::to_string(number) +
                                 ": not valid JSON: " + e.what());
      }
      const nlohmann::json& record = dataset.meta_.back();
      COMPNN_CHECK(record.is_object() && record.contains("split") && record.contains("name") &&
                       record["split"].is_string() && record["name"].is_string(),
                   meta_path, ":", number, ": each line needs 'split' and 'name' (strings)");
      const auto [at, added] = seen.emplace(
          std::pair(record["split"].get<std::string>(), record["name"].get<std::string>()), number);
      COMPNN_CHECK(added, meta_path, ":", number, ": ", at->first.first, "/", at->first.second,
                   " was described already on line ", at->second);
    }
  }
  return dataset;
}

const Palette& Dataset::palette() const {
  COMPNN_CHECK(palette_, dir_, ": the dataset has no labels.json");
  return *palette_;
}

ImageSize Dataset::ImageSizeOf(const std::string& split) const {
  const ImagePair first = Read(split, Names(split).front());
  return {first.a.rows, first.a.cols};
}

bool Dataset::HasSplit(const std::string& split) const {
  return fs::is_directory(fs::path(dir_) / split);
}

std::vector<std::string> Dataset::Names(const std::string& split) const {
  const fs::path folder = fs::path(dir_) / split;
  COMPNN_CHECK(fs::is_directory(folder), folder.string(), ": split '", split, "' is missing");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    COMPNN_CHECK(!(entry.path().extension() != ".png" || !entry.is_regular_file()),
                 entry.path().string(),
                 ": not a .png file (a split holds only the "
                 "image pairs)");
    RequireInside(entry.path().string(), dir_);
    names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  COMPNN_CHECK(!names.empty(), folder.string(), ": split '", split, "' is empty");
  return names;
}

ImagePair Dataset::Read(const std::string& split, const std::string& name) const {
  const std::string path = (fs::path(dir_) / split / (name + ".png")).string();
  COMPNN_CHECK(fs::exists(path), path, ": missing");
  // OpenCV decodes whatever format it finds; the layout promises PNG.
  const cv::Mat pair = ReadImageFile(path, cv::IMREAD_COLOR, ImageFormats::kPngOnly);
  if (pair.cols % 2 != 0) {
    throw std::runtime_error(path + ": width " + std::to_string(pair.cols) +
                             " is odd, so it is not two images side by side");
  }
  const int half = pair.cols / 2;
  ImagePair result{path, pair.colRange(0, half).clone(), pair.colRange(half, pair.cols).clone()};
  if (palette_) CheckLabelImage(SideOf(result, *label_side_), *palette_, path);
  return result;
}

nlohmann::json Dataset::Meta(const std::string& split, const std::string& name) const {
  for (const nlohmann::json& record : meta_) {
    if (record["split"] == split && record["name"] == name) return record;
  }
  return nlohmann::json::object();
}

void CheckLabelImage(const cv::Mat& labels, const Palette& palette, const std::string& path) {
  for (int y = 0; y < labels.rows; ++y) {
    const cv::Vec3b* row = labels.ptr<cv::Vec3b>(y);
    for (int x = 0; x < labels.cols; ++x) {
      if (palette.Find(row[x]) < 0) {
        const cv::Vec3b& c = row[x];
        throw std::runtime_error(path + ": label colour (" + std::to_string(c[2]) + ", " +
                                 std::to_string(c[1]) + ", " + std::to_string(c[0]) +
                                 ") at pixel (" + std::to_string(y) + ", " + std::to_string(x) +
                                 ") of the label image is not in the palette");
      }
    }
  }
}

}  // namespace compnn
