#include "compnn/core/searcher.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/half.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"

namespace compnn {
namespace {

// A query and four database images, smooth as activations are.
class SearcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(21);
    query_ = testing::SmoothMap(5, 6, 8, rng);
    for (int i = 0; i < 4; ++i) maps_.push_back(testing::SmoothMap(6, 5, 8, rng));
    for (const OwnedMap& m : maps_) views_.push_back(m.view());
  }
  Database database() const { return Database(views_); }

  OwnedMap query_;
  std::vector<OwnedMap> maps_;
  std::vector<MapView> views_;
};

// The field of the OptionError that MakeSearcher(name, params) throws; "(accepted)" when none.
std::string FieldRefused(const std::string& name, const nlohmann::json& params) {
  try {
    MakeSearcher(name, params);
  } catch (const OptionError& e) {
    return e.field();
  }
  return "(accepted)";
}

bool SameTraits(const SearcherTraits& a, const SearcherTraits& b) {
  return a.exact == b.exact && a.reads_float16 == b.reads_float16 &&
         a.splits_across_ranks == b.splits_across_ranks && a.uses_seed == b.uses_seed;
}

TEST(Searchers, HyperPatchMatchIsTheDefaultAndEveryNameIsListed) {
  ASSERT_GE(Searchers().size(), 3u);
  EXPECT_EQ(Searchers().front().name, "hpm");
  EXPECT_EQ(DefaultSearcher()->name(), "hpm");
  EXPECT_EQ(DefaultSearcher()->Parameters(), PatchMatchSearcher().Parameters());
  for (const SearcherEntry& entry : Searchers()) {
    EXPECT_NE(SearcherNames().find("\"" + entry.name + "\""), std::string::npos) << entry.name;
    EXPECT_FALSE(entry.help.empty()) << entry.name;
    // Every parameter the entry lists is one its searcher records, and the other way round.
    const nlohmann::json parameters = entry.make(nlohmann::json::object())->Parameters();
    EXPECT_EQ(parameters.size(), entry.params.size()) << entry.name;
    for (const SearcherParam& p : entry.params) {
      EXPECT_TRUE(parameters.contains(p.name)) << entry.name << " " << p.name;
      EXPECT_FALSE(p.help.empty()) << entry.name << " " << p.name;
    }
  }
}

TEST(Searchers, MakeSearcherGivesTheNamedMethodWithItsParameters) {
  const auto hpm = MakeSearcher("hpm", {{"max_iterations", 7}, {"search_matches", 2}});
  EXPECT_EQ(hpm->name(), "hpm");
  EXPECT_EQ(hpm->Describe(), "hpm");
  EXPECT_TRUE(SameTraits(
      hpm->traits(),
      {.exact = false, .reads_float16 = true, .splits_across_ranks = false, .uses_seed = true}));
  PatchMatchParams expected_hpm;
  expected_hpm.max_iterations = 7;
  expected_hpm.search_matches = 2;
  EXPECT_EQ(hpm->Parameters(), PatchMatchSearcher(expected_hpm).Parameters());
  EXPECT_EQ(hpm->Parameters().at("max_iterations"), 7);
  EXPECT_EQ(hpm->Parameters().at("long_range"), PatchMatchParams().long_range);  // a default
  ASSERT_NE(dynamic_cast<const PatchMatchSearcher*>(hpm.get()), nullptr);
  EXPECT_EQ(dynamic_cast<const PatchMatchSearcher&>(*hpm).params().search_matches, 2);

  const auto exact = MakeSearcher("exact");
  EXPECT_EQ(exact->name(), "exact");
  EXPECT_TRUE(SameTraits(
      exact->traits(),
      {.exact = true, .reads_float16 = false, .splits_across_ranks = true, .uses_seed = false}));
  EXPECT_EQ(exact->Parameters(), nlohmann::json::object());

  const auto projected = MakeSearcher("projected", {{"components", 12}, {"shortlist", 5.0}});
  EXPECT_EQ(projected->name(), "projected");
  EXPECT_TRUE(SameTraits(
      projected->traits(),
      {.exact = false, .reads_float16 = false, .splits_across_ranks = false, .uses_seed = true}));
  EXPECT_EQ(projected->Parameters(),
            (nlohmann::json{{"components", 12}, {"shortlist", 5}, {"sample", 8192}}));
}

TEST(Searchers, MakeSearcherOfANameAndParametersMakesATwin) {
  const std::map<std::string, nlohmann::json> settings = {
      {"hpm",
       {{"max_iterations", 9},
        {"min_improved_fraction", 0.25},
        {"random_images", 3},
        {"long_range", 0},
        {"initial_samples", 4},
        {"search_matches", 3}}},
      {"exact", nlohmann::json::object()},
      {"projected", {{"components", 7}, {"shortlist", 9}, {"sample", 100}}}};
  for (const SearcherEntry& entry : Searchers()) {
    for (const nlohmann::json& params :
         {nlohmann::json::object(),
          settings.count(entry.name) ? settings.at(entry.name) : nlohmann::json::object()}) {
      const auto searcher = MakeSearcher(entry.name, params);
      for (const auto& [name, value] : params.items()) {
        EXPECT_EQ(searcher->Parameters().at(name), value) << entry.name << " " << name;
      }
      const auto twin = MakeSearcher(searcher->name(), searcher->Parameters());
      EXPECT_EQ(twin->name(), searcher->name());
      EXPECT_EQ(twin->Parameters(), searcher->Parameters()) << entry.name;
      EXPECT_EQ(twin->Describe(), searcher->Describe());
      EXPECT_TRUE(SameTraits(twin->traits(), searcher->traits())) << entry.name;
    }
  }
}

TEST(Searchers, SearchRecordHoldsTheMethodItsParametersAndASeedWhereItDraws) {
  const auto hpm = MakeSearcher("hpm", {{"max_iterations", 5}});
  nlohmann::json expected = hpm->Parameters();
  expected["method"] = "hpm";
  expected["seed"] = 11;
  EXPECT_EQ(SearchRecord(*hpm, 11), expected);
  EXPECT_EQ(SearchRecord(*MakeSearcher("exact"), 11), (nlohmann::json{{"method", "exact"}}));
  EXPECT_EQ(SearchRecord(*MakeSearcher("projected"), 3).at("seed"), 3);
}

TEST(Searchers, BadNamesAndParametersAreRefusedNamingTheField) {
  EXPECT_EQ(FieldRefused("hpm", nlohmann::json::object()), "(accepted)");
  EXPECT_EQ(FieldRefused("brute", nlohmann::json::object()), "method");
  try {
    MakeSearcher("brute");
    ADD_FAILURE() << "made an unknown searcher";
  } catch (const OptionError& e) {
    // The error lists the known names.
    for (const SearcherEntry& entry : Searchers())
      EXPECT_NE(std::string(e.what()).find(entry.name), std::string::npos) << e.what();
  }
  // A parameter of another method is not this one's.
  EXPECT_EQ(FieldRefused("hpm", {{"shortlist", 4}}), "shortlist");
  EXPECT_EQ(FieldRefused("exact", {{"max_iterations", 4}}), "max_iterations");
  EXPECT_EQ(FieldRefused("projected", {{"nonsense", 1}}), "nonsense");
  // Whole numbers must be whole; 4.0 is.
  EXPECT_EQ(FieldRefused("hpm", {{"max_iterations", 2.5}}), "max_iterations");
  EXPECT_EQ(FieldRefused("hpm", {{"max_iterations", 4.0}}), "(accepted)");
  EXPECT_EQ(FieldRefused("projected", {{"shortlist", 0.5}}), "shortlist");
  EXPECT_EQ(FieldRefused("hpm", {{"min_improved_fraction", 0.5}}), "(accepted)");
  EXPECT_EQ(FieldRefused("hpm", {{"random_images", "many"}}), "random_images");
  // Out of range: the parameters' own Check, through the searcher's constructor.
  EXPECT_EQ(FieldRefused("hpm", {{"max_iterations", -1}}), "max_iterations");
  EXPECT_EQ(FieldRefused("hpm", {{"min_improved_fraction", 1.5}}), "min_improved_fraction");
  EXPECT_EQ(FieldRefused("hpm", {{"search_matches", kMaxMatchesPerCell + 1}}), "search_matches");
  EXPECT_EQ(FieldRefused("projected", {{"components", 0}}), "components");
  EXPECT_EQ(FieldRefused("projected", {{"sample", 0}}), "sample");
}

TEST_F(SearcherTest, RequestsOutOfRangeAreRefusedNamingTheField) {
  for (const SearcherEntry& entry : Searchers()) {
    SCOPED_TRACE(entry.name);
    const auto searcher = MakeSearcher(entry.name);
    const auto field_of = [&](const SearchRequest& request) {
      try {
        searcher->Search(query_.view(), database(), request);
      } catch (const OptionError& e) {
        return e.field();
      }
      return std::string("(accepted)");
    };
    SearchRequest request;
    EXPECT_EQ(field_of(request), "(accepted)");
    request.k = 0;
    EXPECT_EQ(field_of(request), "k");
    request.k = kMaxMatchesPerCell + 1;
    EXPECT_EQ(field_of(request), "k");
    request.k = 4 * 6 * 5 + 1;  // more than the database's cells
    EXPECT_EQ(field_of(request), "k");
    request.k = 1;
    request.threads = -1;
    EXPECT_EQ(field_of(request), "threads");
  }
}

TEST_F(SearcherTest, ExactHonoursTheRequestAndIsTheBruteForce) {
  SearchRequest request;
  request.hyperpatch = {2, 2};
  request.candidates = {1, 3};
  request.k = 2;
  const SearchResult found = MakeSearcher("exact")->Search(query_.view(), database(), request);
  ASSERT_EQ(found.field.k, 2);
  EXPECT_TRUE(found.iterations.empty());
  for (int y = 0; y < query_.height; ++y) {
    for (int x = 0; x < query_.width; ++x) {
      const auto ref =
          testing::ReferenceBest(query_.view(), views_, request.candidates, 2, 2, y, x);
      EXPECT_NEAR(found.field.at(y, x).similarity, ref.similarity, 1e-5);
      EXPECT_GE(found.field.at(y, x).similarity, found.field.at(y, x, 1).similarity);
      for (int r = 0; r < 2; ++r) {
        const int image = found.field.at(y, x, r).image;
        EXPECT_TRUE(image == 1 || image == 3) << image;
      }
    }
  }
}

// Parameters under which each registered searcher is exact on the tiny case below: a new searcher
// must add its own here.
nlohmann::json ExactSettings(const std::string& name, int hyperpatch_length) {
  if (name == "exact") return nlohmann::json::object();
  // Every principal component: the projection loses nothing.
  if (name == "projected") return {{"components", hyperpatch_length}, {"shortlist", 4}};
  // 48 database cells, 64 iterations of 16 random cells each, no early stop.
  if (name == "hpm")
    return {{"max_iterations", 64}, {"min_improved_fraction", 0.0}, {"random_images", 16}};
  ADD_FAILURE() << "no settings under which " << name << " search is exact: add them";
  return nlohmann::json::object();
}

TEST(Searchers, EverySearcherFindsTheBruteForceBestOnATinyCase) {
  std::mt19937 rng(23);
  testing::SearchCase c;
  for (int i = 0; i < 3; ++i) c.maps.push_back(testing::RandomMap(4, 4, 5, rng));
  c.query = testing::RandomMap(3, 4, 5, rng);
  const std::vector<MapView> views = c.views();
  const std::vector<int> all = {0, 1, 2};
  for (const SearcherEntry& entry : Searchers()) {
    SCOPED_TRACE(entry.name);
    const auto searcher = MakeSearcher(entry.name, ExactSettings(entry.name, 2 * 2 * 5));
    SearchRequest request;
    request.hyperpatch = {2, 2};
    request.seed = 3;
    const CorrespondenceField field =
        searcher->Search(c.query.view(), Database(views), request).field;
    ASSERT_EQ(field.height, c.query.height);
    ASSERT_EQ(field.width, c.query.width);
    int same_cell = 0;
    for (int y = 0; y < c.query.height; ++y) {
      for (int x = 0; x < c.query.width; ++x) {
        const auto ref = testing::ReferenceBest(c.query.view(), views, all, 2, 2, y, x);
        const Match& m = field.at(y, x);
        EXPECT_NEAR(m.similarity, ref.similarity, 2e-5) << "cell (" << y << ", " << x << ")";
        if (ref.similarity - ref.runner_up > 1e-4) {
          EXPECT_TRUE(m.image == ref.image && m.y == ref.y && m.x == ref.x)
              << "cell (" << y << ", " << x << "): (" << m.image << ", " << m.y << ", " << m.x
              << ") against (" << ref.image << ", " << ref.y << ", " << ref.x << ")";
          ++same_cell;
        }
      }
    }
    EXPECT_GT(same_cell, c.query.view().cells() / 2);  // not a vacuous pass over near ties
  }
}

TEST_F(SearcherTest, EverySearcherIsRepeatableForASeedAndStaysAmongTheCandidates) {
  for (const SearcherEntry& entry : Searchers()) {
    SCOPED_TRACE(entry.name);
    const auto searcher =
        MakeSearcher(entry.name, entry.name == "projected" ? nlohmann::json{{"components", 4}}
                                                           : nlohmann::json::object());
    SearchRequest request;
    request.hyperpatch = {2, 2};
    request.candidates = {0, 2};
    request.seed = 5;
    const SearchResult a = searcher->Search(query_.view(), database(), request);
    request.threads = 1;
    const SearchResult b = searcher->Search(query_.view(), database(), request);
    ASSERT_EQ(a.field.matches.size(), b.field.matches.size());
    for (std::size_t i = 0; i < a.field.matches.size(); ++i) {
      EXPECT_EQ(a.field.matches[i].image, b.field.matches[i].image);
      EXPECT_EQ(a.field.matches[i].y, b.field.matches[i].y);
      EXPECT_EQ(a.field.matches[i].x, b.field.matches[i].x);
      EXPECT_TRUE(a.field.matches[i].image == 0 || a.field.matches[i].image == 2);
    }
    // Only the iterative search records iterations.
    EXPECT_EQ(a.iterations.empty(), entry.name != "hpm");
  }
}

TEST_F(SearcherTest, HalfMapsAreForTheSearchersThatReadThem) {
  std::vector<std::vector<std::uint16_t>> halves;
  std::vector<HalfMapView> views;
  for (const OwnedMap& m : maps_) {
    halves.emplace_back();
    for (float v : m.values) halves.back().push_back(FloatToHalf(v));
    views.push_back({halves.back().data(), m.height, m.width, m.depth});
  }
  const HalfDatabase half(views);
  SearchRequest request;
  request.hyperpatch = {2, 2};
  EXPECT_EQ(MakeSearcher("hpm")->Search(query_.view(), half, request).field.height, query_.height);
  EXPECT_THROW(MakeSearcher("exact")->Search(query_.view(), half, request), std::invalid_argument);
  EXPECT_THROW(MakeSearcher("projected")->Search(query_.view(), half, request),
               std::invalid_argument);
  for (const SearcherEntry& entry : Searchers()) {
    const auto searcher = MakeSearcher(entry.name);
    if (searcher->traits().reads_float16) continue;
    EXPECT_THROW(searcher->Search(query_.view(), half, request), std::invalid_argument)
        << entry.name;
  }
}

}  // namespace
}  // namespace compnn
