#include "compnn/store/store_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "compnn/store/importer.h"
#include "compnn/store/npy.h"
#include "imported_store.h"
#include "option_field.h"
#include "temp_dir.h"

namespace compnn {
namespace {

// A store of 10 images with a 6 x 6 x 4 "fine" layer and a 2 x 2 x 3 "coarse" one (the global
// descriptor), imported from float32 .npy files.
class StoreSearchTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    std::mt19937 rng(11);
    for (int i = 0; i < kImages; ++i) {
      fine_.push_back(testing::SmoothMap(6, 6, 4, rng));
      coarse_.push_back(testing::RandomMap(2, 2, 3, rng));
    }
    testing::ImportFineAndCoarse(Path(""), fine_, coarse_, ImageSize{24, 24});
  }
  std::vector<MapView> Views() const {
    std::vector<MapView> views;
    for (const OwnedMap& m : fine_) views.push_back(m.view());
    return views;
  }

  static constexpr int kImages = 10;
  std::vector<OwnedMap> fine_, coarse_;
};

TEST_F(StoreSearchTest, ExactSearchOverAllowedImagesMatchesBruteForce) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(12);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  StoreSearchOptions o;
  o.searcher = std::make_shared<const ExactSearcher>();
  o.topk_images = 0;
  o.allowed = {1, 4, 7, 8};
  const StoreSearchResult result = SearchStore(store, "fine", query.view(), {}, o);
  EXPECT_EQ(result.candidates, o.allowed);
  EXPECT_EQ(result.searcher, o.searcher);
  EXPECT_EQ(result.searched_by, "exact");
  EXPECT_EQ(result.iterations, 0);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 6; ++x) {
      const auto ref = testing::ReferenceBest(query.view(), Views(), o.allowed, 2, 2, y, x);
      const Match& m = result.field.at(y, x);
      EXPECT_EQ(m.image, ref.image);
      EXPECT_NEAR(m.similarity, ref.similarity, 1e-5);
    }
  }
}

TEST_F(StoreSearchTest, AnotherHyperpatchAndKMatchesAreTheBruteForceOnes) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(13);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  StoreSearchOptions o;
  o.searcher = MakeSearcher("exact");
  o.topk_images = 0;
  o.hyperpatch = HyperpatchShape{3, 3};
  o.search.k = 2;
  const StoreSearchResult result = SearchStore(store, "fine", query.view(), {}, o);
  EXPECT_EQ(result.hyperpatch.height, 3);
  ASSERT_EQ(result.field.k, 2);
  std::vector<int> all(kImages);
  for (int i = 0; i < kImages; ++i) all[i] = i;
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 6; ++x) {
      const std::vector<double> ref =
          testing::ReferenceRankedSimilarities(query.view(), Views(), all, 3, 3, y, x);
      EXPECT_NEAR(result.field.at(y, x, 0).similarity, ref[0], 1e-5);
      EXPECT_NEAR(result.field.at(y, x, 1).similarity, ref[1], 1e-5);
    }
  }
  o.hyperpatch = HyperpatchShape{0, 2};
  EXPECT_EQ(testing::FieldRefused(o), "hyperpatch");
}

TEST_F(StoreSearchTest, PrefilterKeepsTheGloballyNearestAllowedImages) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(13);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  const OwnedMap global = testing::RandomMap(2, 2, 3, rng);
  StoreSearchOptions o;
  o.topk_images = 3;
  o.allowed = {0, 2, 3, 5, 6, 9};
  const StoreSearchResult result = SearchStore(store, "fine", query.view(), global.values, o);
  EXPECT_EQ(result.searched_by, "hpm");  // the default searcher
  EXPECT_GT(result.iterations, 0);
  // Reference: cosine of the flattened coarse maps, in double precision.
  std::vector<std::pair<double, int>> ranked;
  for (int i : o.allowed) {
    double dot = 0, a = 0, b = 0;
    for (std::size_t k = 0; k < global.values.size(); ++k) {
      dot += double(global.values[k]) * coarse_[i].values[k];
      a += double(global.values[k]) * global.values[k];
      b += double(coarse_[i].values[k]) * coarse_[i].values[k];
    }
    ranked.push_back({-dot / std::sqrt(a * b), i});
  }
  std::sort(ranked.begin(), ranked.end());
  ASSERT_EQ(result.candidates.size(), 3u);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(result.candidates[r], ranked[r].second);
  for (const Match& m : result.field.matches) {
    EXPECT_NE(std::find(result.candidates.begin(), result.candidates.end(), m.image),
              result.candidates.end());
  }
}

bool SameField(const CorrespondenceField& a, const CorrespondenceField& b) {
  if (a.matches.size() != b.matches.size()) return false;
  for (std::size_t i = 0; i < a.matches.size(); ++i) {
    const Match &p = a.matches[i], &q = b.matches[i];
    if (p.image != q.image || p.y != q.y || p.x != q.x || p.similarity != q.similarity)
      return false;
  }
  return true;
}

TEST_F(StoreSearchTest, TheSeedReachesProjectedSearchAndHyperPatchMatch) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(14);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  std::vector<int> all(kImages);
  std::iota(all.begin(), all.end(), 0);
  const LayerMaps maps = store.Maps("fine", all);
  StoreSearchOptions o;
  o.topk_images = 0;
  // Directions from a few sampled hyperpatches and a short shortlist: the seed changes the answer.
  ProjectedParams projected;
  projected.sample = 3;
  projected.components = 3;
  projected.shortlist = 1;
  PatchMatchParams patch_match;
  patch_match.max_iterations = 1;
  for (const std::shared_ptr<const Searcher>& searcher :
       {std::shared_ptr<const Searcher>(std::make_shared<const ProjectedSearcher>(projected)),
        std::shared_ptr<const Searcher>(std::make_shared<const PatchMatchSearcher>(patch_match))}) {
    std::vector<CorrespondenceField> fields;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      o.searcher = searcher;
      o.search.seed = seed;
      const StoreSearchResult found = SearchStore(store, "fine", query.view(), {}, o);
      EXPECT_EQ(found.searched_by, searcher->name());
      // The reference: the core search called directly with that seed.
      SearchRequest request;
      request.hyperpatch = store.manifest().layer("fine").hyperpatch;
      request.candidates = all;
      request.seed = seed;
      const CorrespondenceField expected =
          searcher->name() == "projected"
              ? ProjectedSearcher(projected).Search(query.view(), maps.database, request).field
              : PatchMatchSearcher(patch_match).Search(query.view(), maps.database, request).field;
      EXPECT_TRUE(SameField(found.field, expected)) << searcher->name() << " seed " << seed;
      fields.push_back(found.field);
    }
    // Some seed answers differently from the first (a search that ignored the seed would not).
    EXPECT_TRUE(std::any_of(fields.begin() + 1, fields.end(), [&](const CorrespondenceField& f) {
      return !SameField(fields[0], f);
    })) << searcher->name();
  }
}

TEST_F(StoreSearchTest, NearestByWholeMapIsTheBruteForceCosineArgMax) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(14);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  int best = -1;
  double best_similarity = -2;
  for (int i = 0; i < kImages; ++i) {
    std::vector<double> a(query.values.begin(), query.values.end());
    std::vector<double> b(fine_[i].values.begin(), fine_[i].values.end());
    const double s = testing::ReferenceCosine(a, b);
    if (s > best_similarity) best_similarity = s, best = i;
  }
  EXPECT_EQ(NearestByWholeMap(store, "fine", query.view()), best);
}

// Maps of several of the whole-map search's blocks, stored as float32 and as float16, over a
// subset of the images: the brute-force cosine over the values as stored picks the same image.
TEST_F(StoreSearchTest, NearestByWholeMapOfLargeMapsInBothPrecisions) {
  std::mt19937 rng(16);
  std::vector<OwnedMap> maps;
  std::vector<float> all;
  for (int i = 0; i < 8; ++i) {
    maps.push_back(testing::SmoothMap(24, 24, 16, rng));
    all.insert(all.end(), maps.back().values.begin(), maps.back().values.end());
  }
  std::filesystem::create_directories(Path("large"));
  WriteNpy(Path("large/wide.npy"), DType::kFloat32, {8, 24, 24, 16}, all.data());
  std::ofstream names(Path("large/names.txt"));
  for (int i = 0; i < 8; ++i) names << "img" << i << "\n";
  names.close();
  std::vector<OwnedMap> queries;
  for (int q = 0; q < 3; ++q) queries.push_back(testing::SmoothMap(24, 24, 16, rng));
  const std::vector<int> allowed = {0, 2, 3, 5, 6};
  for (const DType dtype : {DType::kFloat32, DType::kFloat16}) {
    ImportOptions o;
    o.dir = Path("large");
    o.out = Path(dtype == DType::kFloat16 ? "store16" : "store32");
    o.input_size = ImageSize{96, 96};
    o.dtype = dtype;
    ImportActivations(o);
    const FeatureStore store = FeatureStore::Open(o.out);
    const LayerMaps stored = store.Maps("wide");  // the values as stored (float16: rounded)
    std::vector<int> expected;
    std::vector<MapView> views;
    for (const OwnedMap& query : queries) {
      int best = -1;
      double best_similarity = -2;
      for (int i : allowed) {
        const float* m = stored.database[i].data;
        const std::vector<double> a(query.values.begin(), query.values.end());
        const std::vector<double> b(m, m + a.size());
        const double s = testing::ReferenceCosine(a, b);
        if (s > best_similarity) best_similarity = s, best = i;
      }
      expected.push_back(best);
      views.push_back(query.view());
      EXPECT_EQ(NearestByWholeMap(store, "wide", query.view(), allowed), best)
          << static_cast<int>(dtype);
    }
    // The queries differ in their answers, so the batch cannot pass by answering one for all.
    EXPECT_GT(std::set<int>(expected.begin(), expected.end()).size(), 1u);
    EXPECT_EQ(NearestByWholeMap(store, "wide", views, allowed), expected)
        << static_cast<int>(dtype);
  }
}

TEST_F(StoreSearchTest, BadRequestsGiveClearErrors) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  std::mt19937 rng(15);
  const OwnedMap wrong_depth = testing::SmoothMap(6, 6, 5, rng);
  const OwnedMap query = testing::SmoothMap(6, 6, 4, rng);
  StoreSearchOptions o;
  o.topk_images = 0;
  auto message = [&](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(
      message([&] { SearchStore(store, "fine", wrong_depth.view(), {}, o); }).find("another model"),
      std::string::npos);
  EXPECT_NE(message([&] { SearchStore(store, "middle", query.view(), {}, o); }).find("middle"),
            std::string::npos);
  o.topk_images = 2;
  const std::vector<float> short_global(5, 1.0f);
  EXPECT_NE(message([&] {
              SearchStore(store, "fine", query.view(), short_global, o);
            }).find("global descriptor"),
            std::string::npos);
  o.allowed = {42};
  EXPECT_NE(message([&] { SearchStore(store, "fine", query.view(), {}, o); }).find("42"),
            std::string::npos);
}

TEST(StoreSearchOptionsCheck, PrefixesTheNestedSearchFields) {
  StoreSearchOptions o;
  EXPECT_NO_THROW(o.Check());
  o.search.k = 0;
  try {
    o.Check();
    ADD_FAILURE() << "accepted k 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "search.k");
    EXPECT_STREQ(e.what(), "search.k must be in [1, 256], got 0");
  }
  o = {};
  o.search.threads = -2;
  EXPECT_EQ(testing::FieldRefused(o), "search.threads");
  o = {};
  o.search.candidates = {1};  // the store search's to set
  EXPECT_EQ(testing::FieldRefused(o), "search.candidates");
  o = {};
  o.searcher = nullptr;
  EXPECT_EQ(testing::FieldRefused(o), "searcher");
  o = {};
  o.topk_images = -1;
  EXPECT_THROW(o.Check(), OptionError);
}

}  // namespace
}  // namespace compnn
