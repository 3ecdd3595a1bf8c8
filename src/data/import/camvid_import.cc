// CamVid as SegNet publishes it: SPLIT/NAME.png photos with SPLITannot/NAME.png class indices
// 0..10, and 11 for void.
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "compnn/core/check.h"
#include "import_job.h"

namespace compnn {

namespace {

namespace fs = std::filesystem;
using data::SourceImage;

// SEQUENCE_FRAME, the frame with or without an 'f' (0001TP_006690, Seq05VD_f00000).
nlohmann::json MetaOf(const std::string& name) {
  const std::size_t last = name.rfind('_');
  if (last == std::string::npos) return nlohmann::json::object();
  std::string frame = name.substr(last + 1);
  if (!frame.empty() && frame[0] == 'f') frame.erase(0, 1);
  const bool digits = !frame.empty() && frame.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) return {{"sequence", name.substr(0, last)}};
  return {{"sequence", name.substr(0, last)}, {"frame", std::stoll(frame)}};
}

std::string StemOf(const std::string& file) { return fs::path(file).stem().string(); }

// SegNet's tutorial copy holds train, val and test; a test split whose two folders are both
// absent is noted, not refused.
std::vector<SourceImage> FindImages(const std::string& root, std::vector<std::string>& notes) {
  std::vector<SourceImage> images;
  for (const std::string& split : data::Splits()) {
    const std::string photos = root + "/" + split, labels = root + "/" + split + "annot";
    if (data::SplitAbsent(split, {photos, labels}, notes)) continue;
    const std::vector<std::string> photo_files = data::FilesIn(photos, "the split's photos");
    const std::vector<std::string> label_files = data::FilesIn(labels, "the split's annotations");
    for (const std::string& file : photo_files) {
      const std::string photo = photos + "/" + file;
      COMPNN_CHECK(file.ends_with(".png"), photo, ": not a .png file");
      const std::string label = labels + "/" + file;
      COMPNN_CHECK(fs::is_regular_file(label), photo, ": its annotation ", label, " is missing");
      images.push_back({split, StemOf(file), photo, label, MetaOf(StemOf(file))});
    }
    for (const std::string& file : label_files) {
      COMPNN_CHECK(fs::is_regular_file(photos + "/" + file), labels, "/", file, ": its photo ",
                   photos, "/", file, " is missing");
    }
    COMPNN_CHECK(!photo_files.empty(), photos, ": split '", split, "' holds no photos");
  }
  return images;
}

}  // namespace

data::ConvertedImage data::ConvertCamVidImage(const SourceImage& source) {
  data::ConvertedImage image;
  image.photo = data::ReadImage(source.photo, cv::IMREAD_COLOR);
  image.classes = data::ReadLabelIds(source.labels);
  data::CheckSameSize(image.photo, image.classes, source.labels);
  for (int y = 0; y < image.classes.rows; ++y) {
    uchar* row = image.classes.ptr<uchar>(y);
    for (int x = 0; x < image.classes.cols; ++x) {
      COMPNN_CHECK(row[x] <= kCamVidVoid, source.labels, ": class index ", int(row[x]),
                   " at pixel (", x, ", ", y, ") is not a CamVid class (0..10, or 11 for void)");
      if (row[x] == kCamVidVoid) row[x] = kIgnoreClass;
    }
  }
  return image;
}

ImportReport ImportCamVid(const DatasetImportOptions& options) {
  options.Check();
  std::vector<std::string> notes;
  const std::vector<SourceImage> images = FindImages(options.source, notes);
  return data::RunImport(options, images,
                         {CamVidPalette(), PairSide::kB, data::ConvertCamVidImage, notes});
}

}  // namespace compnn
