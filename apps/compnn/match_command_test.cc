// Runs the compnn binary as a user would: good input gives the brute-force field, bad input one
// clear line and exit status 2.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <algorithm>

#include <cstdio>
#include <filesystem>
#include <random>

#include "brute_force_reference.h"
#include "compnn/core/half.h"
#include "compnn/store/npy.h"
#include "run_compnn.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

using testing::ProcessResult;
using testing::RunCompnn;

class MatchCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("compnn_match_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::mt19937 rng(5);
    for (int i = 0; i < 3; ++i) maps_.push_back(testing::SmoothMap(6, 7, 4, rng));
    std::vector<float> db;
    for (const auto& m : maps_) db.insert(db.end(), m.values.begin(), m.values.end());
    WriteNpy(P("db.npy"), DType::kFloat32, {3, 6, 7, 4}, db.data());
    query_ = testing::SmoothMap(5, 4, 4, rng);
    WriteNpy(P("q.npy"), DType::kFloat32, {5, 4, 4}, query_.values.data());
    const float globals[] = {1, 0, 0, 1, 1, 1};  // image 2 is nearest (1, 1), then 0 and 1 tie
    WriteNpy(P("dbg.npy"), DType::kFloat32, {3, 2}, globals);
    const float query_global[] = {1, 1};
    WriteNpy(P("qg.npy"), DType::kFloat32, {2}, query_global);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string Base() const { return "match --query " + P("q.npy") + " --database " + P("db.npy"); }

  // The output field must equal the brute-force best over `images` wherever that is unambiguous.
  void ExpectBruteForceField(const std::string& out, const std::vector<int>& images) {
    const NpyFile nnf = NpyFile::Open(out + "/nnf.npy");
    nnf.Require(DType::kInt32, {3});
    ASSERT_EQ(nnf.shape(), (std::vector<std::int64_t>{5, 4, 3}));
    const NpyFile similarity = NpyFile::Open(out + "/similarity.npy");
    similarity.Require(DType::kFloat32, {2});
    std::vector<MapView> views;
    for (const auto& m : maps_) views.push_back(m.view());
    for (int y = 0; y < 5; ++y) {
      for (int x = 0; x < 4; ++x) {
        const auto ref = testing::ReferenceBest(query_.view(), views, images, 2, 2, y, x);
        const std::int32_t* m = nnf.data_as<std::int32_t>() + (y * 4 + x) * 3;
        EXPECT_NEAR(similarity.data_as<float>()[y * 4 + x], ref.similarity, 1e-4);
        if (ref.similarity - ref.runner_up > 1e-4) {
          EXPECT_EQ(m[0], ref.image);
          EXPECT_EQ(m[1], ref.y);
          EXPECT_EQ(m[2], ref.x);
        }
      }
    }
    EXPECT_TRUE(fs::exists(out + "/summary.json"));
  }

  fs::path dir_;
  std::vector<testing::OwnedMap> maps_;
  testing::OwnedMap query_{1, 1, 1};
};

TEST_F(MatchCommand, ExactWritesTheBruteForceField) {
  const ProcessResult run = RunCompnn(Base() + " --method exact --out " + P("out"));
  ASSERT_EQ(run.status, 0) << run.output;
  ExpectBruteForceField(P("out"), {0, 1, 2});
}

TEST_F(MatchCommand, ProjectedWithEveryComponentWritesTheBruteForceField) {
  // A 2 x 2 hyperpatch of 4 channels has 16 values: 16 components lose nothing.
  const ProcessResult run =
      RunCompnn(Base() + " --method projected --components 16 --shortlist 3 " +
                "--image-indices 0,2 --out " + P("projected"));
  ASSERT_EQ(run.status, 0) << run.output;
  ExpectBruteForceField(P("projected"), {0, 2});
  const ProcessResult bad = RunCompnn(Base() + " --method projected --shortlist 0 --out " + P("x"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--shortlist"), std::string::npos) << bad.output;
}

TEST_F(MatchCommand, ImageSubsetAndGlobalPrefilter) {
  ProcessResult run =
      RunCompnn(Base() + " --method exact --image-indices 1,2 --out " + P("subset"));
  ASSERT_EQ(run.status, 0) << run.output;
  ExpectBruteForceField(P("subset"), {1, 2});
  run = RunCompnn(Base() + " --method exact --topk-images 2 --query-global " + P("qg.npy") +
                  " --database-global " + P("dbg.npy") + " --out " + P("top2"));
  ASSERT_EQ(run.status, 0) << run.output;
  ExpectBruteForceField(P("top2"), {0, 2});
}

TEST_F(MatchCommand, ReadsFloat16DatabasesAsFeatureStoresKeepThem) {
  // Round the maps to float16, write them so, and expect the brute-force field of the rounded maps.
  std::vector<std::uint16_t> halves;
  for (auto& m : maps_) {
    for (float& v : m.values) {
      halves.push_back(FloatToHalf(v));
      v = HalfToFloat(halves.back());
    }
  }
  WriteNpy(P("db16.npy"), DType::kFloat16, {3, 6, 7, 4}, halves.data());
  for (const char* method : {"exact", "hpm --iterations 40 --min-improved 0"}) {
    const ProcessResult run =
        RunCompnn("match --query " + P("q.npy") + " --database " + P("db16.npy") + " --method " +
                  method + " --images 0,2 --out " + P("half"));
    ASSERT_EQ(run.status, 0) << run.output;
    // The old name still restricts the database, with a warning.
    EXPECT_NE(run.output.find("--images is an old name of --image-indices"), std::string::npos)
        << run.output;
    ExpectBruteForceField(P("half"), {0, 2});
  }
}

TEST_F(MatchCommand, HyperPatchMatchOnASmallDatabaseFindsTheExactField) {
  const ProcessResult run = RunCompnn(
      Base() + " --method hpm --iterations 40 --min-improved 0 --seed 3 --out " + P("hpm"));
  ASSERT_EQ(run.status, 0) << run.output;
  ExpectBruteForceField(P("hpm"), {0, 1, 2});
}

TEST_F(MatchCommand, BadInputGivesOneClearLineAndStatus2) {
  auto expect_error = [&](const std::string& args, const std::string& needle) {
    const ProcessResult run = RunCompnn(args);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output;
    EXPECT_NE(run.output.find(needle), std::string::npos) << args << "\n" << run.output;
    // One line, the program's own.
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    EXPECT_EQ(run.output.rfind("compnn: error: ", 0), 0u) << run.output;
  };
  const std::string out = " --out " + P("bad");
  expect_error("match --query " + P("nope.npy") + " --database " + P("db.npy") + out, "nope.npy");
  // Wrong dtype and rank.
  const std::int32_t ints[] = {1, 2, 3, 4};
  WriteNpy(P("ints.npy"), DType::kInt32, {1, 2, 2}, ints);
  expect_error("match --query " + P("ints.npy") + " --database " + P("db.npy") + out,
               "ints.npy: dtype");
  const float flat[] = {1, 2, 3, 4};
  WriteNpy(P("flat.npy"), DType::kFloat32, {4}, flat);
  expect_error("match --query " + P("flat.npy") + " --database " + P("db.npy") + out,
               "flat.npy: has shape");
  expect_error("match --query " + P("q.npy") + " --database " + P("q.npy") + out,
               "q.npy: has shape");
  // Depth mismatch.
  std::vector<float> deep(5 * 4 * 3, 1.0f);
  WriteNpy(P("deep.npy"), DType::kFloat32, {5, 4, 3}, deep.data());
  expect_error("match --query " + P("deep.npy") + " --database " + P("db.npy") + out, "depth");
  // Empty database.
  WriteNpy(P("empty.npy"), DType::kFloat32, {0, 6, 7, 4}, nullptr);
  expect_error("match --query " + P("q.npy") + " --database " + P("empty.npy") + out, "no images");
  // K > N, unknown image index, a prefilter without its descriptors.
  expect_error(Base() + " --topk-images 4 --query-global " + P("qg.npy") + " --database-global " +
                   P("dbg.npy") + out,
               "--topk-images must be in [0, 3] (the images to choose from), got 4");
  expect_error(Base() + " --topk-images 2" + out, "needs the query's and the database's global");
  expect_error(Base() + " --image-indices 0,3" + out, "unknown image index 3");
  // NaN activations, in the query and in the database.
  std::vector<float> nan_query = query_.values;
  nan_query[7] = NAN;
  WriteNpy(P("nanq.npy"), DType::kFloat32, {5, 4, 4}, nan_query.data());
  expect_error("match --query " + P("nanq.npy") + " --database " + P("db.npy") + out, "non-finite");
  std::vector<float> nan_db(3 * 6 * 7 * 4, 0.5f);
  nan_db[2 * 6 * 7 * 4 + 9] = NAN;
  WriteNpy(P("nandb.npy"), DType::kFloat32, {3, 6, 7, 4}, nan_db.data());
  expect_error("match --method exact --query " + P("q.npy") + " --database " + P("nandb.npy") + out,
               "database image 2");
  // A truncated database file.
  fs::copy_file(P("db.npy"), P("cut.npy"));
  fs::resize_file(P("cut.npy"), fs::file_size(P("cut.npy")) - 10);
  expect_error("match --query " + P("q.npy") + " --database " + P("cut.npy") + out, "truncated");
  // Sizes that overflowed, crashed or could not be served: each gets one line and status 2.
  for (const std::string method : {"hpm", "exact"}) {
    expect_error(Base() + " --method " + method + " --hyperpatch 46341 46341" + out,
                 "hyperpatch 46341 x 46341 is larger than the 5 x 4 map");
    expect_error(Base() + " --method " + method + " --hyperpatch 2147483647 2" + out,
                 "is larger than the");
    expect_error(Base() + " --method " + method + " --threads 100000" + out,
                 "--threads must be in [0, 1024], got 100000");
  }
  // Counts that hung the search, and a NaN fraction, are refused before any work.
  expect_error(Base() + " --iterations 1 --random-images 2000000000" + out,
               "--random-images must be in [0, 1024], got 2000000000");
  expect_error(Base() + " --iterations 1 --long-range 2000000000" + out,
               "--long-range must be in [0, 1024], got 2000000000");
  expect_error(Base() + " --min-improved nan" + out, "--min-improved must be in [0, 1]");
  expect_error(Base() + " --search-matches 0" + out, "--search-matches must be in [1, 256], got 0");
  // A FIFO in place of an array would block the open until a writer came.
  ASSERT_EQ(::mkfifo(P("fifo.npy").c_str(), 0600), 0);
  expect_error("match --query " + P("q.npy") + " --database " + P("fifo.npy") + out,
               "fifo.npy: not a regular file");
  // Usage errors are status 2 as well, in one line that names the command's help.
  expect_error("match --query " + P("q.npy") + out,
               "--database is required (see compnn match --help)");
  expect_error(Base() + " --method fast" + out, "method");
  expect_error(Base() + " --iterations -1" + out, "--iterations must be in [0, 10000], got -1");
  expect_error(Base() + " --threads 99999999999999999999" + out,
               "--threads = 99999999999999999999");
  expect_error(Base() + " --no-such-flag" + out, "--no-such-flag");
}

}  // namespace
}  // namespace compnn
