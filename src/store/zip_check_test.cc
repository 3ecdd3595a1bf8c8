#include "compnn/store/zip_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace compnn {
namespace {

// A zip archive of two stored entries, "a" (3 bytes) and "bb" (0 bytes), laid out by hand after
// APPNOTE.TXT: local headers and data, the central directory, the end record.
std::string TwoEntryZip() {
  const auto le = [](std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  };
  const auto local = [&](const std::string& name, const std::string& data) {
    return le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
           le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
  };
  const auto central = [&](const std::string& name, std::size_t size, std::size_t offset) {
    return le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
           le(size, 4) + le(size, 4) + le(name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) +
           le(0, 2) + le(0, 4) + le(offset, 4) + name;
  };
  const std::string first = local("a", "xyz"), second = local("bb", "");
  const std::string directory = central("a", 3, 0) + central("bb", 0, first.size());
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
}

}  // namespace
}  // namespace compnn
