#include "compnn/core/projected_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "option_field.h"

namespace compnn {
namespace {

using testing::OwnedMap;

TEST(PrincipalDirections, FindsTheDirectionsOfAKnownSpectrum) {
  // Rows mix three orthonormal directions with scales 5, 3 and 1, plus a little noise: the
  // leading directions must be those three, in that order.
  const int length = 12, count = 2000;
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> basis(3 * length, 0.0f);
  basis[0 * length + 2] = 1.0f;
  basis[1 * length + 5] = std::sqrt(0.5f);
  basis[1 * length + 7] = std::sqrt(0.5f);
  basis[2 * length + 9] = 1.0f;
  std::vector<float> rows(static_cast<std::size_t>(count) * length);
  for (int i = 0; i < count; ++i) {
    const float a = 5 * normal(rng), b = 3 * normal(rng), c = normal(rng);
    for (int k = 0; k < length; ++k) {
      rows[i * length + k] =
          a * basis[k] + b * basis[length + k] + c * basis[2 * length + k] + 0.01f * normal(rng);
    }
  }
  const std::vector<float> d = PrincipalDirections(rows, count, length, 3, 7);
  ASSERT_EQ(d.size(), 3u * length);
  for (int i = 0; i < 3; ++i) {
    double dot = 0, norm = 0;
    for (int k = 0; k < length; ++k) {
      dot += d[i * length + k] * basis[i * length + k];
      norm += d[i * length + k] * d[i * length + k];
    }
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-3) << "direction " << i;
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
}

using testing::SearchCase;

// Projected search's field for `request`, with `params`.
CorrespondenceField ProjectedSearch(const MapView& query, const Database& database,
                                    const SearchRequest& request, const ProjectedParams& params) {
  return ProjectedSearcher(params).Search(query, database, request).field;
}

SearchCase MakeCase(unsigned seed) {
  std::mt19937 rng(seed);
  SearchCase c;
  for (int i = 0; i < 5; ++i) c.maps.push_back(testing::SmoothMap(9 + i, 11, 6, rng));
  c.query = testing::SmoothMap(7, 8, 6, rng);
  return c;
}

TEST(ProjectedSearch, WithEveryComponentItIsExactSearch) {
  // A 2 x 2 hyperpatch of 6 channels has 24 values: 24 components lose nothing, so the shortlist's
  // best is the brute-force best of the candidates.
  const SearchCase c = MakeCase(11);
  const std::vector<MapView> views = c.views();
  ProjectedParams params;
  params.components = 24;
  params.shortlist = 4;
  SearchRequest request;
  request.candidates = {0, 2, 3};
  const CorrespondenceField field =
      ProjectedSearch(c.query.view(), Database(views), request, params);
  for (int y = 0; y < c.query.height; ++y) {
    for (int x = 0; x < c.query.width; ++x) {
      const testing::ReferenceMatch ref =
          testing::ReferenceBest(c.query.view(), views, {0, 2, 3}, 2, 2, y, x);
      const Match& m = field.at(y, x);
      if (ref.similarity - ref.runner_up < 1e-5) continue;  // a near tie: either is right
      EXPECT_TRUE(m.image == ref.image && m.y == ref.y && m.x == ref.x)
          << "cell (" << y << ", " << x << ")";
      EXPECT_NEAR(m.similarity, ref.similarity, 2e-5);
    }
  }
}

TEST(ProjectedSearch, WithEveryComponentItsTopKIsExactSearchs) {
  const SearchCase c = MakeCase(14);
  const std::vector<MapView> views = c.views();
  ProjectedParams params;
  params.components = 24;
  params.shortlist = 6;
  // k within the shortlist, and k beyond it (a shortlist of k is then ranked).
  for (int k : {3, 7}) {
    SearchRequest request;
    request.k = k;
    const CorrespondenceField field =
        ProjectedSearch(c.query.view(), Database(views), request, params);
    ASSERT_EQ(field.k, k);
    for (int y = 0; y < c.query.height; ++y) {
      for (int x = 0; x < c.query.width; ++x) {
        const std::vector<double> ref = testing::ReferenceRankedSimilarities(
            c.query.view(), views, {0, 1, 2, 3, 4}, 2, 2, y, x);
        for (int r = 0; r < k; ++r) {
          const Match& m = field.at(y, x, r);
          EXPECT_NEAR(m.similarity, ref[r], 2e-5)
              << "k " << k << " cell (" << y << ", " << x << ") rank " << r;
          for (int o = 0; o < r; ++o) {
            const Match& before = field.at(y, x, o);
            EXPECT_FALSE(before.image == m.image && before.y == m.y && before.x == m.x);
          }
        }
      }
    }
  }
}

TEST(ProjectedSearch, FewComponentsStayCloseToExactAndAreDeterministic) {
  const SearchCase c = MakeCase(12);
  const std::vector<MapView> views = c.views();
  ProjectedParams params;
  params.components = 8;
  params.shortlist = 8;
  SearchRequest request;
  request.seed = 3;
  const CorrespondenceField field =
      ProjectedSearch(c.query.view(), Database(views), request, params);
  double mean = 0, exact = 0;
  for (int y = 0; y < c.query.height; ++y) {
    for (int x = 0; x < c.query.width; ++x) {
      const Match& m = field.at(y, x);
      // The similarity reported is the true cosine of the match reported.
      EXPECT_NEAR(
          m.similarity,
          testing::ReferenceCosine(testing::ReferenceHyperpatch(c.query.view(), 2, 2, y, x),
                                   testing::ReferenceHyperpatch(views[m.image], 2, 2, m.y, m.x)),
          2e-5);
      mean += m.similarity;
      exact +=
          testing::ReferenceBest(c.query.view(), views, {0, 1, 2, 3, 4}, 2, 2, y, x).similarity;
    }
  }
  EXPECT_GE(mean / exact, 0.99);
  const CorrespondenceField again =
      ProjectedSearch(c.query.view(), Database(views), request, params);
  for (std::size_t i = 0; i < field.matches.size(); ++i) {
    EXPECT_EQ(field.matches[i].image, again.matches[i].image);
    EXPECT_EQ(field.matches[i].y, again.matches[i].y);
    EXPECT_EQ(field.matches[i].x, again.matches[i].x);
  }
}

TEST(ProjectedSearch, RefusesNonFiniteActivationsAndBadOptions) {
  SearchCase c = MakeCase(13);
  c.maps[1].at(3, 4, 2) = INFINITY;
  ProjectedParams params;
  params.components = 4;
  EXPECT_THROW(ProjectedSearch(c.query.view(), Database(c.views()), {}, params),
               std::invalid_argument);
  params.components = 0;
  EXPECT_EQ(testing::FieldRefused(params), "components");
  try {
    ProjectedSearcher searcher(params);  // the constructor checks the parameters
    ADD_FAILURE() << "accepted components 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "components");
  }
  params.components = 4;
  params.shortlist = 0;
  EXPECT_EQ(testing::FieldRefused(params), "shortlist");
  params.shortlist = 4;
  params.sample = 0;
  EXPECT_EQ(testing::FieldRefused(params), "sample");
  params.sample = 8192;
  c.maps[1].at(3, 4, 2) = 0.5f;
  SearchRequest request;
  request.threads = -1;
  try {
    ProjectedSearch(c.query.view(), Database(c.views()), request, params);
    ADD_FAILURE() << "searched with threads -1";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "threads");
  }
}

}  // namespace
}  // namespace compnn
