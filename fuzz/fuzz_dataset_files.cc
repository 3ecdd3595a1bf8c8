// A dataset's own files: labels.json (the palette) and meta.jsonl (attributes), read by
// Dataset::Open, and a colour palette file as `data import pix2pix --palette` reads it. The first
// byte chooses the file; the rest is its text.
#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>

#include "compnn/data/dataset.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/data/published_labels.h"
#include "fuzz_input.h"

namespace {

// A valid dataset of one 4 x 4 pair per split, labels on side B in two colours.
const std::string& DatasetDir() {
  static const std::string dir = [] {
    using namespace compnn;
    const std::string out = fuzz::WorkDir() + "/dataset";
    DatasetWriter writer(out, true);
    const cv::Mat photo(4, 4, CV_8UC3, cv::Scalar(10, 20, 30));
    cv::Mat labels(4, 4, CV_8UC3, cv::Scalar(0, 0, 255));
    labels.rowRange(0, 2).setTo(cv::Scalar(0, 255, 0));
    for (const char* split : {"train", "val"}) writer.WritePair(split, "pair", photo, labels);
    writer.Commit();
    return out;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  if (size == 0) return 0;
  const std::string_view text = fuzz::AsText(data + 1, size - 1);
  const std::string& dir = DatasetDir();
  std::filesystem::remove(dir + "/labels.json");
  std::filesystem::remove(dir + "/meta.jsonl");
  switch (data[0] % 3) {
    case 0:
      fuzz::WriteFile("dataset/labels.json", text);
      break;
    case 1:
      fuzz::WriteFile("dataset/meta.jsonl", text);
      break;
    default: {
      const std::string path = fuzz::WriteFile("palette.json", text);
      fuzz::Refusable([&] { ReadColourPalette(path); });
      return 0;
    }
  }
  fuzz::Refusable([&] {
    const compnn::Dataset dataset = compnn::Dataset::Open(dir);
    for (const std::string& name : dataset.Names("train")) {
      dataset.Read("train", name);
      dataset.Meta("train", name);
    }
  });
  return 0;
}
