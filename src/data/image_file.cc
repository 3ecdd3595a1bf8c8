#include "compnn/data/image_file.h"

#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <vector>

#include "compnn/core/check.h"
#include "compnn/core/image_size.h"
#include "compnn/store/regular_file.h"

namespace compnn {
namespace {

// At most the pixels of a pair of the largest images (two kMaxImageSide squares side by side):
// found by fuzzing, a 600-byte JPEG declaring 14895 x 12048 pixels, each side within bounds, kept
// the decoder busy past 20 s and near 2 GB.
void CheckPixelCount(const char* format, std::uint64_t width, std::uint64_t height,
                     const std::string& path) {
  constexpr std::uint64_t kMostPixels = 2 * std::uint64_t{kMaxImageSide} * kMaxImageSide;
  COMPNN_CHECK(width * height <= kMostPixels, path, ": ", format, " of ", width, " x ", height,
               " pixels; at most ", kMostPixels, " pixels are read");
}

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

std::uint32_t BigEndian32(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

// A chunk type as text: its four letters, or escapes for bytes a damaged file put there.
std::string Printable(std::string_view type) {
  std::string text;
  for (const char c : type) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      text += c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      text += escaped;
    }
  }
  return text;
}

// Walks the chunks (length, type, data, CRC) from the signature to IEND (PNG specification,
// section 5.3), so that libpng only ever sees a file whose framing is intact.
void CheckPng(std::string_view bytes, const std::string& path) {
  std::size_t at = kPngSignature.size();
  bool first = true;
  while (true) {
    COMPNN_CHECK(bytes.size() - at >= 12, path, ": truncated PNG (it ends before its IEND chunk)");
    const std::uint32_t length = BigEndian32(bytes, at);
    const std::string_view type = bytes.substr(at + 4, 4);
    COMPNN_CHECK(length <= bytes.size() - at - 12, path, ": truncated PNG (chunk ", Printable(type),
                 " runs past the end of the file)");
    const std::uint32_t crc = BigEndian32(bytes, at + 8 + length);
    const auto* typed = reinterpret_cast<const Bytef*>(bytes.data() + at + 4);
    COMPNN_CHECK(crc32(0L, typed, length + 4) == crc, path, ": damaged PNG (chunk ",
                 Printable(type), " fails its CRC)");
    if (first) {
      COMPNN_CHECK(type == "IHDR" && length == 13, path, ": damaged PNG (no IHDR chunk first)");
      const std::uint32_t width = BigEndian32(bytes, at + 8);
      const std::uint32_t height = BigEndian32(bytes, at + 12);
      constexpr std::uint32_t kLargest = 2 * kMaxImageSide;  // a pair of the largest images
      COMPNN_CHECK(width >= 1 && height >= 1 && width <= kLargest && height <= kLargest, path,
                   ": PNG of ", width, " x ", height, " pixels; sides must be in [1, ", kLargest,
                   "]");
      CheckPixelCount("PNG", width, height, path);
      first = false;
    }
    at += 12 + length;
    if (type == "IEND") return;
  }
}

std::uint32_t BigEndian16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1]));
}

// The frame header's size, read from the segments before the scan (ITU T.81, B.1.1.2 and B.2.2):
// found by fuzzing, a 662-byte JPEG declaring 65296 x 255 pixels kept the decoder busy for long.
// The walk skips what libjpeg's marker reader skips (bytes before a marker, 0xFF fill bytes,
// markers without a length), so that the frame header checked is the one it decodes: found by
// fuzzing, one stray byte between two segments hid a 65040-pixel-wide frame from a stricter walk.
void CheckJpegSize(std::string_view bytes, const std::string& path) {
  std::size_t at = 2;
  while (at + 4 <= bytes.size()) {
    if (bytes[at] != '\xff' || bytes[at + 1] == '\xff' || bytes[at + 1] == '\0') {
      ++at;  // not (yet) at a marker
      continue;
    }
    const auto marker = static_cast<unsigned char>(bytes[at + 1]);
    if (marker == 0xda) return;  // the scan starts: no frame header came first
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2;  // TEM, RSTn, SOI, EOI: no length follows
      continue;
    }
    const std::size_t length = BigEndian16(bytes, at + 2);
    const bool frame =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (frame && at + 9 <= bytes.size()) {
      const std::uint32_t height = BigEndian16(bytes, at + 5), width = BigEndian16(bytes, at + 7);
      constexpr std::uint32_t kLargest = 2 * kMaxImageSide;
      COMPNN_CHECK(width <= kLargest && height <= kLargest, path, ": JPEG of ", width, " x ",
                   height, " pixels; sides must be at most ", kLargest);
      CheckPixelCount("JPEG", width, height, path);
      return;
    }
    at += 2 + length;
  }
}

void CheckJpeg(std::string_view bytes, const std::string& path) {
  CheckJpegSize(bytes, path);
  // A JPEG ends with the EOI marker; encoders may pad after it, so trailing zeros are allowed.
  std::size_t end = bytes.size();
  while (end > 2 && bytes[end - 1] == '\0') --end;
  COMPNN_CHECK(end >= 4 && bytes.substr(end - 2, 2) == std::string_view("\xff\xd9", 2), path,
               ": truncated JPEG (no end-of-image marker)");
}

}  // namespace

void CheckImageBytes(std::string_view bytes, const std::string& path) {
  if (bytes.substr(0, kPngSignature.size()) == kPngSignature) {
    CheckPng(bytes, path);
  } else if (bytes.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) {
    CheckJpeg(bytes, path);
  } else {
    // Other formats would reach OpenCV's remaining decoders (GDAL among them), which print their
    // own errors; found by fuzzing.
    throw std::runtime_error(path + ": not a readable image (compnn reads PNG and JPEG files)");
  }
}

cv::Mat ReadImageFile(const std::string& path, int flags, ImageFormats formats) {
  const std::string bytes = ReadRegularFile(path);
  COMPNN_CHECK(!bytes.empty(), path, ": empty file");
  COMPNN_CHECK(bytes.size() < std::size_t{1} << 31, path, ": ", bytes.size(),
               " bytes is too large for an image");
  COMPNN_CHECK(
      formats == ImageFormats::kAny || std::string_view(bytes).substr(0, 8) == kPngSignature, path,
      ": not a readable PNG image (it lacks the PNG signature)");
  CheckImageBytes(bytes, path);
  cv::Mat image;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    image = cv::imdecode(buffer, flags);
  } catch (const cv::Exception&) {
  }
  COMPNN_CHECK(!image.empty(), path, ": not a readable image");
  return image;
}

}  // namespace compnn
