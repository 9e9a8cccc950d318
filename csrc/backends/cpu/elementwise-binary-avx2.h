// elementwise-binary-avx2.h — AVX2 float32 kernels for contiguous binary runs (arithmetic,
// NaN-propagating max/min, comparisons to bool) and a 4-byte `where`. Not here: dispatch, or the
// scalar formulas (every result here equals core/formulas.h's, bit for bit).
// NOTE: only called after nt_cpu_has_avx2(); everything touching __m256 is NT_AVX2 and inline.
#pragma once
#include <immintrin.h>
#include <stdint.h>

#include "../../core/simd.h"

namespace nt_ew {

// mode 0: a and b are arrays; 1: b is one value; 2: a is one value.
template <int MODE> NT_AVX2 static inline __m256 ld_a(const float* a, __m256 ca) { return MODE == 2 ? ca : _mm256_loadu_ps(a); }
template <int MODE> NT_AVX2 static inline __m256 ld_b(const float* b, __m256 cb) { return MODE == 1 ? cb : _mm256_loadu_ps(b); }
template <int MODE> NT_AVX2 static inline __m256 ld_a_m(const float* a, __m256 ca, __m256i m) { return MODE == 2 ? ca : _mm256_maskload_ps(a, m); }
template <int MODE> NT_AVX2 static inline __m256 ld_b_m(const float* b, __m256 cb, __m256i m) { return MODE == 1 ? cb : _mm256_maskload_ps(b, m); }
NT_AVX2 static inline __m256i mask_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

struct v_add { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) { return _mm256_add_ps(a, b); } };
struct v_sub { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) { return _mm256_sub_ps(a, b); } };
// a + alpha * b rounded twice, as the scalar formula (no FMA contraction)
struct v_add_alpha { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256 p) { return _mm256_add_ps(a, _mm256_mul_ps(p, b)); } };
struct v_sub_alpha { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256 p) { return _mm256_sub_ps(a, _mm256_mul_ps(p, b)); } };
struct v_mul { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) { return _mm256_mul_ps(a, b); } };
struct v_div { NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) { return _mm256_div_ps(a, b); } };
// max_ps returns its 2nd operand when either is NaN: that covers a NaN b; a NaN a is blended back.
struct v_max {
  NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) {
    return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
};
struct v_min {
  NT_AVX2 static inline __m256 f(__m256 a, __m256 b, __m256) {
    return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
};

template <class V, int MODE>
NT_AVX2 static inline void avx2_binary_m(const float* a, const float* b, float* o, int64_t n, float p, bool stream) {
  const __m256 pv = _mm256_set1_ps(p);
  const __m256 ca = MODE == 2 ? _mm256_set1_ps(*a) : _mm256_setzero_ps();
  const __m256 cb = MODE == 1 ? _mm256_set1_ps(*b) : _mm256_setzero_ps();
  int64_t i = 0;
  if (stream && ((uintptr_t)o & 3) == 0) {
    int64_t head = (int64_t)(((32 - ((uintptr_t)o & 31)) & 31) / 4);
    if (head > n) head = n;
    if (head > 0) {
      const __m256i m = mask_lanes(head);
      _mm256_maskstore_ps(o, m, V::f(ld_a_m<MODE>(a, ca, m), ld_b_m<MODE>(b, cb, m), pv));
      i = head;
    }
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(o + i, V::f(ld_a<MODE>(a + i, ca), ld_b<MODE>(b + i, cb), pv));
    _mm_sfence();
  }
  for (; i + 16 <= n; i += 16) {
    const __m256 r0 = V::f(ld_a<MODE>(a + i, ca), ld_b<MODE>(b + i, cb), pv);
    const __m256 r1 = V::f(ld_a<MODE>(a + i + 8, ca), ld_b<MODE>(b + i + 8, cb), pv);
    _mm256_storeu_ps(o + i, r0);
    _mm256_storeu_ps(o + i + 8, r1);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, V::f(ld_a<MODE>(a + i, ca), ld_b<MODE>(b + i, cb), pv));
  if (i < n) {
    const __m256i m = mask_lanes(n - i);
    _mm256_maskstore_ps(o + i, m, V::f(ld_a_m<MODE>(a + i, ca, m), ld_b_m<MODE>(b + i, cb, m), pv));
  }
}

template <class V>
NT_AVX2 void avx2_binary(const float* a, const float* b, float* o, int64_t n, int mode, float p, bool stream) {
  if (mode == 0) avx2_binary_m<V, 0>(a, b, o, n, p, stream);
  else if (mode == 1) avx2_binary_m<V, 1>(a, b, o, n, p, stream);
  else avx2_binary_m<V, 2>(a, b, o, n, p, stream);
}

// ---------------------------------------------------------------- comparisons -> bool bytes
// Ordered predicates are false with a NaN; ne is unordered (true with a NaN), as C++ and torch.
template <int PRED> struct v_cmp_ { static const int pred = PRED; };
typedef v_cmp_<_CMP_EQ_OQ> v_eq;
typedef v_cmp_<_CMP_NEQ_UQ> v_ne;
typedef v_cmp_<_CMP_LT_OQ> v_lt;
typedef v_cmp_<_CMP_LE_OQ> v_le;
typedef v_cmp_<_CMP_GT_OQ> v_gt;
typedef v_cmp_<_CMP_GE_OQ> v_ge;

template <class V, int MODE>
NT_AVX2 static inline void avx2_cmp_m(const float* a, const float* b, uint8_t* o, int64_t n) {
  const __m256 ca = MODE == 2 ? _mm256_set1_ps(*a) : _mm256_setzero_ps();
  const __m256 cb = MODE == 1 ? _mm256_set1_ps(*b) : _mm256_setzero_ps();
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), ones = _mm256_set1_epi8(1);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i m[4];
    for (int j = 0; j < 4; j++)
      m[j] = _mm256_castps_si256(_mm256_cmp_ps(ld_a<MODE>(a + i + 8 * j, ca), ld_b<MODE>(b + i + 8 * j, cb), V::pred));
    // 4 x 8 int32 masks -> 32 bytes; packs interleave 128-bit lanes, the permute restores the order
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(m[0], m[1]), _mm256_packs_epi32(m[2], m[3]));
    _mm256_storeu_si256((__m256i*)(o + i), _mm256_and_si256(_mm256_permutevar8x32_epi32(p, order), ones));
  }
  for (; i < n; i += 8) {
    const int64_t k = n - i < 8 ? n - i : 8;
    const __m256i m = mask_lanes(k);
    const int bits = _mm256_movemask_ps(_mm256_cmp_ps(ld_a_m<MODE>(a + i, ca, m), ld_b_m<MODE>(b + i, cb, m), V::pred));
    for (int64_t j = 0; j < k; j++) o[i + j] = (uint8_t)((bits >> j) & 1);
  }
}

template <class V>
NT_AVX2 void avx2_cmp(const float* a, const float* b, bool* o, int64_t n, int mode, float, bool) {
  uint8_t* ob = (uint8_t*)o;
  if (mode == 0) avx2_cmp_m<V, 0>(a, b, ob, n);
  else if (mode == 1) avx2_cmp_m<V, 1>(a, b, ob, n);
  else avx2_cmp_m<V, 2>(a, b, ob, n);
}

// ---------------------------------------------------------------- where on 4-byte elements
// o = c ? a : b, bit-exact; sa / sb are 1 (array) or 0 (one value).
template <int SA, int SB>
NT_AVX2 static inline void avx2_where32_m(const uint8_t* c, const uint32_t* a, const uint32_t* b, uint32_t* o, int64_t n) {
  const __m256 ca = _mm256_castsi256_ps(_mm256_set1_epi32((int)*a)), cb = _mm256_castsi256_ps(_mm256_set1_epi32((int)*b));
  const __m256i zero = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i cv = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)(c + i)));
    const __m256 is_false = _mm256_castsi256_ps(_mm256_cmpeq_epi32(cv, zero));
    const __m256 va = SA ? _mm256_loadu_ps((const float*)(a + i)) : ca;
    const __m256 vb = SB ? _mm256_loadu_ps((const float*)(b + i)) : cb;
    _mm256_storeu_ps((float*)(o + i), _mm256_blendv_ps(va, vb, is_false));
  }
  for (; i < n; i++) o[i] = c[i] ? a[SA * i] : b[SB * i];
}

NT_AVX2 static void avx2_where32(const bool* c, const uint32_t* a, int64_t sa, const uint32_t* b, int64_t sb,
                                        uint32_t* o, int64_t n) {
  const uint8_t* cb = (const uint8_t*)c;
  if (sa && sb) avx2_where32_m<1, 1>(cb, a, b, o, n);
  else if (sa) avx2_where32_m<1, 0>(cb, a, b, o, n);
  else if (sb) avx2_where32_m<0, 1>(cb, a, b, o, n);
  else avx2_where32_m<0, 0>(cb, a, b, o, n);
}

}  // namespace nt_ew
