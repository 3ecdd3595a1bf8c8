#include "compnn/core/patch_match.h"

#include <gtest/gtest.h>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/half.h"
#include "option_field.h"
#include "sequential_patch_match.h"

namespace compnn {
namespace {

using testing::OwnedMap;

// HyperPatch-Match with `params` answering `request`, over float32 or float16 maps.
template <typename Database_>
SearchResult HyperPatchMatch(const MapView& query, const Database_& database,
                             const SearchRequest& request = {},
                             const PatchMatchParams& params = {}) {
  return PatchMatchSearcher(params).Search(query, database, request);
}

// A query cut out of database image `source` at offset (oy, ox): its true field is known.
struct CropCase {
  std::vector<OwnedMap> maps;
  OwnedMap query{1, 1, 1};
  int source = 3, oy = 5, ox = 7;
  std::vector<MapView> views() const {
    std::vector<MapView> v;
    for (const OwnedMap& m : maps) v.push_back(m.view());
    return v;
  }
};

CropCase MakeCropCase(int images, int size, int qh, int qw, unsigned seed) {
  std::mt19937 rng(seed);
  CropCase c;
  c.source = std::min(3, images - 1);
  c.oy = std::min(5, size - qh);
  c.ox = std::min(7, size - qw);
  for (int i = 0; i < images; ++i) c.maps.push_back(testing::SmoothMap(size, size, 8, rng));
  c.query = OwnedMap(qh, qw, 8);
  for (int y = 0; y < qh; ++y)
    for (int x = 0; x < qw; ++x)
      for (int ch = 0; ch < 8; ++ch)
        c.query.at(y, x, ch) = c.maps[c.source].at(c.oy + y, c.ox + x, ch);
  return c;
}

// The fields hold the same matches with bit-identical similarities.
void ExpectSameField(const CorrespondenceField& a, const CorrespondenceField& b) {
  ASSERT_EQ(a.matches.size(), b.matches.size());
  for (std::size_t i = 0; i < a.matches.size(); ++i) {
    EXPECT_EQ(a.matches[i].image, b.matches[i].image) << i;
    EXPECT_EQ(a.matches[i].y, b.matches[i].y) << i;
    EXPECT_EQ(a.matches[i].x, b.matches[i].x) << i;
    EXPECT_EQ(a.matches[i].similarity, b.matches[i].similarity) << i;
  }
}

TEST(HyperPatchMatch, RecoversTheKnownFieldOfAShiftedCrop) {
  const CropCase c = MakeCropCase(8, 32, 20, 24, 21);
  const Database db(c.views());
  SearchRequest request;
  request.seed = 7;
  PatchMatchParams params;
  params.max_iterations = 16;
  const SearchResult result = HyperPatchMatch(c.query.view(), db, request, params);

  // Interior cells: the 2 x 2 hyperpatch never leaves the crop, so the crop location is the
  // unique match with similarity 1.
  int interior = 0, recovered = 0;
  for (int y = 0; y + 1 < c.query.height; ++y) {
    for (int x = 0; x + 1 < c.query.width; ++x) {
      ++interior;
      const Match& m = result.field.at(y, x);
      recovered += m.image == c.source && m.y == c.oy + y && m.x == c.ox + x;
    }
  }
  EXPECT_GE(recovered, 0.99 * interior) << recovered << " of " << interior;

  // Every cell, borders included, against exact search. On the border the clamped hyperpatch no
  // longer has a perfect match, and near-equal optima a few cells apart leave HyperPatch-Match at
  // the other one now and then.
  const CorrespondenceField exact = ExactSearcher().Search(c.query.view(), db, {}).field;
  int same = 0;
  for (std::size_t i = 0; i < exact.matches.size(); ++i) {
    const Match &a = exact.matches[i], &b = result.field.matches[i];
    same += a.image == b.image && a.y == b.y && a.x == b.x;
  }
  EXPECT_GE(same, 0.98 * exact.matches.size());
  EXPECT_GE(result.field.MeanSimilarity(), 0.999 * exact.MeanSimilarity());
}

TEST(HyperPatchMatch, SameSeedSameFieldWhateverTheThreadCount) {
  const CropCase c = MakeCropCase(6, 24, 23, 17, 22);
  const Database db(c.views());
  SearchRequest request;
  request.seed = 99;
  PatchMatchParams params;
  params.max_iterations = 5;
  params.min_improved_fraction = 0.0;
  // One match a cell, and three (K-nearest propagation and random search).
  for (int k : {1, 3}) {
    request.k = k;
    request.threads = 1;
    const SearchResult one = HyperPatchMatch(c.query.view(), db, request, params);
    request.threads = 2;
    const SearchResult two = HyperPatchMatch(c.query.view(), db, request, params);
    request.threads = 3;
    const SearchResult three = HyperPatchMatch(c.query.view(), db, request, params);
    ExpectSameField(one.field, two.field);
    ExpectSameField(one.field, three.field);
  }
  request.k = 1;
  // A different seed explores differently (after few iterations the fields differ somewhere).
  request.seed = 100;
  params.max_iterations = 1;
  const SearchResult other_seed = HyperPatchMatch(c.query.view(), db, request, params);
  request.seed = 99;
  const SearchResult same_seed = HyperPatchMatch(c.query.view(), db, request, params);
  int differ = 0;
  for (std::size_t i = 0; i < same_seed.field.matches.size(); ++i) {
    differ += same_seed.field.matches[i].x != other_seed.field.matches[i].x ||
              same_seed.field.matches[i].y != other_seed.field.matches[i].y ||
              same_seed.field.matches[i].image != other_seed.field.matches[i].image;
  }
  EXPECT_GT(differ, 0);
}

TEST(HyperPatchMatch, EqualsThePlainSequentialScanExactly) {
  // Shapes that leave partial tiles, and a non-square hyperpatch; enough iterations that most
  // propagations are skipped as repeats.
  for (const auto& [qh, qw, seed] : {std::tuple{23, 17, 1}, {9, 31, 2}, {16, 16, 3}}) {
    const CropCase c = MakeCropCase(5, 20, std::min(qh, 20), std::min(qw, 20), seed);
    const Database db(c.views());
    SearchRequest request;
    request.seed = seed;
    request.hyperpatch = HyperpatchShape{3, 2};
    request.candidates = {0, 2, 3, 4};
    PatchMatchParams params;
    params.max_iterations = 12;
    params.min_improved_fraction = 0.0;
    const CorrespondenceField reference =
        testing::SequentialPatchMatch(c.query.view(), db, params, request);
    for (int threads : {1, 2, 3}) {
      request.threads = threads;
      const CorrespondenceField field = HyperPatchMatch(c.query.view(), db, request, params).field;
      ASSERT_EQ(field.matches.size(), reference.matches.size());
      for (std::size_t i = 0; i < field.matches.size(); ++i) {
        const Match &a = field.matches[i], &b = reference.matches[i];
        ASSERT_TRUE(a.image == b.image && a.y == b.y && a.x == b.x && a.similarity == b.similarity)
            << "cell " << i << " with " << threads << " threads: (" << a.image << ", " << a.y
            << ", " << a.x << ") against (" << b.image << ", " << b.y << ", " << b.x << ")";
      }
    }
  }
}

TEST(HyperPatchMatch, Float16MapsGiveTheFieldOfTheirFloat32Copies) {
  // Maps of different sizes, rounded to float16; the search reads the halves in place.
  std::mt19937 rng(31);
  std::vector<std::vector<std::uint16_t>> halves;
  std::vector<std::vector<float>> floats;
  std::vector<MapView> float_views;
  std::vector<HalfMapView> half_views;
  for (int i = 0; i < 5; ++i) {
    const OwnedMap map = testing::SmoothMap(12 + i, 15 - i, 24, rng);
    halves.emplace_back(map.values.size());
    floats.emplace_back(map.values.size());
    FloatsToHalves(map.values.data(), halves.back().data(), map.values.size());
    HalvesToFloats(halves.back().data(), floats.back().data(), map.values.size());
  }
  for (int i = 0; i < 5; ++i) {
    float_views.push_back({floats[i].data(), 12 + i, 15 - i, 24});
    half_views.push_back({halves[i].data(), 12 + i, 15 - i, 24});
  }
  const OwnedMap query = testing::SmoothMap(13, 11, 24, rng);
  SearchRequest request;
  request.seed = 5;
  request.candidates = {0, 1, 3, 4};
  PatchMatchParams params;
  params.max_iterations = 6;
  for (int threads : {1, 2}) {
    request.threads = threads;
    const CorrespondenceField a =
        HyperPatchMatch(query.view(), Database(float_views), request, params).field;
    const CorrespondenceField b =
        HyperPatchMatch(query.view(), HalfDatabase(half_views), request, params).field;
    for (std::size_t i = 0; i < a.matches.size(); ++i) {
      ASSERT_TRUE(a.matches[i].image == b.matches[i].image && a.matches[i].y == b.matches[i].y &&
                  a.matches[i].x == b.matches[i].x &&
                  a.matches[i].similarity == b.matches[i].similarity)
          << "cell " << i;
    }
  }
  // A float16 infinity is refused as a float32 one is.
  halves[3][7] = 0x7c00;
  params.max_iterations = 32;
  EXPECT_THROW(HyperPatchMatch(query.view(), HalfDatabase(half_views), request, params),
               std::invalid_argument);
}

TEST(HyperPatchMatch, ReportedSimilaritiesAreTrueCosines) {
  const CropCase c = MakeCropCase(4, 16, 10, 12, 23);
  const Database db(c.views());
  PatchMatchParams params;
  params.max_iterations = 2;
  const auto views = c.views();
  const SearchResult result = HyperPatchMatch(c.query.view(), db, {}, params);
  for (int y = 0; y < c.query.height; ++y) {
    for (int x = 0; x < c.query.width; ++x) {
      const Match& m = result.field.at(y, x);
      const double truth =
          testing::ReferenceCosine(testing::ReferenceHyperpatch(c.query.view(), 2, 2, y, x),
                                   testing::ReferenceHyperpatch(views[m.image], 2, 2, m.y, m.x));
      EXPECT_NEAR(m.similarity, truth, 2e-5);
    }
  }
}

TEST(HyperPatchMatch, StaysWithinTheCandidatesAndStopsEarly) {
  const CropCase c = MakeCropCase(6, 16, 12, 12, 24);
  const Database db(c.views());
  SearchRequest request;
  request.candidates = {4, 1};
  PatchMatchParams params;
  params.max_iterations = 50;
  params.min_improved_fraction = 0.01;
  int callbacks = 0;
  request.progress = [&](long long done, long long total) {
    ++callbacks;
    EXPECT_EQ(done, callbacks);  // iterations run
    EXPECT_EQ(total, 50);        // against max_iterations
  };
  const SearchResult result = HyperPatchMatch(c.query.view(), db, request, params);
  for (const Match& m : result.field.matches) EXPECT_TRUE(m.image == 1 || m.image == 4);
  EXPECT_EQ(callbacks, static_cast<int>(result.iterations.size()));
  for (std::size_t i = 0; i < result.iterations.size(); ++i)
    EXPECT_EQ(result.iterations[i].iteration, static_cast<int>(i) + 1);
  ASSERT_LT(result.iterations.size(), 50u);  // converged long before the cap
  EXPECT_LT(result.iterations.back().improved_fraction, 0.01);
  for (std::size_t i = 0; i + 1 < result.iterations.size(); ++i) {
    EXPECT_GE(result.iterations[i].improved_fraction, 0.01);
    // Matches only ever improve.
    EXPECT_LE(result.iterations[i].mean_similarity, result.iterations[i + 1].mean_similarity);
  }
}

// Incoherent maps, small enough that a long random search visits nearly every cell.
testing::SearchCase SmallRandomCase(unsigned seed) {
  std::mt19937 rng(seed);
  testing::SearchCase c;
  for (int i = 0; i < 3; ++i) c.maps.push_back(testing::RandomMap(6, 6, 6, rng));
  c.query = testing::RandomMap(5, 5, 6, rng);
  return c;
}

TEST(HyperPatchMatch, KeepsTheTopKDistinctMatchesOfBruteForce) {
  const testing::SearchCase c = SmallRandomCase(31);
  const std::vector<MapView> views = c.views();
  SearchRequest request;
  request.k = 4;
  PatchMatchParams params;
  params.max_iterations = 24;
  params.min_improved_fraction = 0.0;
  params.random_images = 16;
  const SearchResult result = HyperPatchMatch(c.query.view(), Database(views), request, params);
  ASSERT_EQ(result.field.k, 4);
  int found = 0, ranks = 0;
  for (int y = 0; y < c.query.height; ++y) {
    for (int x = 0; x < c.query.width; ++x) {
      const std::vector<double> ref =
          testing::ReferenceRankedSimilarities(c.query.view(), views, {0, 1, 2}, 2, 2, y, x);
      for (int r = 0; r < 4; ++r) {
        const Match& m = result.field.at(y, x, r);
        // Every match is a true cosine, ranked, and distinct from the better ones.
        EXPECT_NEAR(
            m.similarity,
            testing::ReferenceCosine(testing::ReferenceHyperpatch(c.query.view(), 2, 2, y, x),
                                     testing::ReferenceHyperpatch(views[m.image], 2, 2, m.y, m.x)),
            2e-5);
        for (int o = 0; o < r; ++o) {
          const Match& before = result.field.at(y, x, o);
          EXPECT_GE(before.similarity, m.similarity);
          EXPECT_FALSE(before.image == m.image && before.y == m.y && before.x == m.x);
        }
        found += std::abs(m.similarity - ref[r]) < 1e-5;
        ++ranks;
      }
    }
  }
  // 108 database cells and 24 iterations of 16 random cells each: nearly every rank is exact.
  EXPECT_GE(found, ranks * 95 / 100) << found << " of " << ranks;
  request.k = 3 * 6 * 6 + 1;  // more than the database's cells
  EXPECT_THROW(HyperPatchMatch(c.query.view(), Database(views), request, params), OptionError);
}

TEST(HyperPatchMatch, SearchingWithMoreMatchesReturnsTheBestOfThem) {
  const testing::SearchCase c = SmallRandomCase(37);
  const std::vector<MapView> views = c.views();
  SearchRequest wide;
  wide.k = 3;
  wide.seed = 5;
  PatchMatchParams wide_params;
  wide_params.max_iterations = 6;
  wide_params.min_improved_fraction = 0.0;
  const CorrespondenceField three =
      HyperPatchMatch(c.query.view(), Database(views), wide, wide_params).field;
  for (int threads : {1, 2, 3}) {
    SearchRequest request = wide;
    request.k = 1;
    request.threads = threads;
    PatchMatchParams params = wide_params;
    params.search_matches = 3;
    const CorrespondenceField best =
        HyperPatchMatch(c.query.view(), Database(views), request, params).field;
    ASSERT_EQ(best.k, 1);
    ExpectSameField(best, BestMatches(three, 1));
    // search_matches below k searches with k.
    request.k = 3;
    params.search_matches = 2;
    ExpectSameField(HyperPatchMatch(c.query.view(), Database(views), request, params).field, three);
  }
  // More than the candidates' cells: searched with all of them, as many as asked returned.
  SearchRequest one_image;
  one_image.candidates = {1};
  PatchMatchParams all;
  all.search_matches = kMaxMatchesPerCell;
  all.max_iterations = 2;
  const CorrespondenceField one =
      HyperPatchMatch(c.query.view(), Database(views), one_image, all).field;
  EXPECT_EQ(one.k, 1);
  for (const Match& m : one.matches) EXPECT_EQ(m.image, 1);
}

TEST(HyperPatchMatch, DenormalAndLargeActivationsGiveTrueCosines) {
  const CropCase c = MakeCropCase(3, 10, 6, 6, 33);
  for (float scale : {1e-40f, 1e20f}) {
    CropCase scaled = c;
    for (OwnedMap& m : scaled.maps)
      for (float& v : m.values) v *= scale;
    for (float& v : scaled.query.values) v *= scale;
    PatchMatchParams params;
    params.max_iterations = 4;
    const SearchResult result =
        HyperPatchMatch(scaled.query.view(), Database(scaled.views()), {}, params);
    const auto views = c.views();
    for (int y = 0; y < 6; ++y) {
      for (int x = 0; x < 6; ++x) {
        const Match& m = result.field.at(y, x);
        const double truth =
            testing::ReferenceCosine(testing::ReferenceHyperpatch(c.query.view(), 2, 2, y, x),
                                     testing::ReferenceHyperpatch(views[m.image], 2, 2, m.y, m.x));
        // Denormals keep few significant bits: their cosines are close, not exact.
        EXPECT_NEAR(m.similarity, truth, scale < 1 ? 2e-2 : 1e-5) << scale;
      }
    }
  }
}

TEST(HyperPatchMatch, RejectsNonFiniteActivations) {
  CropCase c = MakeCropCase(2, 8, 4, 4, 25);
  for (float& v : c.maps[1].values) v = NAN;
  const Database db(c.views());
  EXPECT_THROW(HyperPatchMatch(c.query.view(), db), std::invalid_argument);
  c.query.at(0, 0, 0) = INFINITY;
  const Database clean({c.maps[0].view()});
  EXPECT_THROW(HyperPatchMatch(c.query.view(), clean), std::invalid_argument);
}

// The field the searcher's constructor refuses `params` for; "" when it accepts them.
std::string FieldRefusedBySearcher(const PatchMatchParams& params) {
  try {
    PatchMatchSearcher searcher(params);
  } catch (const OptionError& e) {
    return e.field();
  }
  return "";
}

TEST(PatchMatchParamsCheck, NamesTheFieldOutOfRange) {
  PatchMatchParams o;
  EXPECT_EQ(testing::FieldRefused(o), "");
  EXPECT_EQ(FieldRefusedBySearcher(o), "");
  o.min_improved_fraction = 1.5;
  EXPECT_EQ(testing::FieldRefused(o), "min_improved_fraction");
  EXPECT_EQ(FieldRefusedBySearcher(o), "min_improved_fraction");
  o = {};
  o.max_iterations = -1;
  EXPECT_EQ(testing::FieldRefused(o), "max_iterations");
  EXPECT_EQ(FieldRefusedBySearcher(o), "max_iterations");
  o = {};
  o.long_range = -1;
  EXPECT_EQ(testing::FieldRefused(o), "long_range");
  o = {};
  o.initial_samples = -1;
  EXPECT_EQ(testing::FieldRefused(o), "initial_samples");
  o = {};
  o.search_matches = 0;
  EXPECT_EQ(testing::FieldRefused(o), "search_matches");
  o.search_matches = kMaxMatchesPerCell + 1;
  EXPECT_EQ(testing::FieldRefused(o), "search_matches");
  EXPECT_EQ(FieldRefusedBySearcher(o), "search_matches");
  // The matches per cell are the request's: its Check, which every search calls, names k.
  SearchRequest request;
  EXPECT_EQ(testing::FieldRefused(request), "");
  request.k = 0;
  EXPECT_EQ(testing::FieldRefused(request), "k");
  request.k = kMaxMatchesPerCell + 1;
  EXPECT_EQ(testing::FieldRefused(request), "k");
  const CropCase c = MakeCropCase(2, 8, 4, 4, 26);
  request.k = 0;
  try {
    HyperPatchMatch(c.query.view(), Database(c.views()), request);
    ADD_FAILURE() << "searched with k 0";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "k");
  }
}

TEST(BestMatches, KeepsTheFirstKOfEveryCell) {
  CorrespondenceField field(1, 2, 3);
  for (int x = 0; x < 2; ++x)
    for (int r = 0; r < 3; ++r) field.at(0, x, r) = {r, x, r + 1, 0.9f - 0.1f * r};
  const CorrespondenceField two = BestMatches(field, 2);
  ASSERT_EQ(two.k, 2);
  ASSERT_EQ(two.matches.size(), 4u);
  EXPECT_EQ(two.at(0, 1, 1).image, 1);
  EXPECT_EQ(two.at(0, 1, 1).y, 1);
  EXPECT_FLOAT_EQ(two.at(0, 1, 1).similarity, 0.8f);
  EXPECT_EQ(two.at(0, 0, 0).x, 1);
  EXPECT_THROW(BestMatches(field, 4), std::runtime_error);
}

TEST(SameMatchFraction, CountsMatchesEqualInImageAndCell) {
  CorrespondenceField a(1, 4), b(1, 4);
  a.at(0, 0) = {1, 2, 3, 0.9f};
  b.at(0, 0) = {1, 2, 3, 0.1f};  // same cell, other similarity: the same match
  a.at(0, 1) = {1, 2, 3, 0.9f};
  b.at(0, 1) = {2, 2, 3, 0.9f};  // other image
  a.at(0, 2) = {0, 1, 0, 0.5f};
  b.at(0, 2) = {0, 0, 1, 0.5f};  // other cell
  // Cell 3: both default matches, the same.
  EXPECT_DOUBLE_EQ(SameMatchFraction(a, b), 0.5);
  EXPECT_EQ(SameMatchFraction(CorrespondenceField(), CorrespondenceField()), 0.0);
  EXPECT_THROW(SameMatchFraction(a, CorrespondenceField(2, 4)), std::runtime_error);
}

}  // namespace
}  // namespace compnn
