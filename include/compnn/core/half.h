// IEEE 754 half precision (binary16) <-> single precision, for float16 feature stores. Rounds to
// nearest even, keeps infinities and NaNs, handles subnormals, as numpy.float16 does.
#pragma once

#include <cstddef>
#include <cstdint>

namespace compnn {

std::uint16_t FloatToHalf(float value);
float HalfToFloat(std::uint16_t half);

void FloatsToHalves(const float* in, std::uint16_t* out, std::size_t count);
void HalvesToFloats(const std::uint16_t* in, float* out, std::size_t count);

}  // namespace compnn
