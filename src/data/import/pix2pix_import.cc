// pix2pix's published pairs: SPLIT/NAME.jpg, photo and colour labels side by side, the labels
// smeared by JPEG. Colours go back to classes through RecoverLabelClasses.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "compnn/core/check.h"
#include "compnn/core/strings.h"
#include "compnn/eval/metrics.h"
#include "import_job.h"

namespace compnn {

namespace {

namespace fs = std::filesystem;
using data::SourceImage;

bool IsImageFile(const std::string& file) {
  std::string extension = fs::path(file).extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png";
}

// pix2pix's cityscapes publishes train and val only: a missing split is noted, not refused.
std::vector<SourceImage> FindImages(const std::string& root, std::vector<std::string>& notes) {
  std::vector<SourceImage> images;
  for (const std::string& split : data::Splits()) {
    const std::string folder = root + "/" + split;
    if (data::SplitAbsent(split, {folder}, notes)) continue;
    const std::vector<std::string> files = data::FilesIn(folder, "the split's A|B pairs");
    for (const std::string& file : files) {
      const std::string path = folder + "/" + file;
      COMPNN_CHECK(IsImageFile(file), path, ": not a .jpg or .png pair");
      images.push_back(
          {split, fs::path(file).stem().string(), path, path, {{"source", split + "/" + file}}});
    }
    COMPNN_CHECK(!files.empty(), folder, ": split '", split, "' holds no pairs");
  }
  // Two files of one stem (1.jpg and 1.png) would write one image twice.
  for (std::size_t i = 1; i < images.size(); ++i) {
    COMPNN_CHECK(images[i].split != images[i - 1].split || images[i].name != images[i - 1].name,
                 images[i].photo, ": another file of the split is also named '", images[i].name,
                 "'");
  }
  return images;
}

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * fraction);
  return text;
}

std::string Rgb(const cv::Vec3d& c) {
  char text[48];
  std::snprintf(text, sizeof text, "(%.0f, %.0f, %.0f)", c[0], c[1], c[2]);
  return text;
}

// The uniform regions' colours of a label image, most common first, with their share.
std::string UniformColoursFound(const ColourRecoveryStats& stats) {
  std::int64_t total = 0;
  for (const auto& f : stats.found) total += f.pixels;
  std::string text;
  for (const auto& f : stats.found) {
    if (f.pixels * 200 < total) break;  // under 0.5%
    text += (text.empty() ? "" : ", ") + Rgb(f.rgb) + " " + Percent(double(f.pixels) / total);
  }
  return text;
}

// Refuses labels drawn in near but other colours than the palette's (see UniformRegionColours).
void CheckUniformColours(const std::string& file, const ColourRecoveryStats& stats,
                         const Pix2PixLabels& labels) {
  const std::optional<UniformColourMisfit> misfit =
      WorstUniformColourMisfit(stats, labels.colours.colours, labels.max_uniform_offset);
  if (!misfit) return;
  const cv::Vec3b& c = misfit->palette_rgb;
  const std::string name = misfit->id == kIgnoreClass
                               ? "the ignore class"
                               : "class '" + labels.colours.palette[misfit->id].name + "'";
  std::string others;
  for (const auto& [builtin, make] : BuiltInColourPalettes())
    if (builtin != labels.colours.name) others += (others.empty() ? "'" : ", '") + builtin + "'";
  const auto whole = [](double v) { return std::to_string(std::lround(v)); };
  throw std::runtime_error(file + ": the label colours are not palette '" + labels.colours.name +
                           "''s: more than half the uniform pixels read as " + name + " " +
                           Rgb(cv::Vec3d(c[0], c[1], c[2])) + " lie over " +
                           whole(labels.max_uniform_offset * misfit->spacing) + " from it (" +
                           Format("%.2f", labels.max_uniform_offset) + " of the " +
                           whole(misfit->spacing) +
                           " to the palette's nearest colour of another class; median " +
                           whole(misfit->offset) + ", mean colour " + Rgb(misfit->found) +
                           "). Uniform label colours in this file: " + UniformColoursFound(stats) +
                           ". Is it drawn in another palette (built in: " + others + ")?");
}

// ATTRIBUTE_lab and ATTRIBUTE_colour of the photo's pixels of the attribute's class.
nlohmann::json RegionColour(const cv::Mat& photo, const cv::Mat& classes,
                            const Pix2PixLabels& labels) {
  if (!labels.region_colour) return nlohmann::json::object();
  const RegionColourAttribute& a = *labels.region_colour;
  const std::vector<LabelClass>& names = labels.colours.palette.classes();
  const auto it = std::find_if(names.begin(), names.end(),
                               [&](const LabelClass& c) { return c.name == a.class_name; });
  if (it == names.end()) return nlohmann::json::object();
  const std::optional<cv::Vec3d> lab = MeanLab(photo, classes == it->id);
  if (!lab) return nlohmann::json::object();
  const auto one_decimal = [](double v) { return std::round(v * 10) / 10; };
  return {{a.attribute + "_lab",
           {one_decimal((*lab)[0]), one_decimal((*lab)[1]), one_decimal((*lab)[2])}},
          {a.attribute + "_colour", NameOfColour(*lab)}};
}

}  // namespace

data::ConvertedImage data::ConvertPix2PixPair(const SourceImage& source,
                                              const Pix2PixLabels& labels) {
  const cv::Mat pair = data::ReadImage(source.photo, cv::IMREAD_COLOR);
  COMPNN_CHECK(pair.cols % 2 == 0, source.photo, ": width ", pair.cols,
               " is odd, so it is not two images side by side");
  const int half = pair.cols / 2;
  const cv::Mat a = pair.colRange(0, half), b = pair.colRange(half, pair.cols);
  data::ConvertedImage image;
  image.photo = (labels.side == PairSide::kA ? b : a).clone();
  image.classes = RecoverLabelClasses(labels.side == PairSide::kA ? a : b, labels.colours.colours,
                                      labels.tolerance, &image.colours);
  const double far = image.colours.FarFraction();
  COMPNN_CHECK(far <= labels.max_far_fraction, source.photo, ": ", Percent(far),
               " of the label pixels (side ", ToString(labels.side), ") are farther than ",
               labels.tolerance, " from every colour of palette '", labels.colours.name,
               "' (at most ", Percent(labels.max_far_fraction),
               " expected): is it the right palette, and are the labels on that side?");
  CheckUniformColours(source.photo, image.colours, labels);
  image.meta = RegionColour(image.photo, image.classes, labels);
  return image;
}

ImportReport ImportPix2Pix(const DatasetImportOptions& options, const Pix2PixLabels& labels) {
  options.Check();
  labels.Check();
  std::vector<std::string> notes;
  const std::vector<SourceImage> images = FindImages(options.source, notes);
  const auto convert = [&labels](const SourceImage& source) {
    return data::ConvertPix2PixPair(source, labels);
  };
  return data::RunImport(options, images, {labels.colours.palette, labels.side, convert, notes});
}

}  // namespace compnn
