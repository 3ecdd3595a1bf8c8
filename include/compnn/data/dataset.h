// Datasets of aligned image pairs in the pix2pix layout:
//   DIR/{train,val,test}/NAME.png   the pair side by side, A on the left, B on the right
//   DIR/labels.json                 class id -> name and palette colour, and which side is labels
//   DIR/meta.jsonl                  one line per image: split, name, seed, attributes
// Reading checks what it reads and names the file in every error.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/image_size.h"
#include "compnn/eval/metrics.h"

namespace compnn {

// The two images of a pair: A on the left, B on the right.
enum class PairSide { kA, kB };
std::string ToString(PairSide side);  // "A" or "B", as labels.json writes it

// Which side of a pair the network reads: AtoB reads A (left) and predicts B (right).
enum class Direction { kAtoB, kBtoA };
// Names in files and on the command line: "AtoB" and "BtoA".
const std::map<std::string, Direction>& DirectionNames();
std::string ToString(Direction direction);
Direction ParseDirection(const std::string& text);  // "AtoB" or "BtoA"; throws otherwise

struct LabelClass {
  int id = 0;
  std::string name;
  cv::Vec3b rgb;  // palette colour
};

// The colours of label images. Class ids are 0-based and dense. A palette may also name an ignore
// class (void, unlabelled) whose pixels carry the id kIgnoreClass in class maps: they are left out
// of training losses and metrics.
class Palette {
 public:
  Palette() = default;
  // Throws on ids out of order, shared colours, or more than 255 classes. `ignore`'s id is unused.
  explicit Palette(std::vector<LabelClass> classes, std::optional<LabelClass> ignore = {});

  int size() const { return static_cast<int>(classes_.size()); }  // real classes, not ignore
  const LabelClass& operator[](int id) const { return classes_[id]; }
  const std::vector<LabelClass>& classes() const { return classes_; }
  const std::optional<LabelClass>& ignore() const { return ignore_; }
  // Class id of an exact palette colour (BGR, as OpenCV stores pixels): a class, kIgnoreClass for
  // the ignore colour, or -1.
  int Find(const cv::Vec3b& bgr) const;
  // Class id of the nearest class colour, never ignore (for network outputs, which are never
  // exact and always predict a class).
  int Nearest(const cv::Vec3b& bgr) const;
  cv::Vec3b Bgr(int id) const;  // a class's colour, or the ignore colour for kIgnoreClass
  // Class ids (CV_8U) of a BGR label image: exact palette colours (the ignore colour included), or
  // the nearest class colours when `nearest` (network outputs). Throws naming `what` for a colour
  // outside the palette.
  cv::Mat Classes(const cv::Mat& bgr, bool nearest, const std::string& what = "label image") const;
  // A CV_8U map of class ids (kIgnoreClass included) as a BGR image of their colours.
  cv::Mat Colourise(const cv::Mat& classes) const;

  // labels.json's "classes" list, and its "ignore" entry (null when there is no ignore class).
  nlohmann::json ToJson() const;
  nlohmann::json IgnoreJson() const;
  // Reads "classes" and, when given (not null), "ignore"; errors name `path`.
  static Palette FromJson(const nlohmann::json& classes, const std::string& path,
                          const nlohmann::json& ignore = nullptr);

 private:
  std::vector<LabelClass> classes_;
  std::optional<LabelClass> ignore_;
};

// The two halves of one pair, BGR 8-bit, and where they came from.
struct ImagePair {
  std::string path;
  cv::Mat a, b;
};

// The side a direction reads, and the side it predicts.
inline PairSide InputSide(Direction d) {
  return d == Direction::kAtoB ? PairSide::kA : PairSide::kB;
}
inline PairSide TargetSide(Direction d) {
  return d == Direction::kAtoB ? PairSide::kB : PairSide::kA;
}
inline const cv::Mat& SideOf(const ImagePair& p, PairSide side) {
  return side == PairSide::kA ? p.a : p.b;
}

class Dataset {
 public:
  // Reads DIR/labels.json and DIR/meta.jsonl when present (a photo-to-photo dataset needs
  // neither). Throws std::runtime_error naming the file when one is malformed or DIR is missing.
  static Dataset Open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  bool has_labels() const { return palette_.has_value(); }
  const Palette& palette() const;  // throws when the dataset has no labels.json
  // The side of each pair that holds label images (none for a photo-to-photo dataset).
  std::optional<PairSide> label_side() const { return label_side_; }
  // Whether the side a direction reads (its input) or predicts (its target) holds label images.
  bool input_is_labels(Direction d) const { return label_side_ == InputSide(d); }
  bool target_is_labels(Direction d) const { return label_side_ == TargetSide(d); }

  // Whether the split's folder exists (every dataset has train and val; test may be missing).
  bool HasSplit(const std::string& split) const;
  // Names (without .png) of a split's images, sorted. Throws when the split's folder is missing
  // or holds anything but .png files.
  std::vector<std::string> Names(const std::string& split) const;
  // The size of one side of the split's first pair: the dataset's own image size.
  ImageSize ImageSizeOf(const std::string& split = "train") const;
  // Reads and checks one pair: a PNG of even width, whose label side holds palette colours only.
  ImagePair Read(const std::string& split, const std::string& name) const;
  // The meta.jsonl record of an image (empty object when there is none).
  nlohmann::json Meta(const std::string& split, const std::string& name) const;

 private:
  std::string dir_;
  std::optional<Palette> palette_;
  std::optional<PairSide> label_side_;
  std::vector<nlohmann::json> meta_;
};

// Throws std::runtime_error naming `path` when `labels` holds a colour outside the palette.
void CheckLabelImage(const cv::Mat& labels, const Palette& palette, const std::string& path);

// The input and target of a pair for a direction.
inline const cv::Mat& InputOf(const ImagePair& p, Direction d) { return SideOf(p, InputSide(d)); }
inline const cv::Mat& TargetOf(const ImagePair& p, Direction d) { return SideOf(p, TargetSide(d)); }

}  // namespace compnn
