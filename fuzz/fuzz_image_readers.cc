// The importers' readers of one published file: a Cityscapes *_labelIds.png, a CamVid class-index
// annotation, and a pix2pix A|B pair (labels recovered from CMP Facades colours); and a dataset's
// own pair PNG. The first byte chooses the reader; the rest is the file.
#include <cstdint>
#include <opencv2/imgcodecs.hpp>

#include "compnn/data/dataset_import.h"
#include "compnn/data/image_file.h"
#include "compnn/data/published_labels.h"
#include "data/import/import_job.h"
#include "fuzz_input.h"

namespace {

// The photo that labelled files are paired with, 8 x 8 (the seeds' size).
const std::string& Photo() {
  static const std::string path = [] {
    const std::string out = compnn::fuzz::WorkDir() + "/photo.png";
    cv::imwrite(out, cv::Mat(8, 8, CV_8UC3, cv::Scalar(40, 90, 160)));
    return out;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  if (size == 0) return 0;
  const std::string file = fuzz::WriteFile("input.png", fuzz::AsText(data + 1, size - 1));
  fuzz::Refusable([&] {
    switch (data[0] % 4) {
      case 0:
        data::ConvertCityscapesImage({"train", "x", Photo(), file, {}});
        break;
      case 1:
        data::ConvertCamVidImage({"train", "x", Photo(), file, {}});
        break;
      case 2: {
        Pix2PixLabels labels;
        labels.colours = CmpFacadesColours();
        data::ConvertPix2PixPair({"train", "x", file, file, {}}, labels);
        break;
      }
      default:
        ReadImageFile(file, cv::IMREAD_COLOR, ImageFormats::kPngOnly);
    }
  });
  return 0;
}
