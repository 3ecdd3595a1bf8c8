#include "published_layouts.h"

#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"

namespace compnn::testing {
namespace {

namespace fs = std::filesystem;

// ---- Generated source images ------------------------------------------------------------------

// A dataset generated into a temporary folder, removed with this object.
class GeneratedDataset {
 public:
  GeneratedDataset(void (*generate)(GeneratorOptions), GeneratorOptions options) {
    options.out = (scratch_.path / "dataset").string();
    generate(options);
    dataset_ = Dataset::Open(options.out);
  }
  const Dataset& dataset() const { return dataset_; }

 private:
  struct Scratch {
    Scratch() {
      std::string pattern = (fs::temp_directory_path() / "compnn_published_XXXXXX").string();
      if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create " + pattern);
      path = pattern;
    }
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
    fs::path path;
  } scratch_;  // first, so that it outlives a failed generation
  Dataset dataset_;
};

void CheckSize(int width, int height) {
  if (width < 1 || height < 1) throw std::invalid_argument("image size must be positive");
}

GeneratorOptions Options(int size, const SplitCounts& counts, std::uint64_t seed) {
  GeneratorOptions o;
  o.size = std::max(32, size);  // the generators' smallest size
  o.train = counts.train;
  o.val = counts.val;
  o.test = counts.test;
  o.seed = seed;
  return o;
}

// A photo (BGR) and its class ids (CV_8U).
struct Scene {
  cv::Mat photo, classes;
};

// A split's image names; none when the generator wrote no folder for it (a count of 0).
std::vector<std::string> Names(const Dataset& dataset, const std::string& split) {
  if (!fs::is_directory(fs::path(dataset.dir()) / split)) return {};
  return dataset.Names(split);
}

std::vector<Scene> ReadScenes(const Dataset& dataset, const std::string& split) {
  std::vector<Scene> scenes;
  for (const std::string& name : Names(dataset, split)) {
    const ImagePair pair = dataset.Read(split, name);
    scenes.push_back({pair.a, dataset.palette().Classes(pair.b, false)});
  }
  return scenes;
}

// The centred crop of a square scene with the aspect of `size`, resized to it; nearest neighbour
// for the classes so that they stay class ids.
Scene Fit(const Scene& scene, cv::Size size) {
  const int w = scene.photo.cols, h = scene.photo.rows;
  const cv::Rect crop =
      static_cast<long>(w) * size.height > static_cast<long>(h) * size.width
          ? cv::Rect((w - h * size.width / size.height) / 2, 0, h * size.width / size.height, h)
          : cv::Rect(0, (h - w * size.height / size.width) / 2, w, w * size.height / size.width);
  Scene fitted;
  const int interpolation = size.width < crop.width ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(scene.photo(crop), fitted.photo, size, 0, 0, interpolation);
  cv::resize(scene.classes(crop), fitted.classes, size, 0, 0, cv::INTER_NEAREST);
  return fitted;
}

// ---- Regions and the tables that recode them --------------------------------------------------

// The scene classes 1..11 are objects (bird, mammal, fish, insect, fruit, vegetable, flower, tree,
// vehicle, tool, clothing). Their background (0) is a photograph, split here into horizontal bands
// so that every image has sky, buildings and road, and at the bottom a band both datasets ignore
// (Cityscapes' ego vehicle, CamVid's void).
enum Band : uchar { kSky = 12, kBuilding, kRoad, kBottom, kRegionCount };

cv::Mat Regions(const cv::Mat& scene_classes) {
  cv::Mat regions = scene_classes.clone();
  const int rows = regions.rows;
  for (int y = 0; y < rows; ++y) {
    const uchar band = y < rows / 3          ? kSky
                       : y < rows * 2 / 3    ? kBuilding
                       : y < rows - rows / 8 ? kRoad
                                             : kBottom;
    uchar* row = regions.ptr<uchar>(y);
    for (int x = 0; x < regions.cols; ++x)
      if (row[x] == 0) row[x] = band;
  }
  return regions;
}

using RegionTable = std::array<uchar, kRegionCount>;

// Cityscapes label ids. Some regions get ids without a train id so that ignore pixels occur.
constexpr RegionTable kCityscapesIds = {
    0,   // background: unused, split into the bands below
    5,   // bird: dynamic (ignored)
    24,  // mammal: person
    4,   // fish: static (ignored)
    0,   // insect: unlabeled (ignored)
    19,  // fruit: traffic light
    22,  // vegetable: terrain
    21,  // flower: vegetation
    21,  // tree: vegetation
    26,  // vehicle: car
    17,  // tool: pole
    9,   // clothing: parking (ignored)
    23,  // sky
    11,  // building
    7,   // road
    1,   // bottom: ego vehicle (ignored)
};

// SegNet's CamVid class indices, 11 = void.
constexpr uchar kCamVidVoid = 11;
constexpr RegionTable kCamVidIds = {
    kCamVidVoid,  // background: unused, split into the bands below
    kCamVidVoid,  // bird
    9,            // mammal: pedestrian
    7,            // fish: fence
    kCamVidVoid,  // insect
    6,            // fruit: sign symbol
    4,            // vegetable: pavement
    5,            // flower: tree
    5,            // tree
    8,            // vehicle: car
    2,            // tool: pole
    10,           // clothing: bicyclist
    0,            // sky
    1,            // building
    3,            // road
    kCamVidVoid,  // bottom
};

// Maps every pixel through `table`; values past its end become 255.
template <std::size_t N>
cv::Mat Lookup(const cv::Mat& ids, const std::array<uchar, N>& table) {
  cv::Mat lut(1, 256, CV_8U, cv::Scalar(255));
  for (std::size_t i = 0; i < N; ++i) lut.at<uchar>(static_cast<int>(i)) = table[i];
  cv::Mat out;
  cv::LUT(ids, lut, out);
  return out;
}

// ---- Cityscapes' label definitions (cityscapesscripts/helpers/labels.py) ----------------------

struct CityscapesLabel {
  const char* name;
  uchar train_id;
  bool has_instances;
  uchar r, g, b;
};

constexpr int kCityscapesLabelCount = 34;
constexpr CityscapesLabel kCityscapesLabels[kCityscapesLabelCount] = {
    {"unlabeled", 255, false, 0, 0, 0},
    {"ego vehicle", 255, false, 0, 0, 0},
    {"rectification border", 255, false, 0, 0, 0},
    {"out of roi", 255, false, 0, 0, 0},
    {"static", 255, false, 0, 0, 0},
    {"dynamic", 255, false, 111, 74, 0},
    {"ground", 255, false, 81, 0, 81},
    {"road", 0, false, 128, 64, 128},
    {"sidewalk", 1, false, 244, 35, 232},
    {"parking", 255, false, 250, 170, 160},
    {"rail track", 255, false, 230, 150, 140},
    {"building", 2, false, 70, 70, 70},
    {"wall", 3, false, 102, 102, 156},
    {"fence", 4, false, 190, 153, 153},
    {"guard rail", 255, false, 180, 165, 180},
    {"bridge", 255, false, 150, 100, 100},
    {"tunnel", 255, false, 150, 120, 90},
    {"pole", 5, false, 153, 153, 153},
    {"polegroup", 255, false, 153, 153, 153},
    {"traffic light", 6, false, 250, 170, 30},
    {"traffic sign", 7, false, 220, 220, 0},
    {"vegetation", 8, false, 107, 142, 35},
    {"terrain", 9, false, 152, 251, 152},
    {"sky", 10, false, 70, 130, 180},
    {"person", 11, true, 220, 20, 60},
    {"rider", 12, true, 255, 0, 0},
    {"car", 13, true, 0, 0, 142},
    {"truck", 14, true, 0, 0, 70},
    {"bus", 15, true, 0, 60, 100},
    {"caravan", 255, true, 0, 0, 90},
    {"trailer", 255, true, 0, 0, 110},
    {"train", 16, true, 0, 80, 100},
    {"motorcycle", 17, true, 0, 0, 230},
    {"bicycle", 18, true, 119, 11, 32},
};

cv::Mat TrainIds(const cv::Mat& label_ids) {
  std::array<uchar, kCityscapesLabelCount> table;
  for (int i = 0; i < kCityscapesLabelCount; ++i) table[i] = kCityscapesLabels[i].train_id;
  return Lookup(label_ids, table);
}

// _gtFine_color.png: RGBA, as published.
cv::Mat CityscapesColour(const cv::Mat& label_ids) {
  cv::Mat bgra(label_ids.size(), CV_8UC4);
  label_ids.forEach<uchar>([&](uchar id, const int* p) {
    const CityscapesLabel& l = kCityscapesLabels[id];
    bgra.at<cv::Vec4b>(p[0], p[1]) = cv::Vec4b(l.b, l.g, l.r, 255);
  });
  return bgra;
}

// _gtFine_instanceIds.png: 16-bit; each connected region of a class with instances is one
// instance (id * 1000 + k), every other pixel holds its label id.
cv::Mat CityscapesInstances(const cv::Mat& label_ids) {
  cv::Mat instances;
  label_ids.convertTo(instances, CV_16U);
  for (int id = 0; id < kCityscapesLabelCount; ++id) {
    if (!kCityscapesLabels[id].has_instances) continue;
    cv::Mat components;
    cv::connectedComponents(label_ids == id, components, 8, CV_32S);
    components.forEach<int>([&](int k, const int* p) {
      if (k > 0) instances.at<ushort>(p[0], p[1]) = static_cast<ushort>(id * 1000 + k - 1);
    });
  }
  return instances;
}

// _gtFine_polygons.json: the outline of every region, labelled by name.
nlohmann::json CityscapesPolygons(const cv::Mat& label_ids) {
  nlohmann::json objects = nlohmann::json::array();
  for (int id = 0; id < kCityscapesLabelCount; ++id) {
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(label_ids == id, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    for (const auto& contour : contours) {
      nlohmann::json polygon = nlohmann::json::array();
      for (const cv::Point& p : contour) polygon.push_back({p.x, p.y});
      objects.push_back({{"label", kCityscapesLabels[id].name}, {"polygon", polygon}});
    }
  }
  return {{"imgHeight", label_ids.rows}, {"imgWidth", label_ids.cols}, {"objects", objects}};
}

// ---- Files ------------------------------------------------------------------------------------

void Write(const fs::path& path, const cv::Mat& image, const std::vector<int>& params = {}) {
  fs::create_directories(path.parent_path());
  if (!cv::imwrite(path.string(), image, params))
    throw std::runtime_error("cannot write " + path.string());
}

void WriteJson(const fs::path& path, const nlohmann::json& json) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << json.dump(4) << '\n';
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

template <typename... Numbers>
std::string Format(const char* format, Numbers... numbers) {
  char text[64];
  std::snprintf(text, sizeof text, format, numbers...);
  return text;
}

constexpr const char* kSplits[] = {"train", "val", "test"};

// The city of the k-th image of a split and its index within that city; train alternates
// between two cities as the real train split holds many.
std::pair<std::string, int> City(const std::string& split, int k) {
  if (split == "train") return {k % 2 == 0 ? "aachen" : "bochum", k / 2};
  return {split == "val" ? "frankfurt" : "berlin", k};
}

// Real CamVid names: sequence, underscore, an optional 'f', frame digits, 30 frames apart.
std::string CamVidName(const std::string& split, int k) {
  if (split == "train")
    return k % 2 == 0 ? Format("0001TP_%06d", 6690 + 30 * (k / 2))
                      : Format("0006R0_f%05d", 930 + 30 * (k / 2));
  if (split == "val") return Format("0016E5_%05d", 7959 + 30 * k);
  return Format("Seq05VD_f%05d", 30 * k);
}

}  // namespace

ExpectedClasses WritePix2pixFacades(const std::string& root, int per_split_count,
                                    std::uint64_t seed, const Palette& palette) {
  const GeneratedDataset facades(
      GenerateFacades, Options(256, {per_split_count, per_split_count, per_split_count}, seed));
  const Dataset& dataset = facades.dataset();
  ExpectedClasses expected;
  for (const std::string split : kSplits) {
    const std::vector<std::string> names = Names(dataset, split);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const ImagePair pair = dataset.Read(split, names[i]);
      const cv::Mat classes = dataset.palette().Classes(pair.b, false);
      cv::Mat side_by_side;
      cv::hconcat(pair.a, palette.Colourise(classes), side_by_side);
      const std::string name = std::to_string(i + 1);
      Write(fs::path(root) / split / (name + ".jpg"), side_by_side, {cv::IMWRITE_JPEG_QUALITY, 90});
      expected[split][name] = classes;
    }
  }
  return expected;
}

ExpectedClasses WriteCityscapes(const std::string& root, const CityscapesOptions& options) {
  CheckSize(options.width, options.height);
  const cv::Size size(options.width, options.height);
  const GeneratedDataset scenes(GenerateScenes, Options(std::max(options.width, options.height),
                                                        options.counts, options.seed));
  ExpectedClasses expected;
  for (const std::string split : kSplits) {
    const std::vector<Scene> split_scenes = ReadScenes(scenes.dataset(), split);
    for (int k = 0; k < static_cast<int>(split_scenes.size()); ++k) {
      const bool full = options.one_full_size && split == "train" && k == 0;
      const Scene scene = Fit(split_scenes[k], full ? cv::Size(2048, 1024) : size);
      // The public test split's annotations are all "unlabeled".
      const cv::Mat label_ids = split == "test"
                                    ? cv::Mat(scene.classes.size(), CV_8U, cv::Scalar(0))
                                    : Lookup(Regions(scene.classes), kCityscapesIds);
      const auto [city, index] = City(split, k);
      const std::string name = city + Format("_%06d_%06d", index, 19);
      const fs::path images = fs::path(root) / "leftImg8bit" / split / city;
      const fs::path labels = fs::path(root) / "gtFine" / split / city;
      Write(images / (name + "_leftImg8bit.png"), scene.photo);
      Write(labels / (name + "_gtFine_labelIds.png"), label_ids);
      Write(labels / (name + "_gtFine_color.png"), CityscapesColour(label_ids));
      Write(labels / (name + "_gtFine_instanceIds.png"), CityscapesInstances(label_ids));
      WriteJson(labels / (name + "_gtFine_polygons.json"), CityscapesPolygons(label_ids));
      expected[split][name] = TrainIds(label_ids);
    }
  }
  return expected;
}

ExpectedClasses WriteCamVid(const std::string& root, const CamVidOptions& options) {
  CheckSize(options.width, options.height);
  const cv::Size size(options.width, options.height);
  const GeneratedDataset scenes(GenerateScenes, Options(std::max(options.width, options.height),
                                                        options.counts, options.seed));
  ExpectedClasses expected;
  for (const std::string split : kSplits) {
    const std::vector<Scene> split_scenes = ReadScenes(scenes.dataset(), split);
    for (int k = 0; k < static_cast<int>(split_scenes.size()); ++k) {
      const Scene scene = Fit(split_scenes[k], size);
      const cv::Mat indices = Lookup(Regions(scene.classes), kCamVidIds);
      const std::string name = CamVidName(split, k);
      Write(fs::path(root) / split / (name + ".png"), scene.photo);
      Write(fs::path(root) / (split + "annot") / (name + ".png"), indices);
      cv::Mat ignored = indices.clone();
      ignored.setTo(255, indices == kCamVidVoid);
      expected[split][name] = ignored;
    }
  }
  return expected;
}

}  // namespace compnn::testing
