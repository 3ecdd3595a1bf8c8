#include "compnn/store/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "compnn/store/atomic_file.h"

namespace compnn {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

[[noreturn]] void Corrupt(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + ": not a valid .npy file: " + why);
}

// A reader for the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderDict {
 public:
  HeaderDict(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  NpyHeader Parse() {
    NpyHeader header;
    bool have_descr = false, have_order = false, have_shape = false;
    Expect('{');
    while (!Accept('}')) {
      const std::string key = String();
      Expect(':');
      if (key == "descr") {
        header.dtype = ParseDescr(String());
        have_descr = true;
      } else if (key == "fortran_order") {
        const std::string value = Word();
        if (value != "False" && value != "True") Corrupt(path_, "fortran_order is " + value);
        fortran_order_ = value == "True";
        have_order = true;
      } else if (key == "shape") {
        header.shape = Shape();
        have_shape = true;
      } else {
        Corrupt(path_, "unexpected header key '" + key + "'");
      }
      if (!Accept(',')) {
        Expect('}');
        break;
      }
    }
    if (!have_descr || !have_order || !have_shape) Corrupt(path_, "header lacks a key");
    if (fortran_order_ && header.shape.size() > 1) {
      throw std::runtime_error(path_ +
                               ": Fortran-ordered arrays are not supported; save it with "
                               "numpy.ascontiguousarray first");
    }
    return header;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Accept(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Expect(char c) {
    if (!Accept(c)) Corrupt(path_, std::string("malformed header, expected '") + c + "'");
  }
  std::string String() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      Corrupt(path_, "malformed header, expected a string");
    }
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) Corrupt(path_, "malformed header, unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  std::string Word() {
    SkipSpace();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::vector<std::int64_t> Shape() {
    std::vector<std::int64_t> shape;
    Expect('(');
    while (!Accept(')')) {
      const std::string digits = Word();
      if (digits.empty() || digits.size() > 15 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        Corrupt(path_, "malformed shape");
      }
      shape.push_back(std::stoll(digits));
      if (!Accept(',')) {
        Expect(')');
        break;
      }
    }
    return shape;
  }
  DType ParseDescr(const std::string& descr) {
    if (descr == "<f4") return DType::kFloat32;
    if (descr == "<f2") return DType::kFloat16;
    if (descr == "<i4") return DType::kInt32;
    if (descr == "|u1" || descr == "<u1") return DType::kUInt8;
    throw std::runtime_error(path_ + ": unsupported dtype '" + descr +
                             "' (compnn reads little-endian float32, float16, int32 and uint8)");
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
  bool fortran_order_ = false;
};

std::string ShapeText(const std::vector<std::int64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string_view DTypeDescr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat16:
      return "<f2";
    case DType::kInt32:
      return "<i4";
    case DType::kUInt8:
      return "|u1";
  }
  return "?";
}

std::size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return 4;
    case DType::kFloat16:
      return 2;
    case DType::kInt32:
      return 4;
    case DType::kUInt8:
      return 1;
  }
  return 0;
}

std::int64_t NpyHeader::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

NpyHeader ParseNpyHeader(std::string_view bytes, const std::string& path) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic) {
    Corrupt(path, "missing the \\x93NUMPY magic string");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t length_bytes = 0;
  if (major == 1) {
    length_bytes = 2;
  } else if (major == 2 || major == 3) {
    length_bytes = 4;
  } else {
    Corrupt(path, "format version " + std::to_string(major) + " is not supported");
  }
  // Found by fuzzing: a version 2 header's length takes 4 bytes, past a 10-byte file's end.
  if (bytes.size() < 8 + length_bytes) Corrupt(path, "header is truncated");
  std::size_t header_length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) {
    header_length |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  }
  const std::size_t start = 8 + length_bytes;
  if (bytes.size() < start + header_length) Corrupt(path, "header is truncated");
  NpyHeader header = HeaderDict(bytes.substr(start, header_length), path).Parse();
  header.data_offset = start + header_length;
  std::int64_t elements = 1;
  for (std::int64_t d : header.shape) {
    if (d != 0 && elements > std::numeric_limits<std::int64_t>::max() / 16 / d) {
      Corrupt(path, "shape is too large");
    }
    elements *= d;
  }
  return header;
}

NpyFile NpyFile::Open(const std::string& path) {
  // O_NONBLOCK: a FIFO would block the open until a writer came; it is refused below instead.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(path + ": not a regular file");
  }
  NpyFile file;
  file.path_ = path;
  file.mapped_bytes_ = static_cast<std::size_t>(st.st_size);
  if (file.mapped_bytes_ == 0) {
    ::close(fd);
    Corrupt(path, "the file is empty");
  }
  file.mapping_ = ::mmap(nullptr, file.mapped_bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (file.mapping_ == MAP_FAILED) {
    file.mapping_ = nullptr;
    throw std::runtime_error(path + ": cannot memory-map: " + std::strerror(errno));
  }
  file.header_ = ParseNpyHeader(
      std::string_view(static_cast<const char*>(file.mapping_), file.mapped_bytes_), path);
  const std::size_t expected =
      file.header_.data_offset +
      static_cast<std::size_t>(file.header_.elements()) * DTypeSize(file.dtype());
  if (file.mapped_bytes_ != expected) {
    Corrupt(path, "the header promises " + std::to_string(expected) + " bytes for shape " +
                      ShapeText(file.shape()) + " but the file has " +
                      std::to_string(file.mapped_bytes_) +
                      (file.mapped_bytes_ < expected ? " (truncated)" : ""));
  }
  return file;
}

NpyFile::NpyFile(NpyFile&& other) noexcept { *this = std::move(other); }

NpyFile& NpyFile::operator=(NpyFile&& other) noexcept {
  if (this != &other) {
    if (mapping_) ::munmap(mapping_, mapped_bytes_);
    path_ = std::move(other.path_);
    header_ = std::move(other.header_);
    mapping_ = other.mapping_;
    mapped_bytes_ = other.mapped_bytes_;
    other.mapping_ = nullptr;
    other.mapped_bytes_ = 0;
  }
  return *this;
}

NpyFile::~NpyFile() {
  if (mapping_) ::munmap(mapping_, mapped_bytes_);
}

void NpyFile::Require(DType dtype, std::initializer_list<int> ranks) const {
  if (header_.dtype != dtype) {
    throw std::runtime_error(path_ + ": dtype is " + std::string(DTypeDescr(header_.dtype)) +
                             ", expected " + std::string(DTypeDescr(dtype)));
  }
  const int rank = static_cast<int>(header_.shape.size());
  for (int r : ranks) {
    if (r == rank) return;
  }
  std::string allowed;
  for (int r : ranks) allowed += (allowed.empty() ? "" : " or ") + std::to_string(r);
  throw std::runtime_error(path_ + ": has shape " + ShapeText(header_.shape) + " (rank " +
                           std::to_string(rank) + "), expected rank " + allowed);
}

std::string NpyHeaderBytes(DType dtype, const std::vector<std::int64_t>& shape,
                           std::size_t min_length) {
  std::string dict = "{'descr': '" + std::string(DTypeDescr(dtype)) +
                     "', 'fortran_order': False, 'shape': " + ShapeText(shape) + ", }";
  // Pad with spaces and a newline so that the data starts on a 64-byte boundary, at or after
  // min_length.
  const std::size_t unpadded = 10 + dict.size() + 1;
  std::size_t padded = (unpadded + 63) / 64 * 64;
  if (padded < min_length) padded = (min_length + 63) / 64 * 64;
  dict.append(padded - unpadded, ' ');
  dict.push_back('\n');
  if (dict.size() > 65535) throw std::runtime_error("shape too long for an .npy header");
  std::string header(kMagic);
  header.push_back('\x01');
  header.push_back('\x00');
  header.push_back(static_cast<char>(dict.size() & 0xff));
  header.push_back(static_cast<char>(dict.size() >> 8));
  return header + dict;
}

void WriteNpy(const std::string& path, DType dtype, const std::vector<std::int64_t>& shape,
              const void* data) {
  std::int64_t elements = 1;
  for (std::int64_t d : shape) elements *= d;
  WriteFileAtomically(path, NpyHeaderBytes(dtype, shape), data,
                      static_cast<std::size_t>(elements) * DTypeSize(dtype));
}

}  // namespace compnn
