#include "compnn/models/zip_check.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <vector>

#include "compnn/core/check.h"
#include "compnn/store/regular_file.h"

namespace compnn {
namespace {

// Zip's records (APPNOTE.TXT, sections 4.3.12, 4.3.14, 4.3.15, 4.3.16, 4.5.3).
constexpr std::uint32_t kLocalEntry = 0x04034b50, kCentralEntry = 0x02014b50, kEnd = 0x06054b50,
                        kEnd64 = 0x06064b50, kEnd64Locator = 0x07064b50;
constexpr std::uint64_t kDeflateMaxRatio = 1032;  // deflate's largest expansion

std::uint64_t Little(std::string_view bytes, std::size_t at, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

// The entry's data, found through its local header, against the CRC-32 the directory records
// (of the data unpacked): LibTorch does not check it, and its readers (the unpickler, the
// TorchScript parser) crash on some damaged contents.
void CheckEntryData(std::string_view bytes, std::uint64_t offset, std::uint64_t packed,
                    std::uint64_t unpacked, std::uint64_t method, std::uint64_t crc,
                    std::string_view name, const std::string& bad) {
  COMPNN_CHECK(
      bytes.size() >= 30 && offset <= bytes.size() - 30 && Little(bytes, offset, 4) == kLocalEntry,
      bad, "entry '", name, "' has no local header)");
  const std::uint64_t start =
      offset + 30 + Little(bytes, offset + 26, 2) + Little(bytes, offset + 28, 2);
  COMPNN_CHECK(start <= bytes.size() && packed <= bytes.size() - start, bad, "entry '", name,
               "' runs past the end of the file)");
  const auto* data = reinterpret_cast<const Bytef*>(bytes.data() + start);
  uLong found = crc32(0L, Z_NULL, 0);
  if (method == 0) {
    for (std::uint64_t done = 0; done < packed;) {
      const uInt chunk = static_cast<uInt>(std::min<std::uint64_t>(packed - done, 1u << 30));
      found = crc32(found, data + done, chunk);
      done += chunk;
    }
  } else {
    // Raw deflate, inflated in pieces; the size was bounded against `packed` above.
    z_stream stream{};
    COMPNN_CHECK(inflateInit2(&stream, -MAX_WBITS) == Z_OK, bad, "cannot inflate)");
    stream.next_in = const_cast<Bytef*>(data);
    stream.avail_in = static_cast<uInt>(std::min<std::uint64_t>(packed, 1u << 30));
    std::vector<Bytef> out(1 << 16);
    std::uint64_t total = 0;
    int status = Z_OK;
    while (status == Z_OK) {
      stream.next_out = out.data();
      stream.avail_out = static_cast<uInt>(out.size());
      status = inflate(&stream, Z_NO_FLUSH);
      const std::uint64_t produced = out.size() - stream.avail_out;
      found = crc32(found, out.data(), static_cast<uInt>(produced));
      total += produced;
      if (status == Z_OK && produced == 0 && stream.avail_in == 0) break;
    }
    inflateEnd(&stream);
    COMPNN_CHECK(status == Z_STREAM_END && total == unpacked, bad, "entry '", name,
                 "' does not inflate to its ", unpacked, " bytes)");
  }
  COMPNN_CHECK(found == crc, bad, "entry '", name, "' fails its CRC)");
}

// The end of central directory record's offset. It is in the last 22 + 65535 bytes (its comment
// is at most 65535 bytes).
std::size_t FindEndRecord(std::string_view bytes, const std::string& bad) {
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
  return end;
}

struct CentralDirectory {
  std::uint64_t entries, size, offset;
};

// The central directory the end record at `end` (or the zip64 one it leads to) describes, checked
// to lie inside the file and to have room for its entries.
CentralDirectory ReadCentralDirectory(std::string_view bytes, std::size_t end,
                                      const std::string& bad) {
  std::uint64_t entries = Little(bytes, end + 10, 2), directory_size = Little(bytes, end + 12, 4),
                directory = Little(bytes, end + 16, 4);
  // Zip64: the locator just before the end record points at the zip64 end record.
  if (end >= 20 && Little(bytes, end - 20, 4) == kEnd64Locator) {
    const std::uint64_t end64 = Little(bytes, end - 12, 8);
    // Found by fuzzing: a file shorter than the zip64 record made this bound wrap around.
    COMPNN_CHECK(
        bytes.size() >= 56 && end64 <= bytes.size() - 56 && Little(bytes, end64, 4) == kEnd64, bad,
        "zip64 end record outside the file)");
    entries = Little(bytes, end64 + 32, 8);
    directory_size = Little(bytes, end64 + 40, 8);
    directory = Little(bytes, end64 + 48, 8);
  }
  COMPNN_CHECK(directory <= bytes.size() && directory_size <= bytes.size() - directory, bad,
               "central directory outside the file)");
  COMPNN_CHECK(entries >= 1 && entries <= directory_size / 46, bad, entries,
               " entries cannot fit its central directory)");
  return {entries, directory_size, directory};
}

// Zip64 sizes and offset, in that order, for the fields that hold 0xffffffff: read from the extra
// fields in bytes [from, to).
void ReadZip64Extra(std::string_view bytes, std::size_t from, std::size_t to,
                    std::uint64_t& unpacked, std::uint64_t& packed, std::uint64_t& offset) {
  for (std::size_t x = from; x + 4 <= to;) {
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
}

// Checks entry `i` of the central directory, whose record starts at `at`, and the data it points
// at; returns the record's size.
std::size_t CheckCentralEntry(std::string_view bytes, std::size_t at, std::uint64_t i,
                              const CentralDirectory& d, std::set<std::string_view>& names,
                              const std::string& bad) {
  COMPNN_CHECK(at + 46 <= d.offset + d.size && Little(bytes, at, 4) == kCentralEntry, bad, "entry ",
               i, " of the central directory is malformed)");
  const std::uint64_t method = Little(bytes, at + 10, 2);
  std::uint64_t packed = Little(bytes, at + 20, 4), unpacked = Little(bytes, at + 24, 4),
                offset = Little(bytes, at + 42, 4);
  const std::size_t name_size = Little(bytes, at + 28, 2), extra_size = Little(bytes, at + 30, 2),
                    comment_size = Little(bytes, at + 32, 2);
  const std::size_t record = 46 + name_size + extra_size + comment_size;
  COMPNN_CHECK(at + record <= d.offset + d.size, bad, "entry ", i,
               " runs past the central directory)");
  const std::string_view name = bytes.substr(at + 46, name_size);
  COMPNN_CHECK(!name.empty() && names.insert(name).second, bad, "entry '", name,
               "' is unnamed or listed twice)");
  ReadZip64Extra(bytes, at + 46 + name_size, at + 46 + name_size + extra_size, unpacked, packed,
                 offset);
  COMPNN_CHECK(method == 0 || method == 8, bad, "entry '", name, "' uses compression method ",
               method, ")");
  COMPNN_CHECK(method == 8 ? unpacked <= kDeflateMaxRatio * packed + 64 : unpacked == packed, bad,
               "entry '", name, "' claims ", unpacked, " bytes from ", packed, ")");
  COMPNN_CHECK(offset < bytes.size() && packed <= bytes.size() - offset, bad, "entry '", name,
               "' lies outside the file)");
  CheckEntryData(bytes, offset, packed, unpacked, method, Little(bytes, at + 16, 4), name, bad);
  return record;
}

}  // namespace

void CheckZipArchive(std::string_view bytes, const std::string& path) {
  const std::string bad = path + ": damaged archive (";
  const std::size_t end = FindEndRecord(bytes, bad);
  const CentralDirectory directory = ReadCentralDirectory(bytes, end, bad);
  std::set<std::string_view> names;
  std::size_t at = directory.offset;
  for (std::uint64_t i = 0; i < directory.entries; ++i)
    at += CheckCentralEntry(bytes, at, i, directory, names, bad);
}

void CheckZipFile(const std::string& path) { CheckZipArchive(ReadRegularFile(path), path); }

}  // namespace compnn
