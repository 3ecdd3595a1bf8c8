#include "match_propagation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "brute_force_reference.h"
#include "compnn/core/exact_search.h"

namespace compnn {
namespace {

constexpr int kSide = 10, kDepth = 6;
const HyperpatchShape kShape{3, 3};

// A query and a database whose image 0 is the query itself and image 1 is noise: exact search
// matches every cell to its own place in image 0.
class MatchPropagationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    query_ = testing::RandomMap(kSide, kSide, kDepth, rng);
    noise_ = testing::RandomMap(kSide, kSide, kDepth, rng);
    database_ = Database({query_.view(), noise_.view()});
    rows_ = UnitHyperpatchRows(query_.view(), kShape, 1);
  }

  // Every cell matched to the noise image's cell (0, 0), but (seed_y, seed_x) to its true place.
  CorrespondenceField SeededField(int seed_y, int seed_x) const {
    CorrespondenceField field(kSide, kSide, 1);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x) field.at(y, x) = Cosine(1, 0, 0, y, x);
    field.at(seed_y, seed_x) = Cosine(0, seed_y, seed_x, seed_y, seed_x);
    return field;
  }
  // The match of query cell (qy, qx) to database cell (image, y, x), by the brute-force cosine.
  Match Cosine(int image, int y, int x, int qy, int qx) const {
    const MapView map = database_[image];
    const double c = testing::ReferenceCosine(
        testing::ReferenceHyperpatch(query_.view(), kShape.height, kShape.width, qy, qx),
        testing::ReferenceHyperpatch(map, kShape.height, kShape.width, y, x));
    return {image, y, x, static_cast<float>(c)};
  }
  CorrespondenceField Exact() const {
    SearchRequest request;
    request.hyperpatch = kShape;
    return ExactSearcher().Search(query_.view(), database_, request).field;
  }

  OwnedMap query_, noise_;
  Database database_;
  std::vector<float> rows_;
};

TEST_F(MatchPropagationTest, OneRightMatchSpreadsToExactSearchsField) {
  CorrespondenceField field = SeededField(4, 6);
  const int passes = internal::PropagateMatches(rows_, database_, kShape, 64, 2, &field);
  // The farthest cell, (9, 0), is 5 + 6 steps away; the passes stop once nothing changes.
  EXPECT_GE(passes, 11);
  EXPECT_LT(passes, 64);
  const CorrespondenceField exact = Exact();
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      EXPECT_EQ(field.at(y, x).image, 0);
      EXPECT_EQ(field.at(y, x).y, exact.at(y, x).y) << y << "," << x;
      EXPECT_EQ(field.at(y, x).x, exact.at(y, x).x) << y << "," << x;
      EXPECT_NEAR(field.at(y, x).similarity, exact.at(y, x).similarity, 1e-5);
    }
  }
}

TEST_F(MatchPropagationTest, APassReachesOnlyTheNeighboursOfWhatTheLastPassFound) {
  CorrespondenceField field = SeededField(5, 5);
  EXPECT_EQ(internal::PropagateMatches(rows_, database_, kShape, 2, 1, &field), 2);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const bool reached = std::abs(y - 5) + std::abs(x - 5) <= 2;
      EXPECT_EQ(field.at(y, x).image, reached ? 0 : 1) << y << "," << x;
    }
  }
}

TEST_F(MatchPropagationTest, MatchesOnlyImproveAndKeepTheirOrder) {
  // Two matches a cell, drawn at random.
  std::mt19937 rng(8);
  CorrespondenceField field(kSide, kSide, 2);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      Match a = Cosine(rng() % 2, rng() % kSide, rng() % kSide, y, x);
      Match b = Cosine(1, (a.y + 1) % kSide, a.x, y, x);
      if (b.BetterThan(a)) std::swap(a, b);
      field.at(y, x, 0) = a;
      field.at(y, x, 1) = b;
    }
  }
  const CorrespondenceField start = field;
  internal::PropagateMatches(rows_, database_, kShape, 3, 2, &field);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      for (int r = 0; r < 2; ++r)
        EXPECT_GE(field.at(y, x, r).similarity, start.at(y, x, r).similarity);
      EXPECT_TRUE(field.at(y, x, 0).BetterThan(field.at(y, x, 1)));
      // Each similarity is the brute-force cosine of the match it names.
      const Match& m = field.at(y, x, 0);
      EXPECT_NEAR(m.similarity, Cosine(m.image, m.y, m.x, y, x).similarity, 1e-5);
    }
  }
}

TEST_F(MatchPropagationTest, TheFieldDoesNotDependOnTheThreadCount) {
  std::mt19937 rng(9);
  CorrespondenceField one(kSide, kSide, 1);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      one.at(y, x) = Cosine(rng() % 2, rng() % kSide, rng() % kSide, y, x);
  CorrespondenceField three = one;
  internal::PropagateMatches(rows_, database_, kShape, 5, 1, &one);
  internal::PropagateMatches(rows_, database_, kShape, 5, 3, &three);
  for (std::size_t i = 0; i < one.matches.size(); ++i) {
    EXPECT_EQ(one.matches[i].image, three.matches[i].image);
    EXPECT_EQ(one.matches[i].y, three.matches[i].y);
    EXPECT_EQ(one.matches[i].x, three.matches[i].x);
    EXPECT_EQ(one.matches[i].similarity, three.matches[i].similarity);
  }
}

}  // namespace
}  // namespace compnn
