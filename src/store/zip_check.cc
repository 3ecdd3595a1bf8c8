#include "compnn/store/zip_check.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "compnn/core/check.h"

namespace compnn {
namespace {

// Zip's records (APPNOTE.TXT, sections 4.3.12, 4.3.14, 4.3.15, 4.3.16, 4.5.3).
constexpr std::uint32_t kCentralEntry = 0x02014b50, kEnd = 0x06054b50, kEnd64 = 0x06064b50,
                        kEnd64Locator = 0x07064b50;
constexpr std::uint64_t kDeflateMaxRatio = 1032;  // deflate's largest expansion

std::uint64_t Little(std::string_view bytes, std::size_t at, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

}  // namespace

void CheckZipArchive(std::string_view bytes, const std::string& path) {
  const std::string bad = path + ": damaged archive (";
  // The end record is in the last 22 + 65535 bytes (its comment is at most 65535 bytes).
  COMPNN_CHECK(bytes.size() >= 22, bad, "too short to be a zip file)");
  std::size_t end = std::string_view::npos;
  for (std::size_t at = bytes.size() - 22;; --at) {
    if (Little(bytes, at, 4) == kEnd) {
      end = at;
      break;
    }
    if (at == 0 || bytes.size() - at > 22 + 65535) break;
  }
  COMPNN_CHECK(end != std::string_view::npos, bad, "no end of central directory: truncated?)");
  std::uint64_t entries = Little(bytes, end + 10, 2), directory_size = Little(bytes, end + 12, 4),
                directory = Little(bytes, end + 16, 4);
  // Zip64: the locator just before the end record points at the zip64 end record.
  if (end >= 20 && Little(bytes, end - 20, 4) == kEnd64Locator) {
    const std::uint64_t end64 = Little(bytes, end - 12, 8);
    COMPNN_CHECK(end64 <= bytes.size() - 56 && Little(bytes, end64, 4) == kEnd64, bad,
                 "zip64 end record outside the file)");
    entries = Little(bytes, end64 + 32, 8);
    directory_size = Little(bytes, end64 + 40, 8);
    directory = Little(bytes, end64 + 48, 8);
  }
  COMPNN_CHECK(directory <= bytes.size() && directory_size <= bytes.size() - directory, bad,
               "central directory outside the file)");
  COMPNN_CHECK(entries >= 1 && entries <= directory_size / 46, bad, entries,
               " entries cannot fit its central directory)");
  std::set<std::string_view> names;
  std::size_t at = directory;
  for (std::uint64_t i = 0; i < entries; ++i) {
    COMPNN_CHECK(at + 46 <= directory + directory_size && Little(bytes, at, 4) == kCentralEntry,
                 bad, "entry ", i, " of the central directory is malformed)");
    const std::uint64_t method = Little(bytes, at + 10, 2);
    std::uint64_t packed = Little(bytes, at + 20, 4), unpacked = Little(bytes, at + 24, 4),
                  offset = Little(bytes, at + 42, 4);
    const std::size_t name_size = Little(bytes, at + 28, 2), extra_size = Little(bytes, at + 30, 2),
                      comment_size = Little(bytes, at + 32, 2);
    const std::size_t record = 46 + name_size + extra_size + comment_size;
    COMPNN_CHECK(at + record <= directory + directory_size, bad, "entry ", i,
                 " runs past the central directory)");
    const std::string_view name = bytes.substr(at + 46, name_size);
    COMPNN_CHECK(!name.empty() && names.insert(name).second, bad, "entry '", name,
                 "' is unnamed or listed twice)");
    // Zip64 sizes and offset, in that order, for the fields that hold 0xffffffff.
    for (std::size_t x = at + 46 + name_size; x + 4 <= at + 46 + name_size + extra_size;) {
      const std::uint64_t id = Little(bytes, x, 2), size = Little(bytes, x + 2, 2);
      if (id == 1) {
        std::size_t field = x + 4;
        for (std::uint64_t* value : {&unpacked, &packed, &offset}) {
          if (*value != 0xffffffff || field + 8 > x + 4 + size) continue;
          *value = Little(bytes, field, 8);
          field += 8;
        }
      }
      x += 4 + size;
    }
    COMPNN_CHECK(method == 0 || method == 8, bad, "entry '", name, "' uses compression method ",
                 method, ")");
    COMPNN_CHECK(method == 8 ? unpacked <= kDeflateMaxRatio * packed + 64 : unpacked == packed, bad,
                 "entry '", name, "' claims ", unpacked, " bytes from ", packed, ")");
    COMPNN_CHECK(offset < bytes.size() && packed <= bytes.size() - offset, bad, "entry '", name,
                 "' lies outside the file)");
    at += record;
  }
}

void CheckZipFile(const std::string& path) {
  std::error_code error;
  COMPNN_CHECK(std::filesystem::is_regular_file(path, error), path,
               std::filesystem::exists(path, error) ? ": not a regular file" : ": no such file");
  std::ifstream file(path, std::ios::binary);
  COMPNN_CHECK(file, path, ": cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CheckZipArchive(bytes, path);
}

}  // namespace compnn
