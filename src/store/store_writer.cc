// Writing a feature store: image by image into STORE.partial, resumable from its progress file,
// committed atomically with every file's checksum.
#include "compnn/store/feature_store.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/half.h"
#include "compnn/core/strings.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/regular_file.h"

namespace compnn {

namespace fs = std::filesystem;

namespace {

constexpr int kSyncEvery = 16;

void PwriteAll(int fd, const void* data, std::size_t bytes, off_t offset, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += n;
  }
}

}  // namespace

namespace {

// The single process's ranks, for writers that run alone.
const Ranks& OneProcess() {
  static const Ranks one;
  return one;
}

// Each rank records its own progress: progress.json alone, progress.R-of-N.json among N ranks.
std::string ProgressFileName(const Ranks& ranks) {
  if (ranks.size() == 1) return "progress.json";
  return Concat("progress.", ranks.rank(), "-of-", ranks.size(), ".json");
}

// The rank count a progress file was written at (1 for progress.json); 0 for other files.
int RanksOfProgressFile(const std::string& name) {
  if (name == "progress.json") return 1;
  int rank = 0, ranks = 0, end = 0;
  if (std::sscanf(name.c_str(), "progress.%d-of-%d.json%n", &rank, &ranks, &end) == 2 &&
      end == static_cast<int>(name.size())) {
    return ranks;
  }
  return 0;
}

}  // namespace

StoreWriter::StoreWriter(std::string dir, StoreManifest plan, bool overwrite)
    : StoreWriter(std::move(dir), plan, overwrite, OneProcess(),
                  {0, static_cast<int>(plan.images.size())}) {}

StoreWriter::StoreWriter(std::string dir, StoreManifest plan, bool overwrite, const Ranks& ranks,
                         IndexRange images)
    : dir_(std::move(dir)),
      partial_(dir_ + ".partial"),
      ranks_(&ranks),
      range_(images),
      progress_file_(ProgressFileName(ranks)),
      plan_(std::move(plan)) {
  streaming_ = plan_.images.empty();
  COMPNN_CHECK(!(streaming_ && ranks.size() > 1), dir_,
               ": a store whose images are not known in advance is written by one process");
  if (!streaming_ && (range_.begin < 0 || range_.begin > range_.end ||
                      range_.end > static_cast<int>(plan_.images.size()))) {
    throw std::logic_error(Concat("images ", range_.begin, " to ", range_.end,
                                  " are not a run of the plan's ", plan_.images.size()));
  }
  next_image_ = range_.begin;
  const std::string progress = partial_ + "/" + progress_file_;
  bool resume = false;
  nlohmann::json saved_hashes;
  if (ranks.is_root()) {
    lock_.emplace(dir_);
    COMPNN_CHECK_OPTION(!fs::exists(dir_) || overwrite, "overwrite", "is not set and ", dir_,
                        " already exists");
    plan_.layer(plan_.global_layer);  // throws when the global layer is not among the layers
    // Every array needs its own file: a layer named "global", say, must not share global.npy.
    std::set<std::string> files = {"global.npy", "manifest.json", "progress.json"};
    for (const StoreLayer& l : plan_.layers) {
      COMPNN_CHECK(files.insert(l.file).second, dir_, ": layer '", l.name, "' would be stored in ",
                   l.file, ", which another array of the store uses; rename the layer");
    }
    for (const StorePixels& p : plan_.pixels) {
      COMPNN_CHECK(files.insert(p.file).second, dir_, ": the ", p.name,
                   " pixels would be stored in ", p.file, ", which a layer uses; rename the layer");
    }
    resume = PrepareFolder(progress, saved_hashes);
    OpenOutputs(/*create=*/!resume);
  }
  // The other ranks open the files rank 0 prepared.
  ranks.Barrier();
  if (!ranks.is_root()) {
    resume = ReadProgress(progress, saved_hashes);
    OpenOutputs(/*create=*/false);
  }
  if (resume) {
    CheckResumable(saved_hashes);
  } else {
    SaveProgress();
  }
}

bool StoreWriter::PrepareFolder(const std::string& progress, nlohmann::json& saved_hashes) {
  if (fs::is_directory(partial_)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(partial_)) {
      const int ranks = RanksOfProgressFile(entry.path().filename().string());
      if (ranks == 0) continue;
      // A streaming run cannot resume, but must not wipe out one that can.
      COMPNN_CHECK(!streaming_, partial_,
                   " holds an interrupted indexing run that can resume; resume it, or delete it "
                   "to start over");
      COMPNN_CHECK(ranks == ranks_->size(), partial_, " holds a run interrupted at ", ranks,
                   ranks == 1 ? " process" : " ranks", "; resume it ",
                   ranks == 1 ? "without mpirun" : Concat("with mpirun -np ", ranks),
                   ", or delete it to start over");
    }
  }
  if (!streaming_ && ReadProgress(progress, saved_hashes)) {
    RemoveTemporaries(partial_);  // rank 0 alone, under the writer lock
    return true;
  }
  fs::remove_all(partial_);
  fs::create_directories(partial_);
  return false;
}

bool StoreWriter::ReadProgress(const std::string& progress, nlohmann::json& saved_hashes) {
  if (!fs::exists(progress)) return false;
  const nlohmann::json saved = ReadJsonFile(progress);
  if (!saved.contains("plan") || !saved.contains("done") || !saved["done"].is_number_integer() ||
      !saved.contains("hashes") || !saved["hashes"].is_object()) {
    throw std::runtime_error(progress + ": malformed; delete " + partial_ + " to start over");
  }
  COMPNN_CHECK(
      saved["plan"] == plan_.ToJson(), partial_,
      ": left by an interrupted run with other options or inputs; delete it to start over");
  const std::int64_t done = saved.at("done").get<std::int64_t>();
  saved_hashes = saved["hashes"];
  // A count outside the run would write (or resume reading) outside the preallocated files.
  COMPNN_CHECK(done >= range_.begin && done <= range_.end, progress, ": says ", done,
               " images are done, but the run has ", range_.end, range_.begin > 0 ? " (from " : "",
               range_.begin > 0 ? Concat(range_.begin, ")") : "", "; delete ", partial_,
               " to start over");
  next_image_ = static_cast<int>(done);
  return true;
}

void StoreWriter::OpenOutputs(bool create) {
  for (const StoreLayer& l : plan_.layers)
    layers_[l.name] = OpenOutput(l.file, l.dtype, {l.height, l.width, l.depth}, !create);
  for (const StorePixels& p : plan_.pixels) {
    pixels_[p.name] = OpenOutput(p.file, DType::kUInt8,
                                 {plan_.input_size.height, plan_.input_size.width, 3}, !create);
  }
  global_ = OpenOutput("global.npy", DType::kFloat32, {plan_.GlobalLength()}, !create);
}

StoreWriter::Output StoreWriter::OpenOutput(const std::string& file, DType dtype,
                                            std::vector<std::int64_t> image_shape, bool resume) {
  Output out;
  out.file = file;
  out.dtype = dtype;
  out.image_shape = std::move(image_shape);
  const std::string path = partial_ + "/" + file;
  out.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  COMPNN_CHECK(out.fd >= 0, path, ": cannot create: ", std::strerror(errno));
  // A streaming store's count is unknown until Commit: the header is sized for the largest.
  std::vector<std::int64_t> shape = out.image_shape;
  shape.insert(shape.begin(),
               streaming_ ? std::int64_t{1} << 40 : static_cast<std::int64_t>(plan_.images.size()));
  const std::string header = NpyHeaderBytes(dtype, shape);
  out.header_bytes = header.size();
  if (!resume) {
    PwriteAll(out.fd, header.data(), header.size(), 0, path);
    std::int64_t elements = 1;
    for (std::int64_t d : shape) elements *= d;
    if (!streaming_) {
      const off_t bytes = static_cast<off_t>(header.size() + elements * DTypeSize(dtype));
      const int truncated = ::ftruncate(out.fd, bytes);
      COMPNN_CHECK(truncated == 0, path, ": cannot allocate: ", std::strerror(errno));
    }
  }
  return out;
}

StoreWriter::~StoreWriter() {
  for (auto& [name, out] : layers_) ::close(out.fd);
  for (auto& [name, out] : pixels_) ::close(out.fd);
  if (global_.fd >= 0) ::close(global_.fd);
}

void StoreWriter::SaveProgress() {
  for (auto& [name, out] : layers_) ::fdatasync(out.fd);
  for (auto& [name, out] : pixels_) ::fdatasync(out.fd);
  ::fdatasync(global_.fd);
  if (streaming_) return;  // a streaming run cannot resume: nothing to record
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& [name, out] : layers_) hashes[out.file] = out.hash;
  for (const auto& [name, out] : pixels_) hashes[out.file] = out.hash;
  hashes[global_.file] = global_.hash;
  WriteFileAtomically(
      partial_ + "/" + progress_file_,
      nlohmann::json{{"plan", plan_.ToJson()}, {"done", next_image_}, {"hashes", hashes}}.dump() +
          "\n");
}

std::size_t StoreWriter::Output::ImageBytes() const {
  std::size_t elements = 1;
  for (std::int64_t d : image_shape) elements *= static_cast<std::size_t>(d);
  return elements * DTypeSize(dtype);
}

void StoreWriter::WriteImage(Output& out, int index, const void* data) {
  const std::size_t bytes = out.ImageBytes();
  const off_t offset = static_cast<off_t>(out.header_bytes + index * bytes);
  if (out.dtype == DType::kFloat16) {
    halves_.resize(bytes / 2);
    FloatsToHalves(static_cast<const float*>(data), halves_.data(), bytes / 2);
    data = halves_.data();
  }
  PwriteAll(out.fd, data, bytes, offset, out.file);
  out.hash = XXH3_64bits_withSeed(data, bytes, out.hash);
}

void StoreWriter::CheckResumable(const nlohmann::json& hashes) {
  const std::string start_over = "; delete " + partial_ + " to start over";
  const auto check = [&](Output& out) {
    const std::string path = partial_ + "/" + out.file;
    struct stat st {};
    COMPNN_CHECK(::fstat(out.fd, &st) == 0, path, ": cannot read: ", std::strerror(errno));
    const std::size_t bytes = out.ImageBytes();
    const std::size_t expected = out.header_bytes + bytes * plan_.images.size();
    COMPNN_CHECK(static_cast<std::size_t>(st.st_size) == expected, path, ": damaged (", st.st_size,
                 " bytes, expected ", expected, ")", start_over);
    std::vector<std::int64_t> shape = out.image_shape;
    shape.insert(shape.begin(), static_cast<std::int64_t>(plan_.images.size()));
    const std::string header = NpyHeaderBytes(out.dtype, shape);
    std::string found(header.size(), '\0');
    COMPNN_CHECK(
        header.size() == out.header_bytes &&
            ::pread(out.fd, found.data(), found.size(), 0) == static_cast<ssize_t>(found.size()) &&
            found == header,
        path, ": damaged header", start_over);
    // The finished images are read back and hashed as they were written: a file changed or
    // truncated since, or a progress record ahead of the data, shows as another hash.
    std::vector<char> image(bytes);
    std::uint64_t hash = 0;
    for (int i = range_.begin; i < next_image_; ++i) {
      const off_t offset = static_cast<off_t>(out.header_bytes + i * bytes);
      COMPNN_CHECK(::pread(out.fd, image.data(), bytes, offset) == static_cast<ssize_t>(bytes),
                   path, ": cannot read image ", i, start_over);
      hash = XXH3_64bits_withSeed(image.data(), bytes, hash);
    }
    COMPNN_CHECK(hashes.contains(out.file) && hashes[out.file].is_number_unsigned() &&
                     hashes[out.file].get<std::uint64_t>() == hash,
                 path, ": images ", range_.begin, " to ", next_image_ - 1,
                 " differ from what the interrupted run wrote", start_over);
    out.hash = hash;
  };
  for (auto& [name, out] : layers_) check(out);
  for (auto& [name, out] : pixels_) check(out);
  check(global_);
}

namespace {

// Throws naming the first value a store could not keep faithfully: NaN or infinite, or (for
// float16) beyond its largest finite value, which would be stored as infinite.
void CheckMap(const float* values, const std::vector<std::int64_t>& shape, DType dtype,
              const std::string& what) {
  std::int64_t count = 1;
  for (const std::int64_t d : shape) count *= d;
  constexpr float kLargestHalf = 65504.0f;
  const bool half = dtype == DType::kFloat16;
  for (std::int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (std::isfinite(v) && (!half || std::fabs(v) <= kLargestHalf)) continue;
    std::string where = "value " + std::to_string(i);
    if (shape.size() == 3) {
      const std::int64_t depth = shape[2], width = shape[1];
      where = "cell (" + std::to_string(i / depth / width) + ", " +
              std::to_string(i / depth % width) + "), channel " + std::to_string(i % depth);
    }
    if (!std::isfinite(v)) throw std::runtime_error(what + ": " + where + " is " + Concat(v));
    throw std::runtime_error(what + ": " + where + " is " + Concat(v) +
                             ", beyond float16's range (+-65504); keep the store in float32");
  }
}

}  // namespace

void StoreWriter::CheckValues(const std::string& image,
                              const std::map<std::string, const float*>& maps,
                              const float* global) const {
  for (const StoreLayer& l : plan_.layers) {
    const Output& out = layers_.at(l.name);
    CheckMap(maps.at(l.name), out.image_shape, out.dtype, "image " + image + ", layer " + l.name);
  }
  CheckMap(global, global_.image_shape, global_.dtype,
           "image " + image + ", global descriptor (" + plan_.global_layer + ")");
}

void StoreWriter::Write(int index, const std::map<std::string, const float*>& maps,
                        const float* global,
                        const std::map<std::string, const std::uint8_t*>& pixels) {
  if (index != next_image_) throw std::logic_error("store images must be written in order");
  if (!streaming_ && index >= range_.end) throw std::logic_error("image outside the writer's run");
  CheckValues(
      index < static_cast<int>(plan_.images.size()) ? plan_.images[index] : Concat("#", index),
      maps, global);
  for (const StoreLayer& l : plan_.layers) WriteImage(layers_.at(l.name), index, maps.at(l.name));
  for (const StorePixels& p : plan_.pixels) {
    const auto it = pixels.find(p.name);
    if (it == pixels.end()) throw std::logic_error("store image without its " + p.name);
    WriteImage(pixels_.at(p.name), index, it->second);
  }
  WriteImage(global_, index, global);
  ++next_image_;
  if ((next_image_ - range_.begin) % kSyncEvery == 0) SaveProgress();
}

void StoreWriter::Append(const std::string& name, const std::map<std::string, const float*>& maps,
                         const float* global,
                         const std::map<std::string, const std::uint8_t*>& pixels) {
  if (!streaming_) throw std::logic_error("Append is for streaming stores (a plan without images)");
  plan_.images.push_back(name);  // first, so that a refused value names the image
  try {
    Write(next_image_, maps, global, pixels);
  } catch (...) {
    plan_.images.pop_back();
    throw;
  }
}

void StoreWriter::Commit() {
  if (ranks_->size() > 1) {
    if (next_image_ != range_.end) {
      throw std::logic_error(Concat("rank ", ranks_->rank(), " committed with ",
                                    next_image_ - range_.begin, " of its ", range_.size(),
                                    " images"));
    }
    SaveProgress();  // this rank's data on disk before rank 0 reads it
    ranks_->Barrier();
    if (!ranks_->is_root()) return;
  } else if (streaming_) {
    COMPNN_CHECK(next_image_ > 0, dir_, ": no images were written");
    // The headers now get the final count, padded to the length reserved for them.
    const auto seal = [&](const Output& out) {
      std::vector<std::int64_t> shape = out.image_shape;
      shape.insert(shape.begin(), next_image_);
      const std::string header = NpyHeaderBytes(out.dtype, shape, out.header_bytes);
      COMPNN_CHECK(header.size() == out.header_bytes, out.file, ": header grew");
      PwriteAll(out.fd, header.data(), header.size(), 0, out.file);
    };
    for (auto& [name, out] : layers_) seal(out);
    for (auto& [name, out] : pixels_) seal(out);
    seal(global_);
  } else if (next_image_ != static_cast<int>(plan_.images.size())) {
    throw std::logic_error("store committed with " + std::to_string(next_image_) + " of " +
                           std::to_string(plan_.images.size()) + " images");
  }
  for (auto& [name, out] : layers_) ::fsync(out.fd);
  for (auto& [name, out] : pixels_) ::fsync(out.fd);
  ::fsync(global_.fd);
  for (StoreLayer& l : plan_.layers) l.checksum = FileChecksum(partial_ + "/" + l.file);
  for (StorePixels& p : plan_.pixels) p.checksum = FileChecksum(partial_ + "/" + p.file);
  plan_.global_checksum = FileChecksum(partial_ + "/global.npy");
  WriteJsonFile(partial_ + "/manifest.json", plan_.ToJson());
  for (const fs::directory_entry& entry : fs::directory_iterator(partial_)) {
    if (RanksOfProgressFile(entry.path().filename().string()) > 0) fs::remove(entry.path());
  }
  if (fs::exists(dir_)) {
    const std::string old = dir_ + ".old";
    fs::remove_all(old);
    fs::rename(dir_, old);
    fs::rename(partial_, dir_);
    fs::remove_all(old);
  } else {
    fs::rename(partial_, dir_);
  }
}

}  // namespace compnn
