// The dot product at the heart of HyperPatch-Match: a query hyperpatch against a database
// hyperpatch, cell by cell, float32 or float16. Both element types go through the same arithmetic
// (fused multiply-adds into fixed lanes, then a fixed sum of the lanes), so a float16 map gives
// exactly what its float32 copy gives, and the vector and portable versions agree bit for bit.
#pragma once

#include <cmath>
#include <cstdint>

#include "compnn/core/half.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>
#define COMPNN_CELL_DOT_AVX2 1
#endif

namespace compnn::internal {

// A dot product accumulated cell by cell over a hyperpatch. Each cell is zero-padded to a multiple
// of eight values, and its k-th block of eight goes to accumulator k % 4, so that four fused
// multiply-adds are in flight instead of one chain; Sum adds the accumulators in a fixed order,
// once per hyperpatch.
inline constexpr int kBlock = 8, kAccumulators = 4;

inline float ToFloat(float value) { return value; }
inline float ToFloat(std::uint16_t value) { return HalfToFloat(value); }

// The lanes (kAccumulators x kBlock) summed in a fixed order: the accumulators pairwise, then
// their eight lanes.
inline float SumLanes(const float* lanes) {
  float v[kBlock];
  for (int j = 0; j < kBlock; ++j)
    v[j] = (lanes[j] + lanes[16 + j]) + (lanes[8 + j] + lanes[24 + j]);
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// The definition, one lane at a time.
class PortableDot {
 public:
  template <typename T>
  void Add(const float* q, const T* cell, int depth) {
    for (int c = 0; c < depth; c += kBlock) {
      float* lanes = lanes_ + (c / kBlock % kAccumulators) * kBlock;
      for (int j = 0; j < kBlock; ++j) {
        const bool inside = c + j < depth;
        lanes[j] =
            std::fma(inside ? q[c + j] : 0.0f, inside ? ToFloat(cell[c + j]) : 0.0f, lanes[j]);
      }
    }
  }
  float Sum() const { return SumLanes(lanes_); }

 private:
  float lanes_[kAccumulators * kBlock] = {};
};

#ifdef COMPNN_CELL_DOT_AVX2
// The same arithmetic with AVX2, FMA and F16C.
class VectorDot {
 public:
  template <typename T>
  void Add(const float* q, const T* cell, int depth) {
    int c = 0;
    for (; c + 4 * kBlock <= depth; c += 4 * kBlock) {
      a0_ = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), Load(cell + c), a0_);
      a1_ = _mm256_fmadd_ps(_mm256_loadu_ps(q + c + 8), Load(cell + c + 8), a1_);
      a2_ = _mm256_fmadd_ps(_mm256_loadu_ps(q + c + 16), Load(cell + c + 16), a2_);
      a3_ = _mm256_fmadd_ps(_mm256_loadu_ps(q + c + 24), Load(cell + c + 24), a3_);
    }
    // Up to three whole blocks and a zero-padded one remain, for accumulators 0, 1, 2, 3 in turn
    // (named, not indexed, so that the accumulators stay in registers).
    int a = 0;
    for (; c + kBlock <= depth; c += kBlock, ++a)
      Accumulate(a, _mm256_loadu_ps(q + c), Load(cell + c));
    if (c < depth) {
      alignas(32) float qt[kBlock] = {}, vt[kBlock] = {};
      for (int j = 0; c + j < depth; ++j) {
        qt[j] = q[c + j];
        vt[j] = ToFloat(cell[c + j]);
      }
      Accumulate(a, _mm256_load_ps(qt), _mm256_load_ps(vt));
    }
  }
  float Sum() const {
    alignas(32) float lanes[kAccumulators * kBlock];
    _mm256_store_ps(lanes, a0_);
    _mm256_store_ps(lanes + 8, a1_);
    _mm256_store_ps(lanes + 16, a2_);
    _mm256_store_ps(lanes + 24, a3_);
    return SumLanes(lanes);
  }

 private:
  void Accumulate(int a, __m256 q, __m256 v) {
    switch (a) {
      case 0:
        a0_ = _mm256_fmadd_ps(q, v, a0_);
        break;
      case 1:
        a1_ = _mm256_fmadd_ps(q, v, a1_);
        break;
      case 2:
        a2_ = _mm256_fmadd_ps(q, v, a2_);
        break;
      default:
        a3_ = _mm256_fmadd_ps(q, v, a3_);
        break;
    }
  }
  static __m256 Load(const float* p) { return _mm256_loadu_ps(p); }
  static __m256 Load(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  __m256 a0_ = _mm256_setzero_ps(), a1_ = _mm256_setzero_ps(), a2_ = _mm256_setzero_ps(),
         a3_ = _mm256_setzero_ps();
};
using HyperpatchDot = VectorDot;
#else
using HyperpatchDot = PortableDot;
#endif

}  // namespace compnn::internal
