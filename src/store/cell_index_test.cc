#include "compnn/store/cell_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/store/cell_index_searcher.h"
#include "compnn/store/json_file.h"
#include "compnn/store/store_search.h"
#include "imported_store.h"
#include "option_field.h"
#include "temp_dir.h"

namespace compnn {
namespace {

constexpr int kImages = 24, kSide = 8, kDepth = 4;

// The k best matches of every query cell that `index` finds with `options` among the maps of
// `database` (every image of the layer), by its searcher.
template <typename Database_>
CorrespondenceField SearchIndex(const std::shared_ptr<const CellIndex>& index, const MapView& query,
                                const Database_& database, int k,
                                const CellIndexSearchOptions& options, int threads) {
  SearchRequest request;
  request.hyperpatch = index->hyperpatch();
  request.k = k;
  request.threads = threads;
  return CellIndexSearcher(index, options).Search(query, database, request).field;
}

// A store of 24 images with an 8 x 8 x 4 "fine" layer (1536 cells, 16-value hyperpatches) and a
// 2 x 2 x 3 "coarse" one (the global descriptor), imported from float32 .npy files.
class CellIndexTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Import(21);
  }
  void Import(unsigned seed) {
    std::mt19937 rng(seed);
    fine_.clear();
    std::vector<OwnedMap> coarse;
    for (int i = 0; i < kImages; ++i) {
      fine_.push_back(testing::SmoothMap(kSide, kSide, kDepth, rng));
      coarse.push_back(testing::RandomMap(2, 2, 3, rng));
    }
    testing::ImportFineAndCoarse(Path(""), fine_, coarse, ImageSize{32, 32});
  }
  std::vector<MapView> Views() const {
    std::vector<MapView> views;
    for (const OwnedMap& m : fine_) views.push_back(m.view());
    return views;
  }
  static CellIndexOptions SmallIndex(int threads = 0) {
    CellIndexOptions o;
    o.lists = 8;
    o.code_bytes = 4;
    o.train_cells = 1536;
    o.seed = 5;
    o.threads = threads;
    return o;
  }
  std::string Stem(const FeatureStore& store) const {
    return CellIndexStem(store, "fine", HyperpatchShape{2, 2});
  }

  std::vector<OwnedMap> fine_;
};

TEST_F(CellIndexTest, ProbingEveryListWithALongShortlistIsExactSearch) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  BuildCellIndex(store, "fine", {2, 2}, SmallIndex());
  std::string why;
  const auto index = CellIndex::Open(store, "fine", {2, 2}, &why);
  ASSERT_TRUE(index) << why;
  std::mt19937 rng(22);
  const OwnedMap query = testing::SmoothMap(kSide, kSide, kDepth, rng);
  // Every cell of every image reaches the shortlist, so re-ranking finds the brute force's best.
  const CorrespondenceField field = SearchIndex(index, query.view(), store.Maps("fine").database, 1,
                                                {8, kImages * kSide * kSide}, 0);
  std::vector<int> all(kImages);
  for (int i = 0; i < kImages; ++i) all[i] = i;
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const auto ref = testing::ReferenceBest(query.view(), Views(), all, 2, 2, y, x);
      const Match& m = field.at(y, x);
      EXPECT_EQ(m.image, ref.image) << y << "," << x;
      EXPECT_NEAR(m.similarity, ref.similarity, 1e-5) << y << "," << x;
    }
  }
}

TEST_F(CellIndexTest, AShortShortlistComesCloseToExactSearch) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  BuildCellIndex(store, "fine", {2, 2}, SmallIndex());
  const auto index = CellIndex::Open(store, "fine", {2, 2}, nullptr);
  ASSERT_TRUE(index);
  std::mt19937 rng(23);
  const OwnedMap query = testing::SmoothMap(kSide, kSide, kDepth, rng);
  const CorrespondenceField field =
      SearchIndex(index, query.view(), store.Maps("fine").database, 1, {2, 32}, 0);
  std::vector<int> all(kImages);
  for (int i = 0; i < kImages; ++i) all[i] = i;
  double found = 0, best = 0;
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      found += field.at(y, x).similarity;
      best += testing::ReferenceBest(query.view(), Views(), all, 2, 2, y, x).similarity;
    }
  }
  EXPECT_GT(found / best, 0.97);
  EXPECT_LE(found / best, 1.0 + 1e-3);
}

TEST_F(CellIndexTest, NeitherTheIndexNorItsSearchDependsOnTheThreadCount) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  BuildCellIndex(store, "fine", {2, 2}, SmallIndex(1));
  const nlohmann::json one = ReadJsonFile(Stem(store) + ".json");
  const auto index = CellIndex::Open(store, "fine", {2, 2}, nullptr);
  std::mt19937 rng(24);
  const OwnedMap query = testing::SmoothMap(kSide, kSide, kDepth, rng);
  const CorrespondenceField a =
      SearchIndex(index, query.view(), store.Maps("fine").database, 3, {2, 16}, 1);
  const CorrespondenceField b =
      SearchIndex(index, query.view(), store.Maps("fine").database, 3, {2, 16}, 2);
  for (std::size_t i = 0; i < a.matches.size(); ++i) {
    EXPECT_EQ(a.matches[i].image, b.matches[i].image);
    EXPECT_EQ(a.matches[i].y, b.matches[i].y);
    EXPECT_EQ(a.matches[i].x, b.matches[i].x);
    EXPECT_EQ(a.matches[i].similarity, b.matches[i].similarity);
  }
  BuildCellIndex(store, "fine", {2, 2}, SmallIndex(2));
  EXPECT_EQ(ReadJsonFile(Stem(store) + ".json").at("checksum"), one.at("checksum"));
}

TEST_F(CellIndexTest, ItsSearcherRefusesRequestsTheIndexCannotServe) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  BuildCellIndex(store, "fine", {2, 2}, SmallIndex());
  const auto index = CellIndex::Open(store, "fine", {2, 2}, nullptr);
  ASSERT_TRUE(index);
  EXPECT_THROW(CellIndexSearcher(nullptr, {}), std::invalid_argument);
  try {
    const CellIndexSearcher no_probes(index, {0, 64});
    ADD_FAILURE() << "accepted probes 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "probes");
  }
  const CellIndexSearcher searcher(index, {2, 16});
  EXPECT_EQ(searcher.name(), "cell-index");
  EXPECT_EQ(searcher.Describe(), index->Describe({2, 16}));
  EXPECT_EQ(searcher.Parameters(), (nlohmann::json{{"probes", 2}, {"shortlist", 16}}));
  std::mt19937 rng(26);
  const OwnedMap query = testing::SmoothMap(kSide, kSide, kDepth, rng);
  const LayerMaps maps = store.Maps("fine");
  const auto field_of = [&](const SearchRequest& request) {
    try {
      searcher.Search(query.view(), maps.database, request);
    } catch (const OptionError& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  SearchRequest request;
  request.hyperpatch = {2, 2};
  EXPECT_EQ(field_of(request), "(accepted)");
  request.hyperpatch = {3, 3};  // not the index's
  EXPECT_EQ(field_of(request), "hyperpatch");
  request.hyperpatch = {2, 2};
  request.candidates = {0, 1};  // the index searches every image
  EXPECT_EQ(field_of(request), "candidates");
  request.candidates.clear();
  request.k = 0;
  EXPECT_EQ(field_of(request), "k");
  // More matches than the shortlist: the shortlist grows to k.
  request.k = 20;
  EXPECT_EQ(searcher.Search(query.view(), maps.database, request).field.k, 20);
}

TEST_F(CellIndexTest, StoreSearchOverEveryImageUsesTheIndexAndNotesWhenItIsMissing) {
  std::mt19937 rng(25);
  const OwnedMap query = testing::SmoothMap(kSide, kSide, kDepth, rng);
  StoreSearchOptions o;
  o.searcher = std::make_shared<const ExactSearcher>();
  o.topk_images = 0;
  std::vector<std::string> notes;
  o.note = [&](const std::string& line) { notes.push_back(line); };
  {
    const FeatureStore store = FeatureStore::Open(Path("store"));
    const StoreSearchResult plain = SearchStore(store, "fine", query.view(), {}, o);
    EXPECT_EQ(plain.searched_by, "exact");
    EXPECT_EQ(plain.searcher, o.searcher);
    EXPECT_FALSE(plain.used_cell_index);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("no cell index of fine"), std::string::npos) << notes[0];
    BuildCellIndex(store, "fine", {2, 2}, SmallIndex());
    const StoreSearchResult indexed = SearchStore(store, "fine", query.view(), {}, o);
    EXPECT_EQ(indexed.searched_by.rfind("cell index", 0), 0u) << indexed.searched_by;
    ASSERT_TRUE(indexed.searcher);
    EXPECT_EQ(indexed.searcher->name(), "cell-index");
    EXPECT_EQ(indexed.searched_by, indexed.searcher->Describe());
    EXPECT_TRUE(indexed.used_cell_index);
    EXPECT_EQ(notes.size(), 1u);
    // A restricted database is searched by the method: the index covers every image.
    o.allowed = {1, 2, 3};
    EXPECT_EQ(SearchStore(store, "fine", query.view(), {}, o).searched_by, "exact");
    o.allowed.clear();
    o.use_cell_index = false;
    EXPECT_EQ(SearchStore(store, "fine", query.view(), {}, o).searched_by, "exact");
    o.use_cell_index = true;
  }
  // The store rebuilt from other activations (which clears its folder) and the old index copied
  // back: it is stale, and the search goes on without it.
  namespace fs = std::filesystem;
  fs::copy(Path("store/cell-index"), Path("old-index"));
  Import(99);
  fs::copy(Path("old-index"), Path("store/cell-index"));
  const FeatureStore rebuilt = FeatureStore::Open(Path("store"));
  std::string why;
  EXPECT_FALSE(CellIndex::Open(rebuilt, "fine", {2, 2}, &why));
  EXPECT_NE(why.find("stale"), std::string::npos) << why;
  EXPECT_EQ(SearchStore(rebuilt, "fine", query.view(), {}, o).searched_by, "exact");
  EXPECT_EQ(notes.size(), 2u);
}

TEST_F(CellIndexTest, ADamagedIndexIsRefusedNamingItsFile) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  CellIndexOptions o = SmallIndex();
  o.seed = 77;  // another index than the other tests' (the process keeps those it read)
  BuildCellIndex(store, "fine", {2, 2}, o);
  {
    std::fstream file(Stem(store) + ".faiss", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x5a');
  }
  try {
    CellIndex::Open(store, "fine", {2, 2}, nullptr);
    FAIL() << "a damaged index was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(Stem(store) + ".faiss"), std::string::npos) << e.what();
  }
}

TEST_F(CellIndexTest, BadOptionsNameTheirField) {
  CellIndexOptions o;
  o.code_bytes = 0;
  EXPECT_EQ(testing::FieldRefused(o), "code_bytes");
  o = {};
  o.lists = -1;
  EXPECT_EQ(testing::FieldRefused(o), "lists");
  o = {};
  o.train_cells = 10;
  EXPECT_EQ(testing::FieldRefused(o), "train_cells");
  CellIndexSearchOptions s;
  s.probes = 0;
  EXPECT_EQ(testing::FieldRefused(s), "probes");
  s = {};
  s.shortlist = 0;
  EXPECT_EQ(testing::FieldRefused(s), "shortlist");
  s = {};
  s.propagation = 65;
  EXPECT_EQ(testing::FieldRefused(s), "propagation");
  // 3 bytes cannot split a 16-value hyperpatch into equal sub-vectors.
  const FeatureStore store = FeatureStore::Open(Path("store"));
  CellIndexOptions uneven = SmallIndex();
  uneven.code_bytes = 3;
  try {
    BuildCellIndex(store, "fine", {2, 2}, uneven);
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "code_bytes");
  }
}

}  // namespace
}  // namespace compnn
