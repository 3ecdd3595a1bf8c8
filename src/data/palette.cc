#include <limits>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/enum_names.h"
#include "compnn/data/dataset.h"

namespace compnn {

std::string ToString(PairSide side) { return side == PairSide::kA ? "A" : "B"; }

const std::map<std::string, Direction>& DirectionNames() {
  static const std::map<std::string, Direction> names = {{"AtoB", Direction::kAtoB},
                                                         {"BtoA", Direction::kBtoA}};
  return names;
}

std::string ToString(Direction direction) {
  return direction == Direction::kAtoB ? "AtoB" : "BtoA";
}

Direction ParseDirection(const std::string& text) {
  return ParseName(DirectionNames(), text, "direction");
}

Palette::Palette(std::vector<LabelClass> classes) : classes_(std::move(classes)) {
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    COMPNN_CHECK(classes_[i].id == static_cast<int>(i),
                 "palette class ids must be 0, 1, 2, ... in order; found ",
                 std::to_string(classes_[i].id), " at position ", std::to_string(i));
    for (std::size_t j = 0; j < i; ++j) {
      COMPNN_CHECK(classes_[j].rgb != classes_[i].rgb, "palette classes '", classes_[j].name,
                   "' and '", classes_[i].name, "' share a colour");
    }
  }
}

cv::Vec3b Palette::Bgr(int id) const {
  const cv::Vec3b& c = classes_[id].rgb;
  return cv::Vec3b(c[2], c[1], c[0]);
}

cv::Mat Palette::Colourise(const cv::Mat& classes) const {
  cv::Mat image(classes.size(), CV_8UC3);
  for (int y = 0; y < classes.rows; ++y) {
    for (int x = 0; x < classes.cols; ++x) image.at<cv::Vec3b>(y, x) = Bgr(classes.at<uchar>(y, x));
  }
  return image;
}

cv::Mat Palette::Classes(const cv::Mat& bgr, bool nearest, const std::string& what) const {
  COMPNN_CHECK(bgr.type() == CV_8UC3, what, ": a label image must be 8-bit BGR");
  cv::Mat classes(bgr.size(), CV_8U);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b& c = bgr.at<cv::Vec3b>(y, x);
      const int id = nearest ? Nearest(c) : Find(c);
      COMPNN_CHECK(id >= 0, what, ": pixel (", std::to_string(x), ", ", std::to_string(y),
                   ") has a colour outside the palette");
      classes.at<uchar>(y, x) = static_cast<uchar>(id);
    }
  }
  return classes;
}

int Palette::Find(const cv::Vec3b& bgr) const {
  for (const LabelClass& c : classes_) {
    if (c.rgb[0] == bgr[2] && c.rgb[1] == bgr[1] && c.rgb[2] == bgr[0]) return c.id;
  }
  return -1;
}

int Palette::Nearest(const cv::Vec3b& bgr) const {
  int best = 0, best_distance = std::numeric_limits<int>::max();
  for (const LabelClass& c : classes_) {
    const int dr = c.rgb[0] - bgr[2], dg = c.rgb[1] - bgr[1], db = c.rgb[2] - bgr[0];
    const int distance = dr * dr + dg * dg + db * db;
    if (distance < best_distance) {
      best_distance = distance;
      best = c.id;
    }
  }
  return best;
}

nlohmann::json Palette::ToJson() const {
  nlohmann::json classes = nlohmann::json::array();
  for (const LabelClass& c : classes_) {
    classes.push_back({{"id", c.id}, {"name", c.name}, {"colour", {c.rgb[0], c.rgb[1], c.rgb[2]}}});
  }
  return classes;
}

Palette Palette::FromJson(const nlohmann::json& json, const std::string& path) {
  if (!json.is_array() || json.empty()) {
    throw std::runtime_error(path + ": 'classes' must be a non-empty list");
  }
  std::vector<LabelClass> classes;
  for (const nlohmann::json& entry : json) {
    try {
      const auto colour = entry.at("colour").get<std::vector<int>>();
      COMPNN_CHECK(colour.size() == 3, "colour must be [r, g, b]");
      for (int v : colour) {
        COMPNN_CHECK(!(v < 0 || v > 255), "colour components must be 0..255");
      }
      classes.push_back({entry.at("id").get<int>(), entry.at("name").get<std::string>(),
                         cv::Vec3b(colour[0], colour[1], colour[2])});
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": bad class entry " + entry.dump() + ": " + e.what());
    }
  }
  try {
    return Palette(std::move(classes));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace compnn
