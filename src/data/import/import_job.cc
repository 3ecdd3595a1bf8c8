#include "import_job.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../parallel_for.h"
#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/data/image_file.h"
#include "compnn/data/resize.h"

namespace compnn {

void DatasetImportOptions::Check() const {
  COMPNN_CHECK_OPTION(!source.empty(), "source", "is empty: name the published dataset's folder");
  COMPNN_CHECK_OPTION(!out.empty(), "out", "is empty: name the dataset folder to write");
  CheckImageSize(size, "size", 8);
}

void Pix2PixLabels::Check() const {
  COMPNN_CHECK_OPTION(tolerance > 0, "tolerance", "must be positive, got ", tolerance);
  COMPNN_CHECK_OPTION(max_far_fraction >= 0 && max_far_fraction <= 1, "max_far_fraction",
                      "must be in [0, 1], got ", max_far_fraction);
  COMPNN_CHECK_OPTION(max_uniform_offset >= 0 && max_uniform_offset <= 1, "max_uniform_offset",
                      "must be in [0, 1], got ", max_uniform_offset);
}

}  // namespace compnn

namespace compnn::data {

namespace fs = std::filesystem;

const std::vector<std::string>& Splits() {
  static const std::vector<std::string> splits = {"train", "val", "test"};
  return splits;
}

bool SplitAbsent(const std::string& split, const std::vector<std::string>& folders,
                 std::vector<std::string>& notes) {
  if (split != "test") return false;
  for (const std::string& folder : folders) {
    if (fs::exists(folder)) return false;
  }
  std::string named;
  for (const std::string& folder : folders) named += (named.empty() ? "" : " and ") + folder;
  notes.push_back(named + (folders.size() > 1 ? " do" : " does") +
                  " not exist, so the dataset has no " + split + " split; evaluate on val");
  return true;
}

namespace {

std::vector<std::string> EntriesIn(const std::string& dir, const std::string& what, bool folders) {
  COMPNN_CHECK(fs::is_directory(dir), dir, ": missing (it should hold ", what, ")");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (folders ? entry.is_directory() : entry.is_regular_file()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> FilesIn(const std::string& dir, const std::string& what) {
  return EntriesIn(dir, what, false);
}

std::vector<std::string> FoldersIn(const std::string& dir, const std::string& what) {
  return EntriesIn(dir, what, true);
}

cv::Mat ReadImage(const std::string& path, int flags) { return ReadImageFile(path, flags); }

cv::Mat ReadLabelIds(const std::string& path) {
  const cv::Mat ids = ReadImage(path, cv::IMREAD_UNCHANGED);
  COMPNN_CHECK(ids.type() == CV_8UC1, path,
               ": expected an 8-bit single-channel image of label ids, ", "got ", ids.channels(),
               " channel(s) of ", ids.elemSize1() * 8, "-bit values");
  return ids;
}

void CheckSameSize(const cv::Mat& photo, const cv::Mat& labels, const std::string& labels_path) {
  COMPNN_CHECK(photo.size() == labels.size(), labels_path, ": ", labels.cols, " x ", labels.rows,
               " pixels, but its photo has ", photo.cols, " x ", photo.rows);
}

namespace {

// What the converting threads count per split, under their lock.
struct SplitTally {
  std::map<std::string, SplitImport> splits;
  std::map<std::string, int> first;  // the split's first image, whose size the report gives

  // Counts image `i`, converted; the split's lowest index gives its source size, whichever thread
  // gets there first.
  void Add(const SourceImage& source, int i, const ImageSize& source_size,
           const ConvertedImage& image, std::int64_t ignored) {
    SplitImport& split = splits[source.split];
    if (!first.count(source.split) || i < first[source.split]) {
      first[source.split] = i;
      split.source_size = source_size;
    }
    ++split.images;
    split.label_pixels += static_cast<std::int64_t>(image.classes.total());
    split.ignore_pixels += ignored;
    split.colours.Add(image.colours);
  }
};

// One meta.jsonl record per image, in order: its split and name, what the source says of it, then
// what was measured on it.
std::vector<nlohmann::json> MetaRecords(const std::vector<SourceImage>& images,
                                        const std::vector<nlohmann::json>& measured) {
  std::vector<nlohmann::json> meta;
  for (std::size_t i = 0; i < images.size(); ++i) {
    nlohmann::json record = {{"split", images[i].split}, {"name", images[i].name}};
    record.update(images[i].meta);
    record.update(measured[i]);
    meta.push_back(record);
  }
  return meta;
}

// The report of the splits the source publishes, with the job's notes and one for each split
// whose labels are all ignore; its time is left to the caller.
ImportReport SplitsReport(const ImportJob& job, std::map<std::string, SplitImport>& splits) {
  ImportReport report;
  report.notes = job.notes;
  for (const std::string& split : Splits()) {
    const SplitImport& s = splits[split];
    if (s.images == 0) continue;  // a split the source does not publish
    report.splits.push_back(s);
    if (s.images > 0 && s.ignore_pixels == s.label_pixels) {
      report.notes.push_back("every label pixel of split '" + split +
                             "' is ignore (no annotations): it cannot be scored; evaluate on "
                             "another split");
    }
  }
  return report;
}

}  // namespace

ImportReport RunImport(const DatasetImportOptions& options, const std::vector<SourceImage>& images,
                       const ImportJob& job) {
  const auto start = Clock::now();
  DatasetWriter writer(options.out, options.overwrite);
  SplitTally tally;
  for (const std::string& split : Splits()) tally.splits[split].split = split;
  std::mutex mutex;
  std::vector<nlohmann::json> measured(images.size());
  ParallelFor(
      static_cast<int>(images.size()),
      [&](int i) {
        const SourceImage& source = images[i];
        ConvertedImage image = job.convert(source);
        measured[i] = std::move(image.meta);
        const ImageSize source_size{image.photo.rows, image.photo.cols};
        if (options.size) {
          const cv::Size size(options.size->width, options.size->height);
          image.photo = ResizeImage(image.photo, size, false);
          image.classes = ResizeLabels(image.classes, size);
        }
        const cv::Mat labels = job.palette.Colourise(image.classes);
        if (job.label_side == PairSide::kB) {
          writer.WritePair(source.split, source.name, image.photo, labels);
        } else {
          writer.WritePair(source.split, source.name, labels, image.photo);
        }
        const std::int64_t ignored = cv::countNonZero(image.classes == kIgnoreClass);
        const std::lock_guard lock(mutex);
        tally.Add(source, i, source_size, image, ignored);
      },
      options.progress);

  std::vector<nlohmann::json> meta = MetaRecords(images, measured);
  writer.SetLabels(job.palette, job.label_side);
  writer.SetMeta(std::move(meta));
  writer.Commit();

  ImportReport report = SplitsReport(job, tally.splits);
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace compnn::data
