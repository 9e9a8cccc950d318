// attention-tiles.h — the tile-level pieces of the CPU fused attention kernels (attention.cpp):
// tile products (a register-blocked AVX2+FMA float32 kernel, a portable loop otherwise), the
// online-softmax steps on a transposed score tile, and the converting tile loads and stores.
// Not here: blocking, threading and the views (attention.cpp). Only attention.cpp includes it.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <type_traits>

#include "../../core/dispatch.h"
#include "../../core/simd.h"
#include "vexp-avx2.h"

namespace nt_attn {

const int64_t BQ = 64;  // query rows per tile
const int64_t BK = 64;  // key rows per tile

// Tests only (nt_cpu_attention_force_portable): take the portable paths even where AVX2 is.
inline std::atomic<bool>& force_portable() {
  static std::atomic<bool> on{false};
  return on;
}

inline bool use_avx2() {
#ifdef NT_NO_AVX2
  return false;
#else
  return nt_cpu_has_avx2() && !force_portable().load(std::memory_order_relaxed);
#endif
}

// ---- tile products ---------------------------------------------------------------------------
// Cm[i*ldc + j] (= or +=) sum_p A[i*rsa + p*csa] * B[p*ldb + j] for i < m, j < n, p < k. A may be
// transposed (rsa = 1); B and Cm have unit column stride.
template <class C>
void mm_port(int64_t m, int64_t n, int64_t k, const C* A, int64_t rsa, int64_t csa, const C* B,
             int64_t ldb, C* Cm, int64_t ldc, bool acc) {
  for (int64_t i = 0; i < m; i++) {
    C* c = Cm + i * ldc;
    if (!acc) for (int64_t j = 0; j < n; j++) c[j] = 0;
    for (int64_t p = 0; p < k; p++) {
      const C a = A[i * rsa + p * csa];
      const C* b = B + p * ldb;
      for (int64_t j = 0; j < n; j++) c[j] += a * b[j];
    }
  }
}

#if NT_X86
// MR rows x 16 columns of Cm in 2*MR registers; FULL: all 16 columns, else lanes masked by k0/k1.
template <int MR, bool FULL>
NT_AVX2 inline void mk_f32(int64_t k, const float* A, int64_t rsa, int64_t csa, const float* B,
                           int64_t ldb, float* Cm, int64_t ldc, __m256i k0, __m256i k1, bool acc) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    if (acc) {
      c0[r] = FULL ? _mm256_loadu_ps(Cm + r * ldc) : _mm256_maskload_ps(Cm + r * ldc, k0);
      c1[r] = FULL ? _mm256_loadu_ps(Cm + r * ldc + 8) : _mm256_maskload_ps(Cm + r * ldc + 8, k1);
    } else {
      c0[r] = _mm256_setzero_ps();
      c1[r] = _mm256_setzero_ps();
    }
  }
  for (int64_t p = 0; p < k; p++) {
    const float* b = B + p * ldb;
    const __m256 b0 = FULL ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, k0);
    const __m256 b1 = FULL ? _mm256_loadu_ps(b + 8) : _mm256_maskload_ps(b + 8, k1);
    const float* a = A + p * csa;
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r * rsa);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    if (FULL) {
      _mm256_storeu_ps(Cm + r * ldc, c0[r]);
      _mm256_storeu_ps(Cm + r * ldc + 8, c1[r]);
    } else {
      _mm256_maskstore_ps(Cm + r * ldc, k0, c0[r]);
      _mm256_maskstore_ps(Cm + r * ldc + 8, k1, c1[r]);
    }
  }
}

template <bool FULL>
NT_AVX2 inline void mk_rows_f32(int64_t m, int64_t k, const float* A, int64_t rsa, int64_t csa,
                                const float* B, int64_t ldb, float* Cm, int64_t ldc, __m256i k0,
                                __m256i k1, bool acc) {
  int64_t i = 0;
  for (; i + 6 <= m; i += 6) mk_f32<6, FULL>(k, A + i * rsa, rsa, csa, B, ldb, Cm + i * ldc, ldc, k0, k1, acc);
  const float* a = A + i * rsa;
  float* c = Cm + i * ldc;
  switch (m - i) {
    case 5: mk_f32<5, FULL>(k, a, rsa, csa, B, ldb, c, ldc, k0, k1, acc); break;
    case 4: mk_f32<4, FULL>(k, a, rsa, csa, B, ldb, c, ldc, k0, k1, acc); break;
    case 3: mk_f32<3, FULL>(k, a, rsa, csa, B, ldb, c, ldc, k0, k1, acc); break;
    case 2: mk_f32<2, FULL>(k, a, rsa, csa, B, ldb, c, ldc, k0, k1, acc); break;
    case 1: mk_f32<1, FULL>(k, a, rsa, csa, B, ldb, c, ldc, k0, k1, acc); break;
    default: break;
  }
}

NT_AVX2 inline void mm_f32_avx2(int64_t m, int64_t n, int64_t k, const float* A, int64_t rsa, int64_t csa,
                         const float* B, int64_t ldb, float* Cm, int64_t ldc, bool acc) {
  const __m256i all = _mm256_set1_epi32(-1);
  for (int64_t j = 0; j < n; j += 16) {
    const int64_t nr = std::min<int64_t>(16, n - j);
    if (nr == 16) {
      mk_rows_f32<true>(m, k, A, rsa, csa, B + j, ldb, Cm + j, ldc, all, all, acc);
    } else {
      const __m256i vn = _mm256_set1_epi32((int)nr);
      const __m256i k0 = _mm256_cmpgt_epi32(vn, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      const __m256i k1 = _mm256_cmpgt_epi32(vn, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
      mk_rows_f32<false>(m, k, A, rsa, csa, B + j, ldb, Cm + j, ldc, k0, k1, acc);
    }
  }
}
#endif

template <class C>
inline void mm(int64_t m, int64_t n, int64_t k, const C* A, int64_t rsa, int64_t csa, const C* B,
               int64_t ldb, C* Cm, int64_t ldc, bool acc) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) {
    mm_f32_avx2(m, n, k, (const float*)A, rsa, csa, (const float*)B, ldb, (float*)Cm, ldc, acc);
    return;
  }
#endif
  mm_port<C>(m, n, k, A, rsa, csa, B, ldb, Cm, ldc, acc);
}

// ---- softmax steps on a score tile -------------------------------------------------------------
// Tiles are transposed: St[j * LQ + i] is the score of key j (row) for query i (column), so every
// step below runs across queries, 8 at a time, with no horizontal reductions. Key k0 + j is hidden
// from query q0 + i (causal) when i < lim + j, lim = k0 - q0 (no mask: lim = -BK). Columns from nq
// up to the next multiple of 8 are computed too and never read.
const int64_t LQ = BQ;  // row stride of the score tiles

// Forward: scales and masks the tile, folds it into the running max M and sum Ls of each query,
// leaves Pᵀ = exp(St - M) in St and each query's rescale factor for its output row in alpha.
// tmp: 2 * LQ scratch values.
template <class C>
void fwd_update_port(C* St, int64_t nk, int64_t nq, int64_t lim, C scale, C* M, C* Ls, C* alpha, C* tmp) {
  C *cm = tmp, *sum = tmp + LQ;
  for (int64_t i = 0; i < nq; i++) cm[i] = -INFINITY, sum[i] = 0;
  for (int64_t j = 0; j < nk; j++) {
    C* row = St + j * LQ;
    for (int64_t i = 0; i < nq; i++) {
      const C x = i < lim + j ? C(-INFINITY) : row[i] * scale;
      row[i] = x;
      cm[i] = x > cm[i] ? x : cm[i];
    }
  }
  for (int64_t i = 0; i < nq; i++) {
    const C mn = cm[i] > M[i] ? cm[i] : M[i];
    cm[i] = mn == -INFINITY ? C(0) : mn;  // all hidden so far: exp(-inf - 0) = 0
    alpha[i] = (C)exp((double)(M[i] - cm[i]));
    M[i] = mn;
  }
  for (int64_t j = 0; j < nk; j++) {
    C* row = St + j * LQ;
    for (int64_t i = 0; i < nq; i++) {
      row[i] = std::is_same<C, float>::value ? (C)expf((float)(row[i] - cm[i])) : (C)exp((double)(row[i] - cm[i]));
      sum[i] += row[i];
    }
  }
  for (int64_t i = 0; i < nq; i++) Ls[i] = Ls[i] * alpha[i] + sum[i];
}

// Backward: St = exp(scale * St - lse) (Pᵀ), 0 where hidden.
template <class C>
void bwd_prob_port(C* St, int64_t nk, int64_t nq, int64_t lim, C scale, const C* lse) {
  for (int64_t j = 0; j < nk; j++) {
    C* row = St + j * LQ;
    for (int64_t i = 0; i < nq; i++)
      row[i] = i < lim + j ? C(0) : std::is_same<C, float>::value ? (C)expf((float)(scale * row[i] - lse[i])) : (C)exp((double)(scale * row[i] - lse[i]));
  }
}

// Backward: dPt = Pᵀ * (dPt - D) * scale (dSᵀ).
template <class C>
void bwd_ds_port(const C* Pt, C* dPt, int64_t nk, int64_t nq, const C* D, C scale) {
  for (int64_t j = 0; j < nk; j++)
    for (int64_t i = 0; i < nq; i++) dPt[j * LQ + i] = Pt[j * LQ + i] * (dPt[j * LQ + i] - D[i]) * scale;
}

#if NT_X86
// Lanes i0..i0+7 hidden in key row j: i0 + lane < lim + j.
NT_AVX2 inline __m256 hidden8(int64_t i0, int64_t lim, int64_t j) {
  const int64_t l = std::max<int64_t>(-1, std::min<int64_t>(lim + j, 1 << 20));  // i0 < LQ
  const __m256i lane = _mm256_add_epi32(_mm256_set1_epi32((int)i0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)l), lane));
}

NT_AVX2 inline void fwd_update_f32_avx2(float* St, int64_t nk, int64_t nq, int64_t lim, float scale, float* M, float* Ls, float* alpha, float*) {
  const __m256 vs = _mm256_set1_ps(scale), ninf = _mm256_set1_ps(-INFINITY), zero = _mm256_setzero_ps();
  const bool masked = lim + nk - 1 > 0;  // some key of the tile is hidden from some query
  for (int64_t i0 = 0; i0 < nq; i0 += 8) {
    __m256 cm = ninf;
    for (int64_t j = 0; j < nk; j++) {
      float* p = St + j * LQ + i0;
      __m256 x = _mm256_mul_ps(_mm256_loadu_ps(p), vs);
      if (masked) x = _mm256_blendv_ps(x, ninf, hidden8(i0, lim, j));
      _mm256_storeu_ps(p, x);
      cm = _mm256_max_ps(cm, x);
    }
    const __m256 mo = _mm256_loadu_ps(M + i0), mn = _mm256_max_ps(cm, mo);
    const __m256 mu = _mm256_blendv_ps(mn, zero, _mm256_cmp_ps(mn, ninf, _CMP_EQ_OQ));
    _mm256_storeu_ps(alpha + i0, nt_vexp::exp8(_mm256_sub_ps(mo, mu)));
    _mm256_storeu_ps(M + i0, mn);
    __m256 sum = zero;
    for (int64_t j = 0; j < nk; j++) {
      float* p = St + j * LQ + i0;
      const __m256 e = nt_vexp::exp8(_mm256_sub_ps(_mm256_loadu_ps(p), mu));
      _mm256_storeu_ps(p, e);
      sum = _mm256_add_ps(sum, e);
    }
    _mm256_storeu_ps(Ls + i0, _mm256_fmadd_ps(_mm256_loadu_ps(Ls + i0), _mm256_loadu_ps(alpha + i0), sum));
  }
}

NT_AVX2 inline void bwd_prob_f32_avx2(float* St, int64_t nk, int64_t nq, int64_t lim, float scale, const float* lse) {
  const __m256 vs = _mm256_set1_ps(scale), zero = _mm256_setzero_ps();
  const bool masked = lim + nk - 1 > 0;
  for (int64_t i0 = 0; i0 < nq; i0 += 8) {
    const __m256 vl = _mm256_loadu_ps(lse + i0);
    for (int64_t j = 0; j < nk; j++) {
      float* p = St + j * LQ + i0;
      __m256 e = nt_vexp::exp8(_mm256_fmsub_ps(_mm256_loadu_ps(p), vs, vl));
      if (masked) e = _mm256_blendv_ps(e, zero, hidden8(i0, lim, j));
      _mm256_storeu_ps(p, e);
    }
  }
}

NT_AVX2 inline void bwd_ds_f32_avx2(const float* Pt, float* dPt, int64_t nk, int64_t nq, const float* D, float scale) {
  const __m256 vs = _mm256_set1_ps(scale);
  for (int64_t i0 = 0; i0 < nq; i0 += 8) {
    const __m256 vD = _mm256_loadu_ps(D + i0);
    for (int64_t j = 0; j < nk; j++) {
      const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(dPt + j * LQ + i0), vD);
      _mm256_storeu_ps(dPt + j * LQ + i0, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(Pt + j * LQ + i0), x), vs));
    }
  }
}

NT_AVX2 inline void scale_row_f32_avx2(float* o, int64_t n, float f) {
  const __m256 vf = _mm256_set1_ps(f);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(o + j, _mm256_mul_ps(_mm256_loadu_ps(o + j), vf));
  for (; j < n; j++) o[j] *= f;
}
#endif

template <class C>
inline void fwd_update(C* St, int64_t nk, int64_t nq, int64_t lim, C scale, C* M, C* Ls, C* alpha, C* tmp) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2())
    return fwd_update_f32_avx2((float*)St, nk, nq, lim, (float)scale, (float*)M, (float*)Ls, (float*)alpha, (float*)tmp);
#endif
  fwd_update_port<C>(St, nk, nq, lim, scale, M, Ls, alpha, tmp);
}
template <class C>
inline void bwd_prob(C* St, int64_t nk, int64_t nq, int64_t lim, C scale, const C* lse) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return bwd_prob_f32_avx2((float*)St, nk, nq, lim, (float)scale, (const float*)lse);
#endif
  bwd_prob_port<C>(St, nk, nq, lim, scale, lse);
}
template <class C>
inline void bwd_ds(const C* Pt, C* dPt, int64_t nk, int64_t nq, const C* D, C scale) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return bwd_ds_f32_avx2((const float*)Pt, (float*)dPt, nk, nq, (const float*)D, (float)scale);
#endif
  bwd_ds_port<C>(Pt, dPt, nk, nq, D, scale);
}
template <class C>
inline void scale_row(C* o, int64_t n, C f) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return scale_row_f32_avx2((float*)o, n, (float)f);
#endif
  for (int64_t j = 0; j < n; j++) o[j] *= f;
}

// ---- converting loads and stores --------------------------------------------------------------
// d[0, n) = s[0, n) widened; the 16-bit floats 8 at a time with F16C / a shift where AVX2 is there.
template <class T, class C>
inline void cvt_row(const T* s, C* d, int64_t n) {
  for (int64_t c = 0; c < n; c++) d[c] = (C)nt_load<T>(s + c);
}
#if NT_X86
NT_AVX2 inline void cvt_row_f16_avx2(const nt_half* s, float* d, int64_t n) {
  int64_t c = 0;
  for (; c + 8 <= n; c += 8) _mm256_storeu_ps(d + c, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + c))));
  for (; c < n; c++) d[c] = nt_half_to_float(s[c].bits);
}
NT_AVX2 inline void cvt_row_bf16_avx2(const nt_bf16* s, float* d, int64_t n) {
  int64_t c = 0;
  for (; c + 8 <= n; c += 8) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(s + c)));
    _mm256_storeu_ps(d + c, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
  }
  for (; c < n; c++) d[c] = nt_bf16_to_float(s[c].bits);
}
template <>
inline void cvt_row<nt_half, float>(const nt_half* s, float* d, int64_t n) {
  if (use_avx2()) return cvt_row_f16_avx2(s, d, n);
  for (int64_t c = 0; c < n; c++) d[c] = nt_half_to_float(s[c].bits);
}
template <>
inline void cvt_row<nt_bf16, float>(const nt_bf16* s, float* d, int64_t n) {
  if (use_avx2()) return cvt_row_bf16_avx2(s, d, n);
  for (int64_t c = 0; c < n; c++) d[c] = nt_bf16_to_float(s[c].bits);
}
#endif

// dst[r*ld + c] = src[r*rs + c]
template <class T, class C>
void load_rows(const T* src, int64_t rs, int64_t rows, int64_t cols, C* dst, int64_t ld) {
  for (int64_t r = 0; r < rows; r++) cvt_row<T, C>(src + r * rs, dst + r * ld, cols);
}
// dst[c*ld + r] = src[r*rs + c] (transposed), 16 source rows at a time so that the writes are runs
// of 16 and the rows being read stay in L1 (a row-at-a-time transpose strides through dst).
template <class T, class C>
void load_cols(const T* src, int64_t rs, int64_t rows, int64_t cols, C* dst, int64_t ld) {
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t rn = std::min<int64_t>(16, rows - r0);
    const T* s = src + r0 * rs;
    for (int64_t c = 0; c < cols; c++) {
      C* d = dst + c * ld + r0;
      for (int64_t r = 0; r < rn; r++) d[r] = (C)nt_load<T>(s + r * rs + c);
    }
  }
}
// dst[r*rs + c] = src[r*ld + c] * f
template <class T, class C>
void store_rows(const C* src, int64_t ld, int64_t rows, int64_t cols, C f, T* dst, int64_t rs) {
  for (int64_t r = 0; r < rows; r++) {
    const C* s = src + r * ld;
    T* d = dst + r * rs;
    for (int64_t c = 0; c < cols; c++) nt_store<T, C>(d + c, s[c] * f);
  }
}

}  // namespace nt_attn
