#include "compnn/store/feature_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "compnn/core/half.h"
#include "compnn/store/importer.h"
#include "compnn/store/json_file.h"
#include "temp_dir.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

class StoreTest : public testing::TempDirTest {
 protected:
  // Two layers saved channels last: "wide" (N, 8, 6, 3) and "deep" (N, 2, 2, 5), and the names.
  void WriteActivations(int n, bool channels_first) {
    std::mt19937 rng(2);
    std::normal_distribution<float> normal;
    wide_.resize(n * 8 * 6 * 3);
    deep_.resize(n * 2 * 2 * 5);
    for (float& v : wide_) v = normal(rng);
    for (float& v : deep_) v = normal(rng);
    fs::create_directories(Path("acts"));
    if (channels_first) {
      WriteNpy(Path("acts/wide.npy"), DType::kFloat32, {n, 3, 8, 6},
               Transposed(wide_, n, 8, 6, 3).data());
      WriteNpy(Path("acts/deep.npy"), DType::kFloat32, {n, 5, 2, 2},
               Transposed(deep_, n, 2, 2, 5).data());
    } else {
      WriteNpy(Path("acts/wide.npy"), DType::kFloat32, {n, 8, 6, 3}, wide_.data());
      WriteNpy(Path("acts/deep.npy"), DType::kFloat32, {n, 2, 2, 5}, deep_.data());
    }
    std::string names;
    for (int i = 0; i < n; ++i) names += "img" + std::to_string(i) + "\n";
    WriteText("acts/names.txt", names);
  }
  static std::vector<float> Transposed(const std::vector<float>& hwd, int n, int h, int w, int d) {
    std::vector<float> dhw(hwd.size());
    for (int i = 0; i < n; ++i)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int c = 0; c < d; ++c)
            dhw[((i * d + c) * h + y) * w + x] = hwd[((i * h + y) * w + x) * d + c];
    return dhw;
  }
  // The plan an import makes: a finished store's manifest without its checksums.
  static StoreManifest UnsealedPlan(const std::string& store) {
    StoreManifest plan = FeatureStore::Open(store).manifest();
    for (StoreLayer& l : plan.layers) l.checksum.clear();
    plan.global_checksum.clear();
    return plan;
  }
  ImportOptions Options(const std::string& out) {
    ImportOptions o;
    o.dir = Path("acts");
    o.out = Path(out);
    o.input_size = ImageSize{16, 16};
    return o;
  }
  void ExpectError(const std::function<void()>& action, const std::string& needle) {
    try {
      action();
      ADD_FAILURE() << "no error, expected " << needle;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  // Writes the first `images` images of the "whole" store's plan into STORE and dies (SIGKILL)
  // before committing: the writer records its progress every 16 images.
  bool KillWriterAfter(const std::string& store, int images) {
    const pid_t child = ::fork();
    if (child == 0) {
      StoreWriter writer(Path(store), UnsealedPlan(Path("whole")), false);
      for (int i = 0; i < images; ++i) {
        std::map<std::string, const float*> maps = {{"wide", wide_.data() + i * 144},
                                                    {"deep", deep_.data() + i * 20}};
        writer.Write(i, maps, deep_.data() + i * 20);
      }
      ::raise(SIGKILL);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFSIGNALED(status);
  }

  std::vector<float> wide_, deep_;
};

TEST_F(StoreTest, ImportRoundTripChannelsLastAndFirst) {
  for (bool channels_first : {false, true}) {
    WriteActivations(5, channels_first);
    ImportOptions o = Options(channels_first ? "first" : "last");
    o.channels_first = channels_first;
    ImportActivations(o);
    const FeatureStore store = FeatureStore::Open(o.out);
    store.Verify();
    EXPECT_EQ(store.size(), 5);
    EXPECT_EQ(store.manifest().images[4], "img4");
    EXPECT_EQ(store.manifest().global_layer, "deep");  // the fewest cells
    EXPECT_EQ(store.manifest().layer("wide").stride, 2);
    EXPECT_EQ(store.manifest().layer("deep").stride, 8);
    const LayerMaps maps = store.Maps("wide");
    for (int i = 0; i < 5; ++i) {
      const MapView m = maps.database[i];
      ASSERT_EQ(m.height, 8);
      ASSERT_EQ(m.depth, 3);
      for (int k = 0; k < 8 * 6 * 3; ++k) ASSERT_EQ(m.data[k], wide_[i * 144 + k]);
    }
    const DescriptorMatrix globals = store.Globals();
    ASSERT_EQ(globals.length, 20);
    for (int k = 0; k < 20; ++k) EXPECT_EQ(globals.row(3)[k], deep_[3 * 20 + k]);
    ExpectError([&] { store.Maps("nope"); },
                "layer 'nope' is not in the store (it has deep, wide)");
  }
}

TEST_F(StoreTest, HalfPrecisionStaysWithinItsErrorBoundAndConvertsOnlyCandidates) {
  WriteActivations(6, false);
  ImportOptions o = Options("half");
  o.dtype = DType::kFloat16;
  ImportActivations(o);
  const FeatureStore store = FeatureStore::Open(o.out);
  const LayerMaps all = store.Maps("wide");
  for (int i = 0; i < 6; ++i) {
    for (int k = 0; k < 144; ++k) {
      const float truth = wide_[i * 144 + k];
      // Half precision keeps 11 significant bits: relative error <= 2^-11 for normal values.
      ASSERT_LE(std::abs(all.database[i].data[k] - truth), std::abs(truth) * 0.00049f + 6e-8f);
    }
  }
  const LayerMaps some = store.Maps("wide", {1, 4});
  EXPECT_EQ(some.converted.size(), 2u);
  EXPECT_EQ(some.database[4].height, 8);
  EXPECT_EQ(some.database[0].height, 1);  // not asked for: a placeholder
  EXPECT_LT(fs::file_size(Path("half/wide.npy")), fs::file_size(Path("acts/wide.npy")));

  // In place: the same values as the converted copies, for the images asked for.
  const HalfDatabase halves = store.HalfMaps("wide", {1, 4});
  for (int i : {1, 4}) {
    ASSERT_EQ(halves[i].height, 8);
    ASSERT_EQ(halves[i].width, 6);
    for (int k = 0; k < 144; ++k)
      ASSERT_EQ(HalfToFloat(halves[i].data[k]), all.database[i].data[k]);
  }
  EXPECT_EQ(halves[0].height, 1);  // not asked for: a placeholder
  EXPECT_EQ(HalfToFloat(halves[0].data[0]), 0.0f);
  ExpectError([&] { store.HalfMaps("wide", {6}); }, "image index 6 is not among its 6");
  WriteActivations(6, false);
  ImportActivations(Options("full"));
  ExpectError([&] { FeatureStore::Open(Path("full")).HalfMaps("wide"); },
              "layer wide is stored as float32, not float16");
}

TEST_F(StoreTest, KilledWriterLeavesNoStoreAndResumesToTheSameBytes) {
  WriteActivations(40, false);
  ImportActivations(Options("whole"));
  ASSERT_TRUE(KillWriterAfter("killed", 20));
  EXPECT_FALSE(fs::exists(Path("killed")));
  ExpectError([&] { FeatureStore::Open(Path("killed")); }, "interrupted run left");
  // Running it again resumes after the last recorded image and ends with the same files.
  {
    StoreWriter writer(Path("killed"), UnsealedPlan(Path("whole")), false);
    EXPECT_EQ(writer.next_image(), 16);
  }
  ImportActivations(Options("killed"));
  for (const char* file : {"wide.npy", "deep.npy", "global.npy"}) {
    EXPECT_EQ(ReadBytes(Path("whole/") + file), ReadBytes(Path("killed/") + file)) << file;
  }
  // A progress count outside the run (negative, or past its images) is refused, not followed.
  for (int done : {-5, 41}) {
    const std::string name = "tampered" + std::to_string(done + 5);
    nlohmann::json progress = {{"plan", UnsealedPlan(Path("whole")).ToJson()},
                               {"done", done},
                               {"hashes", nlohmann::json::object()}};
    WriteText(name + ".partial/progress.json", progress.dump());
    ExpectError([&] { StoreWriter(Path(name), UnsealedPlan(Path("whole")), false); },
                "images are done, but the run has 40");
  }
  // A partial store from other inputs is not resumed.
  WriteActivations(41, false);
  fs::create_directories(Path("killed2.partial"));
  fs::copy_file(Path("whole/manifest.json"), Path("killed2.partial/progress.json"));
  ExpectError([&] { ImportActivations(Options("killed2")); }, "progress.json");
}

TEST_F(StoreTest, DamagedPartialStoreIsRefusedInsteadOfResumed) {
  WriteActivations(40, false);
  ImportActivations(Options("whole"));
  ASSERT_TRUE(KillWriterAfter("killed", 20));
  const auto damaged = [&](const std::string& name,
                           const std::function<void(const std::string&)>& damage) {
    fs::copy(Path("killed.partial"), Path(name + ".partial"));
    damage(Path(name + ".partial/"));
    return [this, name] { StoreWriter(Path(name), UnsealedPlan(Path("whole")), false); };
  };
  const auto flip_byte = [](const std::string& path, std::streamoff offset) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(offset);
    const char byte = static_cast<char>(file.get() ^ 0x5a);
    file.seekp(offset);
    file.put(byte);
  };
  ExpectError(damaged("truncated",
                      [](const std::string& dir) {
                        fs::resize_file(dir + "wide.npy", fs::file_size(dir + "wide.npy") - 10);
                      }),
              "wide.npy: damaged (");
  // The recorded count moved past the images whose data was synced with it.
  ExpectError(damaged("ahead",
                      [](const std::string& dir) {
                        nlohmann::json progress = ReadJsonFile(dir + "progress.json");
                        progress["done"] = 20;
                        std::ofstream(dir + "progress.json") << progress.dump();
                      }),
              "differ from what the interrupted run wrote");
  // A finished image changed on disk (image 3 of deep.npy, float32 after a 128-byte header).
  ExpectError(
      damaged("changed",
              [&](const std::string& dir) { flip_byte(dir + "deep.npy", 128 + 3 * 20 * 4 + 7); }),
      "deep.npy: images 0 to 15 differ");
  ExpectError(damaged("header", [&](const std::string& dir) { flip_byte(dir + "global.npy", 20); }),
              "global.npy: damaged header");
  // The untouched copy still resumes.
  fs::copy(Path("killed.partial"), Path("intact.partial"));
  StoreWriter writer(Path("intact"), UnsealedPlan(Path("whole")), false);
  EXPECT_EQ(writer.next_image(), 16);
}

TEST_F(StoreTest, ValuesAStoreCannotKeepAreRefusedNamingImageLayerAndCell) {
  WriteActivations(2, false);
  ImportActivations(Options("whole"));
  StoreManifest plan = UnsealedPlan(Path("whole"));
  for (StoreLayer& l : plan.layers) l.dtype = l.name == "wide" ? DType::kFloat16 : DType::kFloat32;
  const auto write = [&](const std::string& store, std::size_t wide_at, float wide_value,
                         std::size_t deep_at, float deep_value) {
    std::vector<float> wide(wide_.begin(), wide_.begin() + 144),
        deep(deep_.begin(), deep_.begin() + 20);
    wide[wide_at] = wide_value;
    deep[deep_at] = deep_value;
    StoreWriter writer(Path(store), plan, false);
    writer.Write(0, {{"wide", wide.data()}, {"deep", deep.data()}}, deep.data());
  };
  // wide is 8 x 6 x 3: value 50 is cell (2, 4), channel 2.
  ExpectError([&] { write("nan", 50, std::nanf(""), 0, 0.0f); },
              "image img0, layer wide: cell (2, 4), channel 2 is nan");
  ExpectError([&] { write("big16", 50, 70000.0f, 0, 0.0f); },
              "cell (2, 4), channel 2 is 70000, beyond float16's range");
  ExpectError([&] { write("inf", 0, 0.0f, 7, -INFINITY); },
              "layer deep: cell (0, 1), channel 2 is -inf");
  // float32 keeps large finite values; float16 its largest.
  EXPECT_NO_THROW(write("fine", 50, 65504.0f, 7, 1e30f));
}

TEST_F(StoreTest, ASecondWriterOfTheSameStoreIsRefusedAndThePartialKept) {
  WriteActivations(40, false);
  ImportActivations(Options("whole"));
  StoreWriter first(Path("busy"), UnsealedPlan(Path("whole")), false);
  ExpectError([&] { StoreWriter(Path("busy"), UnsealedPlan(Path("whole")), true); },
              "busy: another compnn process (process " + std::to_string(::getpid()) + ")");
  EXPECT_TRUE(fs::exists(Path("busy.partial/progress.json")));
}

TEST_F(StoreTest, EachKindOfCorruptionGivesAClearError) {
  WriteActivations(4, false);
  ImportActivations(Options("s"));
  // Wrong checksum: one flipped byte passes the cheap checks but not verify.
  fs::copy(Path("s"), Path("flipped"), fs::copy_options::recursive);
  {
    std::fstream f(Path("flipped/wide.npy"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x7f');
  }
  const FeatureStore flipped = FeatureStore::Open(Path("flipped"));
  ExpectError([&] { flipped.Verify(); }, "wide.npy: checksum mismatch");
  // Truncated layer file.
  fs::copy(Path("s"), Path("cut"), fs::copy_options::recursive);
  fs::resize_file(Path("cut/deep.npy"), fs::file_size(Path("cut/deep.npy")) - 8);
  ExpectError([&] { FeatureStore::Open(Path("cut")); }, "deep.npy: not a valid .npy file");
  // A layer file that is a symbolic link out of the store's folder.
  fs::copy(Path("s"), Path("linked"), fs::copy_options::recursive);
  fs::remove(Path("linked/wide.npy"));
  fs::create_symlink(Path("s/wide.npy"), Path("linked/wide.npy"));
  ExpectError([&] { FeatureStore::Open(Path("linked")); }, "linked/wide.npy: leads out of");
  // Manifest naming a missing layer.
  fs::copy(Path("s"), Path("missing"), fs::copy_options::recursive);
  fs::remove(Path("missing/wide.npy"));
  ExpectError([&] { FeatureStore::Open(Path("missing")); }, "names layer 'wide' but");
  // No manifest at all, and mismatched names.
  fs::copy(Path("s"), Path("bare"), fs::copy_options::recursive);
  fs::remove(Path("bare/manifest.json"));
  ExpectError([&] { FeatureStore::Open(Path("bare")); }, "manifest.json: missing");
  WriteText("acts/names.txt", "only\none\n");
  ExpectError([&] { ImportActivations(Options("bad")); }, "holds 4 images but");
  ExpectError([&] { FeatureStore::Open(Path("nowhere")); }, "no such feature store");
}

TEST_F(StoreTest, ImpossibleLayerGeometryInTheManifestIsRefusedOnOpen) {
  WriteActivations(4, false);
  ImportActivations(Options("s"));
  const nlohmann::json manifest = ReadJsonFile(Path("s/manifest.json"));
  // Each edit of the first layer's record, and the words of its refusal.
  const std::vector<std::pair<std::function<void(nlohmann::json&)>, std::string>> edits = {
      {[](nlohmann::json& l) {
         l["hyperpatch"] = {0, 0};
       },
       "at least 1 x 1, got 0 x 0"},
      {[](nlohmann::json& l) {
         l["hyperpatch"] = {-3, 2};
       },
       "at least 1 x 1, got -3 x 2"},
      {[](nlohmann::json& l) {
         l["hyperpatch"] = {46341, 46341};
       },
       "is larger than the"},
      {[](nlohmann::json& l) { l["hyperpatch"] = {2}; }, "hyperpatch must be [height, width]"},
      {[](nlohmann::json& l) { l["stride"] = 0; }, "stride must be at least 1, got 0"},
      {[](nlohmann::json& l) { l["stride"] = -4; }, "stride must be at least 1, got -4"},
      {[](nlohmann::json& l) { l["shape"][1] = 0; }, "must be at least 1"},
      {[](nlohmann::json& l) { l["name"] = ""; }, "a layer has an empty name"},
      {[](nlohmann::json& l) { l["file"] = "../outside.npy"; }, "is not a file name inside"},
      {[](nlohmann::json& l) { l["file"] = "/etc/passwd"; }, "is not a file name inside"},
      {[](nlohmann::json& l) { l["shape"][1] = 3.5; }, "shape must be a list of integers"},
      {[](nlohmann::json& l) { l["stride"] = 2.5; }, "stride must be an integer, got 2.5"},
      {[](nlohmann::json& l) { l["stride"] = 7 * l["stride"].get<int>(); }, "does not match the"},
      {[](nlohmann::json& l) {
         l["patch"] = {0, 0};
       },
       "patch must be [height, width] within"},
      {[](nlohmann::json& l) {
         l["patch"] = {1, 100000};
       },
       "patch must be [height, width]"},
      {[](nlohmann::json& l) {
         l["hyperpatch"] = {1.5, 2};
       },
       "hyperpatch must be a list of"},
      {[](nlohmann::json& l) { l["name"] = "a/b"; }, "layer name 'a/b' holds '/' or '..'"},
      {[](nlohmann::json& l) { l["name"] = ".."; }, "holds '/' or '..'"},
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    const std::string dir = "edit" + std::to_string(i);
    fs::copy(Path("s"), Path(dir), fs::copy_options::recursive);
    nlohmann::json edited = manifest;
    edits[i].first(edited["layers"][0]);
    WriteText(dir + "/manifest.json", edited.dump());
    ExpectError([&] { FeatureStore::Open(Path(dir)); }, edits[i].second);
  }
  // A dataset direction other than AtoB or BtoA.
  fs::copy(Path("s"), Path("sideways"), fs::copy_options::recursive);
  nlohmann::json sideways = manifest;
  sideways["dataset"]["direction"] = "sideways";
  WriteText("sideways/manifest.json", sideways.dump());
  ExpectError([&] { FeatureStore::Open(Path("sideways")); },
              "dataset.direction must be AtoB or BtoA, got \"sideways\"");
  // A layer listed twice (as `index --layers decoder2,decoder2` once wrote).
  fs::copy(Path("s"), Path("twice"), fs::copy_options::recursive);
  nlohmann::json twice = manifest;
  twice["layers"].push_back(twice["layers"][0]);
  WriteText("twice/manifest.json", twice.dump());
  ExpectError([&] { FeatureStore::Open(Path("twice")); }, "is listed twice");
  // Importing a layer with an empty side divided by its height (SIGFPE).
  WriteNpy(Path("acts/empty.npy"), DType::kFloat32, {4, 0, 8, 16}, nullptr);
  ExpectError([&] { ImportActivations(Options("with-empty")); }, "has an empty side");
  EXPECT_FALSE(fs::exists(Path("with-empty")));
}

}  // namespace
}  // namespace compnn

namespace compnn {
namespace {

// A streaming plan (no images) of one float32 2 x 2 x 1 layer of 4 x 4 inputs, which is also the
// global descriptor.
StoreManifest OneLayerPlan(const std::string& name, const std::string& file) {
  StoreManifest plan;
  plan.input_size = ImageSize{4, 4};
  plan.layers.push_back({name, 2, 2, 1, 2, {2, 2}, DType::kFloat32, file, ""});
  plan.global_layer = name;
  return plan;
}

// A streaming store (its count unknown until Commit) with training pixels, read back through
// NpyFile: the headers carry the final count, the values and pixels are those written.
TEST_F(StoreTest, StreamingWriterWithPixels) {
  StoreManifest plan;
  plan.input_size = ImageSize{4, 6};
  plan.layers.push_back({"a", 2, 3, 2, 2, {2, 2}, DType::kFloat16, "a.npy", ""});
  plan.layers.push_back({"b", 1, 1, 3, 4, {1, 1}, DType::kFloat32, "b.npy", ""});
  plan.global_layer = "b";
  plan.pixels.push_back({"targets", false, "targets.npy", ""});
  StoreWriter writer(Path("s"), plan, false);
  EXPECT_TRUE(writer.streaming());
  std::vector<float> a(12), b(3);
  std::vector<std::uint8_t> pixels(4 * 6 * 3);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 12; ++j) a[j] = 0.5f * (i * 12 + j);  // exact in float16
    for (int j = 0; j < 3; ++j) b[j] = static_cast<float>(100 * i + j);
    for (std::size_t j = 0; j < pixels.size(); ++j) pixels[j] = static_cast<std::uint8_t>(i + j);
    writer.Append("im" + std::to_string(i), {{"a", a.data()}, {"b", b.data()}}, b.data(),
                  {{"targets", pixels.data()}});
  }
  EXPECT_FALSE(fs::exists(Path("s")));
  writer.Commit();

  const FeatureStore store = FeatureStore::Open(Path("s"));
  store.Verify();
  EXPECT_EQ(store.manifest().images, (std::vector<std::string>{"im0", "im1", "im2"}));
  const NpyFile& file_a = store.LayerFile("a");
  EXPECT_EQ(file_a.shape(), (std::vector<std::int64_t>{3, 2, 3, 2}));
  const LayerMaps maps = store.Maps("a", {2});
  EXPECT_EQ(maps.database[2].cell(1, 2)[1], 0.5f * (2 * 12 + 11));
  EXPECT_EQ(store.Globals().row(1)[2], 102.0f);
  const NpyFile* targets = store.PixelFile("targets");
  ASSERT_NE(targets, nullptr);
  EXPECT_EQ(targets->shape(), (std::vector<std::int64_t>{3, 4, 6, 3}));
  EXPECT_EQ(targets->data_as<std::uint8_t>()[2 * 72 + 5], 2 + 5);
  EXPECT_EQ(store.PixelFile("inputs"), nullptr);
  // NumPy-compatible: the header parses with the final count and the data starts where it says.
  EXPECT_EQ(file_a.header().data_offset % 64, 0u);
}

TEST_F(StoreTest, StreamingWriterWithoutImagesIsAnError) {
  StoreWriter writer(Path("empty"), OneLayerPlan("a", "a.npy"), false);
  ExpectError([&] { writer.Commit(); }, "no images were written");
}

}  // namespace
}  // namespace compnn

namespace compnn {
namespace {

// Two arrays may not share a file, and a streaming writer leaves a resumable run alone.
TEST_F(StoreTest, WriterRefusesSharedFilesAndKeepsResumableRuns) {
  ExpectError([&] { StoreWriter(Path("shared"), OneLayerPlan("global", "global.npy"), false); },
              "global.npy, which another array of the store uses");
  EXPECT_FALSE(fs::exists(Path("shared.partial")));

  fs::create_directories(Path("run.partial"));
  WriteText("run.partial/progress.json", R"({"plan": {}, "done": 3})");
  ExpectError([&] { StoreWriter(Path("run"), OneLayerPlan("a", "a.npy"), false); }, "can resume");
  EXPECT_TRUE(fs::exists(Path("run.partial/progress.json")));
}

}  // namespace
}  // namespace compnn
