// vexp-avx2.h — the AVX2+FMA vector exp and horizontal sum shared by the CPU kernels that need a
// fast float32 exp (softmax.cpp, attention.cpp). Not here: the portable paths (each caller has its
// own scalar loop) or feature detection (core/simd.h).
// NOTE: every function is NT_AVX2; call them only when nt_cpu_has_avx2().
#pragma once
#include "../../core/simd.h"

#if NT_X86
#include <immintrin.h>

namespace nt_vexp {

// exp(x) = 2^k * e^r with k = round(x / ln2), r = x - k ln2 (two-part ln2), e^r by its Taylor
// polynomial to degree 7 (truncation < 1e-8 on |r| <= ln2/2); 2^k applied as two halves so that
// results down to the subnormal range and up to overflow stay correct. exp(-inf) is exactly 0.
// NOTE: min/max return their second operand for NaN, so x is second to let NaN through.
NT_AVX2 static inline __m256 exp8(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-150.0f), _mm256_min_ps(_mm256_set1_ps(88.8f), x));
  __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  __m256i ki = _mm256_cvtps_epi32(k);
  __m256i k1 = _mm256_srai_epi32(ki, 1), k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

NT_AVX2 static inline float hsum8(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

NT_AVX2 static inline float hmax8(__m256 v) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

}  // namespace nt_vexp
#endif
