// Cityscapes: leftImg8bit/SPLIT/CITY/CITY_SEQ_FRAME_leftImg8bit.png photos with
// gtFine/SPLIT/CITY/CITY_SEQ_FRAME_gtFine_labelIds.png label ids. gtFine's other files (colour,
// instance ids, polygons) are not labels and are left alone.
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "compnn/core/check.h"
#include "import_job.h"

namespace compnn {

namespace {

namespace fs = std::filesystem;
using data::SourceImage;

const char kPhotoSuffix[] = "_leftImg8bit.png";
const char kLabelSuffix[] = "_gtFine_labelIds.png";

// CITY_SEQUENCE_FRAME, as Cityscapes names its images.
nlohmann::json MetaOf(const std::string& stem) {
  const std::size_t last = stem.rfind('_');
  const std::size_t middle = last == std::string::npos ? last : stem.rfind('_', last - 1);
  if (middle == std::string::npos) return nlohmann::json::object();
  return {{"city", stem.substr(0, middle)},
          {"sequence", stem.substr(middle + 1, last - middle - 1)},
          {"frame", stem.substr(last + 1)}};
}

std::string Stem(const std::string& file, const std::string& suffix) {
  return file.substr(0, file.size() - suffix.size());
}

std::vector<SourceImage> FindImages(const std::string& root) {
  std::vector<SourceImage> images;
  for (const std::string& split : data::Splits()) {
    const std::string photos = root + "/leftImg8bit/" + split;
    const std::string labels = root + "/gtFine/" + split;
    const std::string what = "one folder per city";
    for (const std::string& city : data::FoldersIn(photos, what)) {
      for (const std::string& file : data::FilesIn(photos + "/" + city, "photos")) {
        const std::string photo = photos + "/" + city + "/" + file;
        COMPNN_CHECK(file.ends_with(kPhotoSuffix), photo, ": not a Cityscapes photo (names end in ",
                     kPhotoSuffix, ")");
        const std::string stem = Stem(file, kPhotoSuffix);
        const std::string label = labels + "/" + city + "/" + stem + kLabelSuffix;
        COMPNN_CHECK(fs::is_regular_file(label), photo, ": its annotation ", label, " is missing");
        images.push_back({split, stem, photo, label, MetaOf(stem)});
      }
    }
    // The reverse: an annotation whose photo is missing.
    for (const std::string& city : data::FoldersIn(labels, what)) {
      for (const std::string& file : data::FilesIn(labels + "/" + city, "annotations")) {
        if (!file.ends_with(kLabelSuffix)) continue;  // colour, instances, polygons
        const std::string photo =
            photos + "/" + city + "/" + Stem(file, kLabelSuffix) + kPhotoSuffix;
        COMPNN_CHECK(fs::is_regular_file(photo), labels, "/", city, "/", file, ": its photo ",
                     photo, " is missing");
      }
    }
    COMPNN_CHECK(std::any_of(images.begin(), images.end(),
                             [&](const SourceImage& i) { return i.split == split; }),
                 photos, ": split '", split, "' holds no photos");
  }
  return images;
}

}  // namespace

data::ConvertedImage data::ConvertCityscapesImage(const SourceImage& source) {
  data::ConvertedImage image;
  image.photo = data::ReadImage(source.photo, cv::IMREAD_COLOR);
  const cv::Mat ids = data::ReadLabelIds(source.labels);
  data::CheckSameSize(image.photo, ids, source.labels);
  const auto& train_ids = CityscapesTrainIds();
  image.classes.create(ids.size(), CV_8U);
  for (int y = 0; y < ids.rows; ++y) {
    const uchar* in = ids.ptr<uchar>(y);
    uchar* out = image.classes.ptr<uchar>(y);
    for (int x = 0; x < ids.cols; ++x) {
      COMPNN_CHECK(in[x] < kCityscapesLabelIds, source.labels, ": label id ", int(in[x]),
                   " at pixel (", x, ", ", y, ") is not a Cityscapes label id (0..",
                   kCityscapesLabelIds - 1, ")");
      out[x] = train_ids[in[x]];
    }
  }
  return image;
}

ImportReport ImportCityscapes(const DatasetImportOptions& options) {
  options.Check();
  const std::vector<SourceImage> images = FindImages(options.source);
  return data::RunImport(
      options, images,
      {CityscapesColours().palette, PairSide::kB, data::ConvertCityscapesImage, {}});
}

}  // namespace compnn
