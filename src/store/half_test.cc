#include "compnn/core/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>

#include "compnn/store/npy.h"
#include "temp_dir.h"

namespace compnn {
namespace {

TEST(Half, HandPickedValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);  // largest half
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // rounds to infinity
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(FloatToHalf(5.960464477539063e-08f), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3C00);      // halfway: to even
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3C02);      // halfway: to even (up)
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(NAN))));
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x0001), 5.960464477539063e-08f);
  for (std::uint32_t h = 0; h < 0x10000; ++h) {  // every finite half survives the round trip
    const float f = HalfToFloat(static_cast<std::uint16_t>(h));
    if (std::isfinite(f)) {
      ASSERT_EQ(FloatToHalf(f), static_cast<std::uint16_t>(h)) << h;
    }
  }
}

class HalfVsNumpy : public testing::TempDirTest {};

TEST_F(HalfVsNumpy, AgreesWithNumpyOnRandomFloats) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "no numpy";
  std::mt19937 rng(1);
  std::vector<float> values;
  std::uniform_real_distribution<float> exponent(-26, 17), unit(-1, 1);
  for (int i = 0; i < 20000; ++i) values.push_back(unit(rng) * std::exp2(exponent(rng)));
  WriteNpy(Path("f.npy"), DType::kFloat32, {static_cast<std::int64_t>(values.size())},
           values.data());
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; np.save('" + Path("h.npy") +
                          "', np.load('" + Path("f.npy") + "').astype(np.float16))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const NpyFile halves = NpyFile::Open(Path("h.npy"));
  // The array functions take the CPU's F16C instructions where it has them: same bits expected.
  std::vector<std::uint16_t> converted(values.size());
  FloatsToHalves(values.data(), converted.data(), values.size());
  std::vector<float> back(values.size());
  HalvesToFloats(converted.data(), back.data(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(FloatToHalf(values[i]), halves.data_as<std::uint16_t>()[i]) << values[i];
    ASSERT_EQ(converted[i], halves.data_as<std::uint16_t>()[i]) << values[i];
    ASSERT_EQ(back[i], HalfToFloat(converted[i])) << values[i];
  }
}

}  // namespace
}  // namespace compnn
