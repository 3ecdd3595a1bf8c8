// Reading and writing NumPy .npy files (format versions 1.0 to 3.0, little-endian, C order).
// Arrays are read by memory mapping, so a database larger than memory can be searched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace compnn {

enum class DType { kFloat32, kFloat16, kInt32, kUInt8 };

// The NumPy type string ("<f4", ...) and the size in bytes of one element.
std::string_view DTypeDescr(DType dtype);
std::size_t DTypeSize(DType dtype);

struct NpyHeader {
  DType dtype = DType::kFloat32;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;  // bytes from the file's start to the first element

  std::int64_t elements() const;
};

// Parses the header at the start of `bytes` (the whole file or its first bytes). Throws
// std::runtime_error naming `path` when it is not a supported .npy header.
NpyHeader ParseNpyHeader(std::string_view bytes, const std::string& path);

// A read-only, memory-mapped .npy file.
class NpyFile {
 public:
  // Throws std::runtime_error naming the file when it is missing, unreadable, not a supported
  // .npy file, or shorter or longer than its header says.
  static NpyFile Open(const std::string& path);

  NpyFile() = default;
  NpyFile(NpyFile&& other) noexcept;
  NpyFile& operator=(NpyFile&& other) noexcept;
  NpyFile(const NpyFile&) = delete;
  NpyFile& operator=(const NpyFile&) = delete;
  ~NpyFile();

  const std::string& path() const { return path_; }
  const NpyHeader& header() const { return header_; }
  DType dtype() const { return header_.dtype; }
  const std::vector<std::int64_t>& shape() const { return header_.shape; }
  const void* data() const { return static_cast<const char*>(mapping_) + header_.data_offset; }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data());
  }

  // The whole file as mapped, header included (what its checksum covers).
  std::string_view bytes() const { return {static_cast<const char*>(mapping_), mapped_bytes_}; }

  // Throws std::runtime_error naming the file unless it holds `dtype` with a rank in the list.
  void Require(DType dtype, std::initializer_list<int> ranks) const;

 private:
  std::string path_;
  NpyHeader header_;
  void* mapping_ = nullptr;
  std::size_t mapped_bytes_ = 0;
};

// The header (magic, version 1.0, dict, padding) of an array; its data follows at the 64-byte
// boundary the header ends on, padded to at least `min_length` bytes (so that a header written
// before the final shape is known can be overwritten in place).
std::string NpyHeaderBytes(DType dtype, const std::vector<std::int64_t>& shape,
                           std::size_t min_length = 0);

// Writes an array atomically: to a temporary file beside `path`, then renamed over it.
void WriteNpy(const std::string& path, DType dtype, const std::vector<std::int64_t>& shape,
              const void* data);

}  // namespace compnn
