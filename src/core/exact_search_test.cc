#include "compnn/core/exact_search.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <tuple>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "option_field.h"

namespace compnn {
namespace {

using testing::OwnedMap;

using Case = testing::SearchCase;

// Exact search's field for `request`, with `params`.
CorrespondenceField ExactSearch(const MapView& query, const Database& database,
                                const SearchRequest& request = {}, ExactParams params = {}) {
  return ExactSearcher(params).Search(query, database, request).field;
}

// Checks every cell of `field` against the brute-force reference. Where the reference's best and
// runner-up differ by more than float rounding, the match must be the very same cell; everywhere
// the engine's match must be as good as the reference's, and report its true similarity.
void ExpectMatchesReference(const CorrespondenceField& field, const MapView& query,
                            const std::vector<MapView>& database, std::vector<int> images,
                            HyperpatchShape shape) {
  if (images.empty()) {
    images.resize(database.size());
    std::iota(images.begin(), images.end(), 0);
  }
  int exact_cells = 0;
  for (int y = 0; y < query.height; ++y) {
    for (int x = 0; x < query.width; ++x) {
      const auto ref =
          testing::ReferenceBest(query, database, images, shape.height, shape.width, y, x);
      const Match& got = field.at(y, x);
      ASSERT_GE(got.image, 0);
      ASSERT_TRUE(std::count(images.begin(), images.end(), got.image)) << "not a candidate";
      const double true_similarity = testing::ReferenceCosine(
          testing::ReferenceHyperpatch(query, shape.height, shape.width, y, x),
          testing::ReferenceHyperpatch(database[got.image], shape.height, shape.width, got.y,
                                       got.x));
      EXPECT_NEAR(got.similarity, true_similarity, 2e-5) << "cell " << y << "," << x;
      EXPECT_GE(true_similarity, ref.similarity - 2e-5) << "cell " << y << "," << x;
      if (ref.similarity - ref.runner_up > 1e-4) {
        EXPECT_EQ(got.image, ref.image) << "cell " << y << "," << x;
        EXPECT_EQ(got.y, ref.y) << "cell " << y << "," << x;
        EXPECT_EQ(got.x, ref.x) << "cell " << y << "," << x;
        ++exact_cells;
      }
    }
  }
  // Guards against a vacuous pass where every cell is a near-tie.
  if (query.cells() >= 16) {
    EXPECT_GT(exact_cells, query.cells() / 2);
  }
}

TEST(ExactSearch, MatchesBruteForceOnRandomMapsOfDifferentSizes) {
  std::mt19937 rng(1);
  Case c;
  c.maps.push_back(testing::RandomMap(7, 5, 6, rng));
  c.maps.push_back(testing::RandomMap(3, 9, 6, rng));
  c.maps.push_back(testing::RandomMap(6, 6, 6, rng));
  c.query = testing::RandomMap(5, 8, 6, rng);
  const Database db(c.views());
  for (HyperpatchShape shape :
       {HyperpatchShape{2, 2}, HyperpatchShape{1, 1}, HyperpatchShape{3, 2}}) {
    SCOPED_TRACE(std::to_string(shape.height) + "x" + std::to_string(shape.width));
    SearchRequest request;
    request.hyperpatch = shape;
    ExpectMatchesReference(ExactSearch(c.query.view(), db, request), c.query.view(), c.views(), {},
                           shape);
  }
}

TEST(ExactSearch, MatchesBruteForceOnSmoothReluMapsAcrossBlocks) {
  std::mt19937 rng(2);
  Case c;
  for (int i = 0; i < 6; ++i) c.maps.push_back(testing::SmoothMap(12, 10, 8, rng));
  c.query = testing::SmoothMap(11, 13, 8, rng);
  const Database db(c.views());
  ExactParams params;
  params.block_bytes = 1;  // smallest blocks: many blocks, each spanning images
  SearchRequest request;
  request.threads = 2;
  ExpectMatchesReference(ExactSearch(c.query.view(), db, request, params), c.query.view(),
                         c.views(), {}, request.hyperpatch);
}

TEST(ExactSearch, DepthOneNonSquareAndSingleImage) {
  std::mt19937 rng(3);
  Case c;
  c.maps.push_back(testing::RandomMap(4, 11, 1, rng));
  c.query = testing::RandomMap(3, 7, 1, rng);
  const Database db(c.views());
  ExpectMatchesReference(ExactSearch(c.query.view(), db), c.query.view(), c.views(), {}, {});
}

TEST(ExactSearch, OneByOneMaps) {
  std::mt19937 rng(4);
  Case c;
  for (int i = 0; i < 5; ++i) c.maps.push_back(testing::RandomMap(1, 1, 3, rng));
  c.query = testing::RandomMap(1, 1, 3, rng);
  const Database db(c.views());
  const CorrespondenceField field = ExactSearch(c.query.view(), db);
  ASSERT_EQ(field.height, 1);
  ExpectMatchesReference(field, c.query.view(), c.views(), {}, {});
}

TEST(ExactSearch, CandidateSubsetIsRespected) {
  std::mt19937 rng(5);
  Case c;
  for (int i = 0; i < 5; ++i) c.maps.push_back(testing::RandomMap(5, 5, 4, rng));
  c.query = testing::RandomMap(5, 5, 4, rng);
  const Database db(c.views());
  SearchRequest request;
  request.candidates = {3, 1, 3};
  ExpectMatchesReference(ExactSearch(c.query.view(), db, request), c.query.view(), c.views(),
                         {1, 3}, request.hyperpatch);
}

TEST(ExactSearch, TiesGoToLowestImageThenCell) {
  // Two identical images: every query cell's best is found twice; image 0 must win. A constant
  // map makes every cell of image 2 equally good, so the lowest (y, x) must win there.
  std::mt19937 rng(6);
  Case c;
  c.maps.push_back(testing::RandomMap(4, 4, 3, rng));
  c.maps.push_back(c.maps[0]);
  c.query = c.maps[0];
  Database db(c.views());
  const CorrespondenceField field = ExactSearch(c.query.view(), db);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      EXPECT_EQ(field.at(y, x).image, 0);
      EXPECT_NEAR(field.at(y, x).similarity, 1.0f, 1e-5);
    }
  }

  OwnedMap constant(3, 5, 2);
  std::fill(constant.values.begin(), constant.values.end(), 0.5f);
  const Database constant_db({constant.view(), constant.view()});
  const CorrespondenceField flat = ExactSearch(constant.view(), constant_db);
  for (const Match& m : flat.matches) {
    EXPECT_EQ(m.image, 0);
    EXPECT_EQ(m.y, 0);
    EXPECT_EQ(m.x, 0);
  }
}

TEST(ExactSearch, ZeroBlocksHaveSimilarityZeroAndNoNaN) {
  OwnedMap zero(4, 4, 3);  // all zeros, as after a ReLU on a dark region
  std::mt19937 rng(7);
  OwnedMap other = testing::RandomMap(4, 4, 3, rng);
  const Database db({other.view(), zero.view()});
  const CorrespondenceField field = ExactSearch(zero.view(), db);
  for (const Match& m : field.matches) {
    EXPECT_EQ(m.similarity, 0.0f);
    EXPECT_EQ(m.image, 0);  // every cosine is 0: the lowest cell wins
    EXPECT_EQ(m.y, 0);
    EXPECT_EQ(m.x, 0);
  }
  // A real query against a database of zero maps: similarity 0 everywhere.
  const Database zero_db({zero.view()});
  for (const Match& m : ExactSearch(other.view(), zero_db).matches) {
    EXPECT_FALSE(std::isnan(m.similarity));
    EXPECT_EQ(m.similarity, 0.0f);
  }
}

// Maps scaled far from 1, where float squares leave float's range: denormal activations (1e-42)
// and large ones (1e20). Cosines do not depend on the scale, so both must match the brute force
// of the unscaled maps.
OwnedMap Scaled(const OwnedMap& map, float scale) {
  OwnedMap scaled = map;
  for (float& v : scaled.values) v *= scale;
  return scaled;
}

TEST(ExactSearch, DenormalAndLargeActivationsGiveTheUnscaledCosines) {
  std::mt19937 rng(17);
  const OwnedMap query = testing::SmoothMap(5, 5, 8, rng), image = testing::SmoothMap(6, 6, 8, rng);
  for (float scale : {1e-40f, 1e20f}) {
    const OwnedMap q = Scaled(query, scale), d = Scaled(image, scale);
    const CorrespondenceField field = ExactSearch(q.view(), Database({d.view()}));
    for (int y = 0; y < 5; ++y) {
      for (int x = 0; x < 5; ++x) {
        const auto ref = testing::ReferenceBest(query.view(), {image.view()}, {0}, 2, 2, y, x);
        const Match& m = field.at(y, x);
        EXPECT_EQ(m.image, 0) << scale;
        // Denormals keep few significant bits: their cosines are close, not exact.
        EXPECT_NEAR(m.similarity, ref.similarity, scale < 1 ? 2e-2 : 1e-5) << scale;
      }
    }
  }
}

TEST(ExactSearch, TopKIsSortedAndAgreesWithBruteForce) {
  std::mt19937 rng(8);
  Case c;
  for (int i = 0; i < 3; ++i) c.maps.push_back(testing::RandomMap(4, 5, 3, rng));
  c.query = testing::RandomMap(3, 3, 3, rng);
  const Database db(c.views());
  SearchRequest request;
  request.k = 4;
  ExactParams params;
  params.block_bytes = 1;
  const CorrespondenceField field = ExactSearch(c.query.view(), db, request, params);
  ASSERT_EQ(field.k, 4);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      // All similarities of this cell, sorted, from the reference.
      const auto q = testing::ReferenceHyperpatch(c.query.view(), 2, 2, y, x);
      std::vector<double> all;
      for (const OwnedMap& m : c.maps)
        for (int yy = 0; yy < m.height; ++yy)
          for (int xx = 0; xx < m.width; ++xx)
            all.push_back(
                testing::ReferenceCosine(q, testing::ReferenceHyperpatch(m.view(), 2, 2, yy, xx)));
      std::sort(all.rbegin(), all.rend());
      for (int r = 0; r < 4; ++r) {
        EXPECT_NEAR(field.at(y, x, r).similarity, all[r], 2e-5);
        if (r > 0) {
          EXPECT_GE(field.at(y, x, r - 1).similarity, field.at(y, x, r).similarity);
        }
      }
    }
  }
}

TEST(ExactSearch, ThreadCountDoesNotChangeTheResult) {
  std::mt19937 rng(9);
  Case c;
  for (int i = 0; i < 4; ++i) c.maps.push_back(testing::SmoothMap(9, 9, 5, rng));
  c.query = testing::SmoothMap(20, 20, 5, rng);
  const Database db(c.views());
  SearchRequest one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = ExactSearch(c.query.view(), db, one), b = ExactSearch(c.query.view(), db, two);
  for (std::size_t i = 0; i < a.matches.size(); ++i) {
    EXPECT_EQ(a.matches[i].image, b.matches[i].image);
    EXPECT_EQ(a.matches[i].y, b.matches[i].y);
    EXPECT_EQ(a.matches[i].x, b.matches[i].x);
  }
}

// Sharded search (one rank per shard) relies on this: a pair's similarity must not depend on
// which other images are searched, nor on the thread count, so the shards' fields merge into the
// whole search's bit for bit, ties across a shard boundary included.
TEST(ExactSearch, ShardsMergeIntoTheWholeSearchBitForBit) {
  std::mt19937 rng(11);
  Case c;
  // Maps of several sizes, one wider than a product tile (1024 cells), and a repeated image so
  // that ties fall across shard boundaries.
  for (auto [h, w] : {std::pair{40, 31}, {9, 7}, {17, 23}, {40, 31}, {3, 5}, {26, 20}}) {
    c.maps.push_back(testing::SmoothMap(h, w, 24, rng));
  }
  c.maps[3] = c.maps[0];
  c.query = testing::SmoothMap(21, 19, 24, rng);
  const Database db(c.views());
  for (int k : {1, 3}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    SearchRequest whole;
    whole.hyperpatch = {3, 3};
    whole.k = k;
    whole.threads = 2;
    const CorrespondenceField expected = ExactSearch(c.query.view(), db, whole);
    for (const std::vector<std::vector<int>>& shards :
         {std::vector<std::vector<int>>{{0, 1}, {2}, {3, 4, 5}},
          std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4, 5}}}) {
      CorrespondenceField merged(expected.height, expected.width, k);
      for (Match& m : merged.matches) m.similarity = -std::numeric_limits<float>::infinity();
      for (const std::vector<int>& shard : shards) {
        SearchRequest part = whole;
        part.candidates = shard;
        part.threads = 1;
        ExactParams small_blocks;
        small_blocks.block_bytes = 1;  // other block boundaries than the whole search's
        MergeFields(merged, ExactSearch(c.query.view(), db, part, small_blocks));
      }
      int ties_across = 0;
      for (std::size_t i = 0; i < expected.matches.size(); ++i) {
        const Match &e = expected.matches[i], &m = merged.matches[i];
        ASSERT_EQ(std::bit_cast<std::uint32_t>(m.similarity),
                  std::bit_cast<std::uint32_t>(e.similarity))
            << "match " << i << ": " << m.similarity << " vs " << e.similarity;
        ASSERT_EQ(std::tie(m.image, m.y, m.x), std::tie(e.image, e.y, e.x)) << "match " << i;
        ties_across += e.image == 0;  // image 3 holds the same cells and lost every tie
      }
      EXPECT_GT(ties_across, 0);
    }
  }
}

TEST(ExactSearch, ProgressReportsEveryCell) {
  std::mt19937 rng(10);
  OwnedMap map = testing::RandomMap(30, 40, 2, rng), query = testing::RandomMap(2, 2, 2, rng);
  const Database db({map.view(), map.view()});
  ExactParams params;
  params.block_bytes = 1;
  SearchRequest request;
  long long last = 0, total = 0;
  int calls = 0;
  request.progress = [&](long long done, long long all) {
    EXPECT_GT(done, last);
    last = done;
    total = all;
    ++calls;
  };
  ExactSearch(query.view(), db, request, params);
  EXPECT_EQ(last, 2400);
  EXPECT_EQ(total, 2400);
  EXPECT_GT(calls, 1);
}

TEST(ExactSearch, RejectsBadInput) {
  std::mt19937 rng(11);
  OwnedMap map = testing::RandomMap(3, 3, 4, rng), query = testing::RandomMap(3, 3, 4, rng);
  OwnedMap shallow = testing::RandomMap(3, 3, 2, rng);
  const Database db({map.view()});
  EXPECT_THROW(ExactSearch(shallow.view(), db), std::invalid_argument);  // depth mismatch
  EXPECT_THROW(ExactSearch(query.view(), Database()), std::invalid_argument);
  SearchRequest request;
  request.candidates = {1};
  EXPECT_THROW(ExactSearch(query.view(), db, request), std::invalid_argument);
  request = {};
  request.k = 10;  // only 9 cells
  EXPECT_THROW(ExactSearch(query.view(), db, request), std::invalid_argument);
  request = {};
  request.hyperpatch = {0, 2};
  EXPECT_THROW(ExactSearch(query.view(), db, request), std::invalid_argument);
  EXPECT_THROW(Database({map.view(), shallow.view()}), std::invalid_argument);

  OwnedMap poisoned = map;
  poisoned.at(1, 2, 3) = NAN;
  EXPECT_THROW(ExactSearch(poisoned.view(), db), std::invalid_argument);
  const Database poisoned_db({map.view(), poisoned.view()});
  try {
    ExactSearch(query.view(), poisoned_db);
    FAIL() << "a NaN in the database went unnoticed";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("database image 1"), std::string::npos) << e.what();
  }
}

TEST(ExactSearch, BadParametersAndRequestsNameTheirField) {
  ExactParams params;
  EXPECT_EQ(testing::FieldRefused(params), "");
  params.block_bytes = 0;
  EXPECT_EQ(testing::FieldRefused(params), "block_bytes");
  try {
    ExactSearcher searcher(params);  // the constructor checks the parameters
    ADD_FAILURE() << "accepted block_bytes 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "block_bytes");
  }
  std::mt19937 rng(12);
  const OwnedMap map = testing::RandomMap(3, 3, 4, rng), query = testing::RandomMap(3, 3, 4, rng);
  const Database db({map.view()});
  const auto field_of = [&](const SearchRequest& request) {
    try {
      ExactSearch(query.view(), db, request);
    } catch (const OptionError& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  SearchRequest request;
  EXPECT_EQ(field_of(request), "(accepted)");
  request.k = 0;
  EXPECT_EQ(field_of(request), "k");
  request.k = 10;  // only 9 cells
  EXPECT_EQ(field_of(request), "k");
  request.k = 1;
  request.threads = -1;
  EXPECT_EQ(field_of(request), "threads");
}

}  // namespace
}  // namespace compnn
