#include "compnn/core/search.h"

#include <gtest/gtest.h>

#include <random>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/half.h"

namespace compnn {
namespace {

// A query and four database images, smooth as activations are.
class SearchTest : public ::testing::Test {
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

TEST_F(SearchTest, ExactHonoursTheSharedFieldsAndIsTheBruteForce) {
  SearchOptions o;
  o.method = SearchMethod::kExact;
  o.hyperpatch = {2, 2};
  o.candidates = {1, 3};
  o.k = 2;
  const SearchResult found = Search(query_.view(), database(), o);
  ASSERT_EQ(found.field.k, 2);
  EXPECT_TRUE(found.iterations.empty());
  for (int y = 0; y < query_.height; ++y) {
    for (int x = 0; x < query_.width; ++x) {
      const auto ref = testing::ReferenceBest(query_.view(), views_, o.candidates, 2, 2, y, x);
      EXPECT_NEAR(found.field.at(y, x).similarity, ref.similarity, 1e-5);
      EXPECT_GE(found.field.at(y, x).similarity, found.field.at(y, x, 1).similarity);
      for (int r = 0; r < 2; ++r) {
        const int image = found.field.at(y, x, r).image;
        EXPECT_TRUE(image == 1 || image == 3) << image;
      }
    }
  }
}

TEST_F(SearchTest, EveryMethodIsRepeatableForASeedAndStaysAmongTheCandidates) {
  for (const SearchMethod method :
       {SearchMethod::kExact, SearchMethod::kHyperPatchMatch, SearchMethod::kProjected}) {
    SearchOptions o;
    o.method = method;
    o.hyperpatch = {2, 2};
    o.candidates = {0, 2};
    o.seed = 5;
    o.projected.components = 4;
    const SearchResult a = Search(query_.view(), database(), o);
    o.threads = 1;
    const SearchResult b = Search(query_.view(), database(), o);
    ASSERT_EQ(a.field.matches.size(), b.field.matches.size());
    for (std::size_t i = 0; i < a.field.matches.size(); ++i) {
      EXPECT_EQ(a.field.matches[i].image, b.field.matches[i].image) << ToString(method);
      EXPECT_EQ(a.field.matches[i].y, b.field.matches[i].y) << ToString(method);
      EXPECT_EQ(a.field.matches[i].x, b.field.matches[i].x) << ToString(method);
      EXPECT_TRUE(a.field.matches[i].image == 0 || a.field.matches[i].image == 2);
    }
    EXPECT_EQ(a.iterations.empty(), method != SearchMethod::kHyperPatchMatch) << ToString(method);
  }
}

TEST_F(SearchTest, OptionsAreRefusedNamingTheField) {
  const auto field_of = [&](const SearchOptions& o) {
    try {
      Search(query_.view(), database(), o);
    } catch (const OptionError& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  SearchOptions o;
  o.hyperpatch = {2, 2};
  o.k = 0;
  EXPECT_EQ(field_of(o), "k");
  o.k = 1;
  o.threads = -1;
  EXPECT_EQ(field_of(o), "threads");
  o.threads = 0;
  o.patch_match.max_iterations = -1;
  EXPECT_EQ(field_of(o), "patch_match.max_iterations");
  o.method = SearchMethod::kExact;  // another method's parameters are not its concern
  EXPECT_EQ(field_of(o), "(accepted)");
  o.method = SearchMethod::kProjected;
  o.projected.components = 0;
  EXPECT_EQ(field_of(o), "projected.components");
  o.projected.components = 32;
  o.patch_match.max_iterations = 32;
  o.patch_match.seed = 3;  // the shared seed rules: a nested one is refused, not ignored
  EXPECT_EQ(field_of(o), "patch_match.seed");
}

TEST_F(SearchTest, HalfMapsAreForHyperPatchMatchOnly) {
  std::vector<std::vector<std::uint16_t>> halves;
  std::vector<HalfMapView> views;
  for (const OwnedMap& m : maps_) {
    halves.emplace_back();
    for (float v : m.values) halves.back().push_back(FloatToHalf(v));
    views.push_back({halves.back().data(), m.height, m.width, m.depth});
  }
  const HalfDatabase half(views);
  SearchOptions o;
  o.hyperpatch = {2, 2};
  EXPECT_EQ(Search(query_.view(), half, o).field.height, query_.height);
  o.method = SearchMethod::kExact;
  EXPECT_THROW(Search(query_.view(), half, o), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
