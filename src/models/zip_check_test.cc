#include "compnn/models/zip_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace compnn {
namespace {

// CRC-32 (the polynomial zip uses, reflected), bit by bit: independent of zlib's tables.
std::uint32_t Crc32(const std::string& data) {
  std::uint32_t crc = 0xffffffffu;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
  }
  return ~crc;
}

// A zip archive of two stored entries, "a" (3 bytes) and "bb" (0 bytes), laid out by hand after
// APPNOTE.TXT: local headers and data, the central directory, the end record.
std::string TwoEntryZip() {
  const auto le = [](std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  };
  const auto local = [&](const std::string& name, const std::string& data) {
    return le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(Crc32(data), 4) +
           le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
  };
  const auto central = [&](const std::string& name, const std::string& data, std::size_t offset) {
    const std::size_t size = data.size();
    return le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
           le(Crc32(data), 4) + le(size, 4) + le(size, 4) + le(name.size(), 2) + le(0, 2) +
           le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + name;
  };
  const std::string first = local("a", "xyz"), second = local("bb", "");
  const std::string directory = central("a", "xyz", 0) + central("bb", "", first.size());
  const std::size_t start = first.size() + second.size();
  return first + second + directory + le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(2, 2) +
         le(2, 2) + le(directory.size(), 4) + le(start, 4) + le(0, 2);
}

std::string Refusal(const std::string& bytes) {
  try {
    CheckZipArchive(bytes, "m.pt");
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

TEST(ZipCheck, AcceptsAWellFormedArchiveAndTheProjectsModels) {
  EXPECT_EQ(Refusal(TwoEntryZip()), "");
  for (const std::string model :
       {"models/scenes-segnet.model", "tests/fixtures/torchscript/unet_scripted.pt"}) {
    EXPECT_NO_THROW(CheckZipFile(std::string(COMPNN_SOURCE_DIR) + "/" + model)) << model;
  }
}

TEST(ZipCheck, RefusesTruncationDuplicatesAndEntriesClaimingMoreThanTheFile) {
  const std::string zip = TwoEntryZip();
  EXPECT_NE(Refusal(zip.substr(0, zip.size() - 30)).find("no end of central directory"),
            std::string::npos);
  EXPECT_NE(Refusal("PK").find("too short"), std::string::npos);
  // The second name, "bb", renamed to "a" (name bytes in its local header and its directory entry).
  std::string twice = zip;
  const std::size_t directory = twice.rfind(std::string("\x50\x4b\x01\x02", 4));
  twice[directory + 46] = 'a';
  twice[directory + 47] = '\0';
  twice[directory + 28] = 1;  // name length 1; the spare byte joins the (empty) extra field...
  twice[directory + 30] = 1;  // ...whose length says so
  EXPECT_NE(Refusal(twice).find("entry 'a' is unnamed or listed twice"), std::string::npos)
      << Refusal(twice);
  // Entry "a" claims 2^31 bytes, stored.
  std::string huge = zip;
  const std::size_t first_entry = huge.find(std::string("\x50\x4b\x01\x02", 4));
  huge.replace(first_entry + 20, 4, std::string("\0\0\0\x80", 4));
  huge.replace(first_entry + 24, 4, std::string("\0\0\0\x80", 4));
  EXPECT_NE(Refusal(huge).find("entry 'a' lies outside the file"), std::string::npos)
      << Refusal(huge);
  EXPECT_EQ(Refusal(huge).rfind("m.pt: damaged archive (", 0), 0u);
  // A byte of entry "a"'s data changed (its local header is 31 bytes: 30 and the name).
  std::string changed = zip;
  changed[31] = 'q';
  EXPECT_NE(Refusal(changed).find("entry 'a' fails its CRC"), std::string::npos)
      << Refusal(changed);
}

TEST(ZipCheck, AFileShorterThanTheZip64RecordItPointsAtIsRefused) {
  // Found by fuzzing (48 bytes): the bound on the zip64 end record's offset wrapped around.
  std::ifstream in(
      std::string(COMPNN_SOURCE_DIR) + "/fuzz/corpus/fuzz_model_file/regression-short-zip64.model",
      std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  ASSERT_EQ(bytes.str().size(), 48u);
  EXPECT_NE(Refusal(bytes.str()).find("damaged archive ("), std::string::npos)
      << Refusal(bytes.str());
}

TEST(ZipCheck, RefusesAModelFileWithAChangedByteInsideAnEntry) {
  std::ifstream in(std::string(COMPNN_SOURCE_DIR) + "/fuzz/corpus/fuzz_model_file/segnet.model",
                   std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string model = bytes.str();
  ASSERT_EQ(Refusal(model), "");
  // The second byte of the first entry's data, after its local header (30 bytes, the name, and
  // the extra field LibTorch pads with to align the data).
  const auto u16 = [&](std::size_t at) {
    return static_cast<unsigned char>(model[at]) | static_cast<unsigned char>(model[at + 1]) << 8;
  };
  model[30 + u16(26) + u16(28) + 1] ^= 0x40;
  EXPECT_NE(Refusal(model).find("m.pt: damaged archive (entry '"), std::string::npos)
      << Refusal(model);
}

}  // namespace
}  // namespace compnn
