#include "compnn/store/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace compnn {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("compnn_npy_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void WriteRaw(const std::string& name, const std::string& bytes) const {
    std::ofstream(Path(name), std::ios::binary) << bytes;
  }
  std::string ReadRaw(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static bool HaveNumpy() {
    return std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0;
  }

  fs::path dir_;
};

// A version 1.0 header built by hand, as the format's specification describes it.
std::string HandHeader(const std::string& dict) {
  std::string padded = dict;
  while ((10 + padded.size() + 1) % 64 != 0) padded += ' ';
  padded += '\n';
  std::string h = "\x93NUMPY";
  h += '\x01';
  h += '\x00';
  h += static_cast<char>(padded.size() & 0xff);
  h += static_cast<char>(padded.size() >> 8);
  return h + padded;
}

TEST_F(NpyTest, RoundTripsFloatAndIntArrays) {
  const std::vector<float> values = {1.5f, -2.0f, 0.0f, 3.25f, 4.0f, 5.0f};
  WriteNpy(Path("a.npy"), DType::kFloat32, {1, 2, 3}, values.data());
  const NpyFile file = NpyFile::Open(Path("a.npy"));
  EXPECT_EQ(file.shape(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(file.dtype(), DType::kFloat32);
  EXPECT_EQ(file.header().data_offset % 64, 0u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(file.data_as<float>()[i], values[i]);

  const std::vector<std::int32_t> ints = {7, -8, 9};
  WriteNpy(Path("b.npy"), DType::kInt32, {3}, ints.data());
  const NpyFile b = NpyFile::Open(Path("b.npy"));
  EXPECT_EQ(b.shape(), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(b.data_as<std::int32_t>()[1], -8);
  EXPECT_NE(ReadRaw("b.npy").find("'shape': (3,)"), std::string::npos);
  // No temporary file is left beside the target.
  int files = 0;
  for (auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST_F(NpyTest, ReadsAHandWrittenFile) {
  std::string bytes = HandHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }");
  const std::int32_t values[] = {1, 2, 3, 40000};
  bytes.append(reinterpret_cast<const char*>(values), sizeof(values));
  WriteRaw("h.npy", bytes);
  const NpyFile file = NpyFile::Open(Path("h.npy"));
  EXPECT_EQ(file.shape(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(file.data_as<std::int32_t>()[3], 40000);
  file.Require(DType::kInt32, {2});
  EXPECT_THROW(file.Require(DType::kFloat32, {2}), std::runtime_error);
  EXPECT_THROW(file.Require(DType::kInt32, {3, 4}), std::runtime_error);
}

TEST_F(NpyTest, NumpyReadsOursAndWeReadNumpys) {
  if (!HaveNumpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not installed";
  const std::vector<float> values = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
  WriteNpy(Path("ours.npy"), DType::kFloat32, {2, 3}, values.data());
  const std::string check = "/usr/bin/python3 -c \"import numpy as np; a = np.load('" +
                            Path("ours.npy") + "', mmap_mode='r'); assert a.shape == (2, 3) and " +
                            "a.dtype == np.float32 and float(a[1, 2]) == 5.5\"";
  EXPECT_EQ(std::system(check.c_str()), 0);

  const std::string make = "/usr/bin/python3 -c \"import numpy as np; np.save('" +
                           Path("theirs.npy") +
                           "', np.arange(24, dtype=np.float16).reshape(2, 3, 4)); " + "np.save('" +
                           Path("big.npy") + "', np.ones((3, 5, 7, 2), np.float32) * 2)\"";
  ASSERT_EQ(std::system(make.c_str()), 0);
  const NpyFile theirs = NpyFile::Open(Path("theirs.npy"));
  EXPECT_EQ(theirs.dtype(), DType::kFloat16);
  EXPECT_EQ(theirs.shape(), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(theirs.data_as<std::uint16_t>()[1], 0x3C00);  // 1.0 in half precision
  const NpyFile big = NpyFile::Open(Path("big.npy"));
  EXPECT_EQ(big.shape(), (std::vector<std::int64_t>{3, 5, 7, 2}));
  EXPECT_EQ(big.data_as<float>()[3 * 5 * 7 * 2 - 1], 2.0f);
}

TEST_F(NpyTest, ErrorsNameTheFileAndTheProblem) {
  auto expect_error = [&](const std::string& name, const std::string& needle) {
    try {
      NpyFile::Open(Path(name));
      ADD_FAILURE() << name << " opened";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(name), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  expect_error("missing.npy", "cannot open");
  WriteRaw("empty.npy", "");
  expect_error("empty.npy", "empty");
  WriteRaw("text.npy", "hello, this is not numpy at all");
  expect_error("text.npy", "magic");
  const std::string f4 = HandHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }");
  WriteRaw("short.npy", f4 + std::string(12, '\0'));
  expect_error("short.npy", "truncated");
  WriteRaw("long.npy", f4 + std::string(20, '\0'));
  expect_error("long.npy", "bytes");
  WriteRaw("f8.npy", HandHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }") +
                         std::string(8, '\0'));
  expect_error("f8.npy", "unsupported dtype");
  WriteRaw("big_endian.npy",
           HandHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }") +
               std::string(4, '\0'));
  expect_error("big_endian.npy", "unsupported dtype");
  WriteRaw("fortran.npy", HandHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }") +
                              std::string(16, '\0'));
  expect_error("fortran.npy", "Fortran");
  WriteRaw("garbled.npy",
           HandHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"));
  expect_error("garbled.npy", "shape");
  std::string cut = f4.substr(0, 20);
  WriteRaw("cut.npy", cut);
  expect_error("cut.npy", "truncated");
}

TEST_F(NpyTest, AVersion2HeaderCutInsideItsLengthIsTruncated) {
  // Found by fuzz_npy: 11 bytes whose 4-byte header length runs past the end (read out of bounds).
  const std::string bytes("\x93NUMPY\x02\x00\x74\x00\x00", 11);
  try {
    ParseNpyHeader(bytes, "v2.npy");
    ADD_FAILURE() << "parsed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("v2.npy: not a valid .npy file: header is truncated"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace compnn
