#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/data/generators.h"
#include "random.h"
#include "scene_composer.h"
#include "split_plan.h"

namespace compnn {
namespace {

constexpr const char* kStampRoot = "/usr/share/tuxpaint/stamps";
constexpr const char* kOpenCvSamples = "/usr/share/doc/opencv-doc/examples/data/";
constexpr int kLongestBackgroundSide = 1024;

// Sends standard error to /dev/null while alive.
class QuietStderr {
 public:
  QuietStderr() : saved_(::dup(STDERR_FILENO)) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
  }
  ~QuietStderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
    }
  }

 private:
  int saved_;
};

// The photographs among OpenCV's samples (the rest are charts, logos and text), and every
// nature photo of MATE's backgrounds.
std::vector<std::string> BackgroundPhotos() {
  std::vector<std::string> photos;
  for (const char* name : {"aero1.jpg", "aero3.jpg", "baboon.jpg", "building.jpg", "fruits.jpg",
                           "home.jpg", "leuvenA.jpg", "leuvenB.jpg", "messi5.jpg",
                           "squirrel_cls.jpg", "stuff.jpg", "graf1.png", "graf3.png"}) {
    const std::string path = std::string(kOpenCvSamples) + name;
    if (std::filesystem::exists(path)) photos.push_back(path);
  }
  for (const std::string& p : data::FindBackgrounds({"/usr/share/backgrounds/mate/nature"}))
    photos.push_back(p);
  if (photos.size() < 4) {
    throw std::runtime_error(
        "too few background photographs found; install opencv-doc and "
        "mate-backgrounds (scripts/install-deps)");
  }
  return photos;
}

Palette ScenesPalette() {
  static const int kRgb[][3] = {{0, 0, 0},   {128, 0, 0},   {0, 128, 0},   {128, 128, 0},
                                {0, 0, 128}, {128, 0, 128}, {0, 128, 128}, {128, 128, 128},
                                {64, 0, 0},  {192, 0, 0},   {64, 128, 0},  {192, 128, 0}};
  std::vector<LabelClass> classes = {{0, "background", cv::Vec3b(0, 0, 0)}};
  const auto& scene = data::SceneClasses();
  for (std::size_t i = 0; i < scene.size(); ++i) {
    const int id = static_cast<int>(i) + 1;
    classes.push_back({id, scene[i].name, cv::Vec3b(kRgb[id][0], kRgb[id][1], kRgb[id][2])});
  }
  return Palette(std::move(classes));
}

}  // namespace

void GenerateScenes(GeneratorOptions options) {
  options.Check();
  const data::SplitPlan plan(options, 600, 150, 150, "scene");
  const Palette palette = ScenesPalette();
  const std::vector<data::Stamp> stamps = data::FindStamps(kStampRoot);
  std::vector<cv::Mat> stamp_images;
  {
    // Some stamps carry sRGB profiles that libpng warns about on every read; the pixels are fine.
    const QuietStderr quiet;
    for (const data::Stamp& s : stamps) stamp_images.push_back(data::ReadStamp(s.path));
  }
  std::vector<std::string> background_paths = BackgroundPhotos();
  std::vector<cv::Mat> backgrounds;
  for (const std::string& path : background_paths) {
    cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
    COMPNN_CHECK(!photo.empty(), path, ": cannot read the background photograph");
    const double shrink =
        static_cast<double>(kLongestBackgroundSide) / std::max(photo.rows, photo.cols);
    if (shrink < 1) cv::resize(photo, photo, cv::Size(), shrink, shrink, cv::INTER_AREA);
    backgrounds.push_back(photo);
  }

  DatasetWriter writer(options.out, options.overwrite);
  std::vector<nlohmann::json> meta(plan.size());
  const int size = options.size;
  data::ForEachPlanned(
      plan,
      [&](int i) {
        const data::PlannedImage& item = plan[i];
        data::Random r(item.seed);
        const bool training = item.split == "train";
        // A random square crop of a background photograph.
        const int b = static_cast<int>(r.Uniform() * backgrounds.size());
        const cv::Mat& photo = backgrounds[b];
        const int short_side = std::min(photo.rows, photo.cols);
        const int side =
            std::max(std::min(short_side, 16), static_cast<int>(short_side * r.Uniform(0.35, 1.0)));
        const int x0 = r.Int(0, photo.cols - side), y0 = r.Int(0, photo.rows - side);
        cv::Mat canvas;
        cv::resize(photo(cv::Rect(x0, y0, side, side)), canvas, cv::Size(size, size), 0, 0,
                   cv::INTER_AREA);
        cv::Mat classes(size, size, CV_8U, cv::Scalar(0));

        nlohmann::json objects = nlohmann::json::array();
        const int count = r.Int(1, 4);
        for (int k = 0; k < count; ++k) {
          const int cls = r.Int(1, palette.size() - 1);
          std::vector<int> pool;
          for (std::size_t s = 0; s < stamps.size(); ++s) {
            if (stamps[s].class_id == cls && (!training || !stamps[s].held_out))
              pool.push_back(static_cast<int>(s));
          }
          const int s = r.Pick(pool);
          const cv::Mat& original = stamp_images[s];
          const double longest = size * r.Uniform(0.3, 0.7);
          const double scale = longest / std::max(original.rows, original.cols);
          cv::Mat stamp;
          cv::resize(original, stamp,
                     cv::Size(std::max(1, static_cast<int>(original.cols * scale)),
                              std::max(1, static_cast<int>(original.rows * scale))),
                     0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
          if (r.Chance(0.5)) cv::flip(stamp, stamp, 1);
          const double brightness = r.Uniform(0.85, 1.15);
          for (int y = 0; y < stamp.rows; ++y)
            for (int x = 0; x < stamp.cols; ++x)
              for (int ch = 0; ch < 3; ++ch) {
                uchar& v = stamp.at<cv::Vec4b>(y, x)[ch];
                v = cv::saturate_cast<uchar>(v * brightness);
              }
          const int x = r.Int(-stamp.cols / 4, size - stamp.cols * 3 / 4);
          const int y = r.Int(-stamp.rows / 4, size - stamp.rows * 3 / 4);
          data::PasteStamp(stamp, x, y, cls, canvas, classes);
          objects.push_back({{"class", palette[cls].name},
                             {"stamp", std::filesystem::path(stamps[s].path).filename().string()},
                             {"held_out", stamps[s].held_out},
                             {"box", {x, y, stamp.cols, stamp.rows}}});
        }
        writer.WritePair(item.split, item.name, canvas, palette.Colourise(classes));
        meta[i] = {{"split", item.split},
                   {"name", item.name},
                   {"seed", item.seed},
                   {"background", std::filesystem::path(background_paths[b]).filename().string()},
                   {"objects", objects}};
      },
      options.progress);
  writer.SetLabels(palette, PairSide::kB);
  writer.SetMeta(std::move(meta));
  writer.Commit();
}

}  // namespace compnn
