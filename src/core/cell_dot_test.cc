#include "cell_dot.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace compnn::internal {
namespace {

// A hyperpatch of `cells` cells of `depth` values: the query's and the database's.
struct Hyperpatches {
  Hyperpatches(int cells, int depth, std::mt19937& rng) : q(cells * depth), cell(cells * depth) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    half.resize(cells * depth);
    for (std::size_t c = 0; c < q.size(); ++c) {
      q[c] = normal(rng);
      half[c] = FloatToHalf(normal(rng));
      cell[c] = HalfToFloat(half[c]);  // the float32 copy of the float16 values
    }
  }
  std::vector<float> q, cell;
  std::vector<std::uint16_t> half;
};

template <typename Dot, typename T>
float DotOf(const std::vector<float>& q, const std::vector<T>& values, int depth) {
  Dot dot;
  for (std::size_t c = 0; c < q.size(); c += depth) dot.Add(q.data() + c, values.data() + c, depth);
  return dot.Sum();
}

TEST(HyperpatchDot, AgreesWithADoublePrecisionDotAndWithThePortableVersionBitForBit) {
  std::mt19937 rng(3);
  for (int cells : {1, 4, 6}) {
    for (int depth : {1, 3, 7, 8, 9, 16, 31, 32, 33, 40, 80, 129, 320}) {
      const Hyperpatches h(cells, depth, rng);
      double reference = 0, magnitude = 0;
      for (std::size_t c = 0; c < h.q.size(); ++c) {
        reference += static_cast<double>(h.q[c]) * h.cell[c];
        magnitude += std::abs(static_cast<double>(h.q[c]) * h.cell[c]);
      }
      const float f32 = DotOf<HyperpatchDot>(h.q, h.cell, depth);
      EXPECT_NEAR(f32, reference, 1e-6 * magnitude + 1e-7) << cells << " x " << depth;
      // Same arithmetic whatever the element type and whichever version runs.
      EXPECT_EQ(f32, DotOf<HyperpatchDot>(h.q, h.half, depth)) << cells << " x " << depth;
      EXPECT_EQ(f32, DotOf<PortableDot>(h.q, h.cell, depth)) << cells << " x " << depth;
      EXPECT_EQ(f32, DotOf<PortableDot>(h.q, h.half, depth)) << cells << " x " << depth;
    }
  }
}

TEST(HyperpatchDot, PropagatesInfinitiesAndNans) {
  const std::vector<float> q(12, 1.0f);
  std::vector<float> cell(12, 1.0f);
  cell[10] = INFINITY;
  EXPECT_TRUE(std::isinf(DotOf<HyperpatchDot>(q, cell, 6)));
  std::vector<std::uint16_t> half(12, FloatToHalf(1.0f));
  half[3] = 0x7e00;  // a float16 NaN
  EXPECT_TRUE(std::isnan(DotOf<HyperpatchDot>(q, half, 6)));
}

}  // namespace
}  // namespace compnn::internal
