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

Palette::Palette(std::vector<LabelClass> classes, std::optional<LabelClass> ignore)
    : classes_(std::move(classes)), ignore_(std::move(ignore)) {
  COMPNN_CHECK(classes_.size() < kIgnoreClass, "a palette holds at most ",
               std::to_string(kIgnoreClass), " classes; got ", std::to_string(classes_.size()));
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    COMPNN_CHECK(classes_[i].id == static_cast<int>(i),
                 "palette class ids must be 0, 1, 2, ... in order; found ",
                 std::to_string(classes_[i].id), " at position ", std::to_string(i));
    for (std::size_t j = 0; j < i; ++j) {
      COMPNN_CHECK(classes_[j].rgb != classes_[i].rgb, "palette classes '", classes_[j].name,
                   "' and '", classes_[i].name, "' share a colour");
    }
    COMPNN_CHECK(!ignore_ || ignore_->rgb != classes_[i].rgb, "the ignore class '", ignore_->name,
                 "' shares its colour with class '", classes_[i].name, "'");
  }
  if (ignore_) ignore_->id = kIgnoreClass;
}

cv::Vec3b Palette::Bgr(int id) const {
  COMPNN_CHECK(id != kIgnoreClass || ignore_, "class map holds the ignore id ",
               std::to_string(kIgnoreClass), " but the palette has no ignore class");
  COMPNN_CHECK(id == kIgnoreClass || (id >= 0 && id < size()), "class id ", std::to_string(id),
               " outside the palette's ", std::to_string(size()), " classes");
  const cv::Vec3b& c = id == kIgnoreClass ? ignore_->rgb : classes_[id].rgb;
  return cv::Vec3b(c[2], c[1], c[0]);
}

cv::Mat Palette::Colourise(const cv::Mat& classes) const {
  // A look-up table: one check per id rather than per pixel.
  std::vector<cv::Vec3b> colours(256);
  std::vector<bool> known(256, false);
  cv::Mat image(classes.size(), CV_8UC3);
  for (int y = 0; y < classes.rows; ++y) {
    const uchar* in = classes.ptr<uchar>(y);
    cv::Vec3b* out = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < classes.cols; ++x) {
      if (!known[in[x]]) {
        colours[in[x]] = Bgr(in[x]);
        known[in[x]] = true;
      }
      out[x] = colours[in[x]];
    }
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
  const cv::Vec3b rgb(bgr[2], bgr[1], bgr[0]);
  for (const LabelClass& c : classes_) {
    if (c.rgb == rgb) return c.id;
  }
  if (ignore_ && ignore_->rgb == rgb) return kIgnoreClass;
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

namespace {

nlohmann::json EntryJson(const LabelClass& c) {
  return {{"id", c.id}, {"name", c.name}, {"colour", {c.rgb[0], c.rgb[1], c.rgb[2]}}};
}

LabelClass EntryFromJson(const nlohmann::json& entry, bool has_id, const std::string& path,
                         const std::string& what) {
  try {
    // Whole numbers in range are checked before conversion: nlohmann converts a float such as
    // 7e300 to int by a cast, which overflows (found by fuzzing, UBSan).
    const auto whole = [](const nlohmann::json& v, long long low, long long high) {
      return v.is_number_integer() && v.get<long long>() >= low && v.get<long long>() <= high;
    };
    const nlohmann::json& components = entry.at("colour");
    COMPNN_CHECK(components.is_array() && components.size() == 3, "colour must be [r, g, b]");
    std::vector<int> colour;
    for (const nlohmann::json& v : components) {
      COMPNN_CHECK(whole(v, 0, 255), "colour components must be whole numbers 0..255");
      colour.push_back(v.get<int>());
    }
    COMPNN_CHECK(!has_id || whole(entry.at("id"), 0, 254), "id must be a whole number 0..254");
    return {has_id ? entry.at("id").get<int>() : kIgnoreClass, entry.at("name").get<std::string>(),
            cv::Vec3b(colour[0], colour[1], colour[2])};
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": bad " + what + " " + entry.dump() + ": " + e.what());
  }
}

}  // namespace

nlohmann::json Palette::ToJson() const {
  nlohmann::json classes = nlohmann::json::array();
  for (const LabelClass& c : classes_) classes.push_back(EntryJson(c));
  return classes;
}

nlohmann::json Palette::IgnoreJson() const {
  if (!ignore_) return nullptr;
  nlohmann::json entry = EntryJson(*ignore_);
  entry.erase("id");  // its id is implied (kIgnoreClass)
  return entry;
}

Palette Palette::FromJson(const nlohmann::json& json, const std::string& path,
                          const nlohmann::json& ignore) {
  if (!json.is_array() || json.empty()) {
    throw std::runtime_error(path + ": 'classes' must be a non-empty list");
  }
  std::vector<LabelClass> classes;
  for (const nlohmann::json& entry : json) {
    classes.push_back(EntryFromJson(entry, true, path, "class entry"));
  }
  std::optional<LabelClass> ignore_class;
  if (!ignore.is_null()) ignore_class = EntryFromJson(ignore, false, path, "ignore entry");
  try {
    return Palette(std::move(classes), std::move(ignore_class));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace compnn
