#include "compnn/data/dataset_writer.h"

#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"

namespace compnn {

namespace fs = std::filesystem;

void WritePng(const std::string& path, const cv::Mat& image) {
  std::vector<uchar> bytes;
  const bool encoded = cv::imencode(".png", image, bytes);
  COMPNN_CHECK(encoded, path, ": cannot encode PNG");
  WriteFileAtomically(path,
                      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

DatasetWriter::DatasetWriter(std::string dir, bool overwrite)
    : dir_(std::move(dir)), overwrite_(overwrite), lock_(dir_) {
  COMPNN_CHECK_OPTION(!fs::exists(dir_) || overwrite_, "overwrite", "is not set and ", dir_,
                      " already exists");
  const fs::path target = fs::absolute(dir_);
  // Under the lock no other writer is at work: a staging folder there is a killed run's.
  temporary_ = (target.parent_path() / ("." + target.filename().string() + ".partial")).string();
  fs::remove_all(temporary_);
  fs::create_directories(temporary_);
}

DatasetWriter::~DatasetWriter() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(temporary_, ignored);
  }
}

void DatasetWriter::WritePair(const std::string& split, const std::string& name, const cv::Mat& a,
                              const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) {
    throw std::runtime_error(name + ": the two halves of a pair differ in size or type");
  }
  cv::Mat pair;
  cv::hconcat(a, b, pair);
  const fs::path folder = fs::path(temporary_) / split;
  std::error_code ignored;
  fs::create_directories(folder, ignored);
  WritePng((folder / (name + ".png")).string(), pair);
}

void DatasetWriter::SetLabels(const Palette& palette, PairSide label_side) {
  labels_ = {{"label_side", ToString(label_side)}, {"classes", palette.ToJson()}};
  if (palette.ignore()) labels_["ignore"] = palette.IgnoreJson();
}

void DatasetWriter::SetMeta(std::vector<nlohmann::json> records) { meta_ = std::move(records); }

void DatasetWriter::Commit() {
  if (!labels_.is_null()) WriteJsonFile(temporary_ + "/labels.json", labels_);
  std::string lines;
  for (const nlohmann::json& record : meta_) lines += record.dump() + "\n";
  WriteFileAtomically(temporary_ + "/meta.jsonl", lines);
  if (fs::exists(dir_)) {
    // Replace the old dataset only now that the new one is complete.
    const std::string old = temporary_ + ".old";
    fs::rename(dir_, old);
    fs::rename(temporary_, dir_);
    fs::remove_all(old);
  } else {
    if (fs::path(dir_).has_parent_path()) fs::create_directories(fs::path(dir_).parent_path());
    fs::rename(temporary_, dir_);
  }
  committed_ = true;
}

}  // namespace compnn
