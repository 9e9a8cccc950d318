// attention.cpp — the CPU fused attention kernels (ops.def: attention, attention_backward):
// softmax(scale q kᵀ [causal]) v per (batch, head, query block) with an online softmax over key
// blocks, so the [L, S] score matrix is never materialised; the backward recomputes the
// probabilities from lse (FlashAttention-2). Score tiles are kept transposed (keys x queries:
// Sᵀ = K Qᵀ, with Qᵀ packed once per task), so no tile is transposed per key block and the softmax
// steps run across queries. float32/float16/bfloat16 compute in float32 (16-bit tiles are widened),
// float64 in double. Tile products use a register-blocked AVX2+FMA kernel for float32, a portable
// loop otherwise; operand tiles are copied dense first (strided rows of a [B, L, H, E] layout alias
// in L1; the copies cost ~1/BK of the products). Not here: masks, dropout, broadcasting, shape and
// dtype rules (lib decides when the fused op applies; the checks below only guard the layout the
// loops rely on).
#include <math.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <type_traits>

#include "../../core/dispatch.h"
#include "../../core/parallel.h"
#include "../../core/simd.h"
#include "gemm.h"  // scratch_buffer
#include "kernels.h"
#include "vexp-avx2.h"

namespace {

using nt_cpu::scratch_buffer;

const int64_t BQ = 64;  // query rows per tile
const int64_t BK = 64;  // key rows per tile
const size_t kKeepScratch = size_t(16) << 20;  // a thread's bigger scratch is freed after its task

std::atomic<bool> g_force_portable{false};

inline bool use_avx2() {
#ifdef NT_NO_AVX2
  return false;
#else
  return nt_cpu_has_avx2() && !g_force_portable.load(std::memory_order_relaxed);
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

NT_AVX2 void mm_f32_avx2(int64_t m, int64_t n, int64_t k, const float* A, int64_t rsa, int64_t csa,
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

NT_AVX2 void fwd_update_f32_avx2(float* St, int64_t nk, int64_t nq, int64_t lim, float scale, float* M, float* Ls, float* alpha, float*) {
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

NT_AVX2 void bwd_prob_f32_avx2(float* St, int64_t nk, int64_t nq, int64_t lim, float scale, const float* lse) {
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

NT_AVX2 void bwd_ds_f32_avx2(const float* Pt, float* dPt, int64_t nk, int64_t nq, const float* D, float scale) {
  const __m256 vs = _mm256_set1_ps(scale);
  for (int64_t i0 = 0; i0 < nq; i0 += 8) {
    const __m256 vD = _mm256_loadu_ps(D + i0);
    for (int64_t j = 0; j < nk; j++) {
      const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(dPt + j * LQ + i0), vD);
      _mm256_storeu_ps(dPt + j * LQ + i0, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(Pt + j * LQ + i0), x), vs));
    }
  }
}

NT_AVX2 void scale_row_f32_avx2(float* o, int64_t n, float f) {
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
NT_AVX2 void cvt_row_f16_avx2(const nt_half* s, float* d, int64_t n) {
  int64_t c = 0;
  for (; c + 8 <= n; c += 8) _mm256_storeu_ps(d + c, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + c))));
  for (; c < n; c++) d[c] = nt_half_to_float(s[c].bits);
}
NT_AVX2 void cvt_row_bf16_avx2(const nt_bf16* s, float* d, int64_t n) {
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

// ---- the problem: views by role -----------------------------------------------------------------
template <class T>
struct mat {  // rows of one (batch, head): element (r, c) at p[r * rs + c]
  const T* p;
  int64_t rs;
};

template <class T>
inline mat<T> head(const nt_view* v, int64_t b, int64_t h) {
  return {(const T*)v->data + v->offset + b * v->strides[0] + h * v->strides[1], v->strides[2]};
}

struct dims {
  int64_t B, H, L, S, E, Ev;
  bool causal;
};

// Runs fn(t) for t in [0, n) over the pool, each worker pulling the next task (the tasks of a causal
// problem differ in cost). Returns false if some task failed (fn returned false).
template <class F>
bool run_tasks(int64_t n, const F& fn) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> ok{true};
  const int64_t workers = std::min<int64_t>(n, nt::num_threads());
  nt::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    for (;;) {
      const int64_t t = next.fetch_add(1);
      if (t >= n) return;
      if (!fn(t)) ok = false;
    }
  });
  return ok;
}

// ---- forward -------------------------------------------------------------------------------------
// One (batch, head, query block): out rows and lse.
template <class T, class C>
bool fwd_block(const nt_args* a, const dims& d, C scale, int64_t b, int64_t h, int64_t q0) {
  static thread_local scratch_buffer buf;
  const int64_t nq = std::min(BQ, d.L - q0), E = d.E, Ev = d.Ev;
  const size_t total = (size_t)(E * LQ + BK * E + BK * Ev + BK * LQ + BQ * Ev + 5 * LQ);
  C* base = (C*)buf.get(total * sizeof(C));
  if (!base) return false;
  C *Qt = base, *Kf = Qt + E * LQ, *Vf = Kf + BK * E, *St = Vf + BK * Ev, *O = St + BK * LQ;
  C *M = O + BQ * Ev, *Ls = M + LQ, *alpha = Ls + LQ, *tmp = alpha + LQ;

  const mat<T> q = head<T>(&a->v[0], b, h), k = head<T>(&a->v[1], b, h), v = head<T>(&a->v[2], b, h);
  load_cols<T, C>(q.p + q0 * q.rs, q.rs, nq, E, Qt, LQ);  // Qᵀ [E, nq]
  std::fill(O, O + nq * Ev, C(0));
  std::fill(M, M + LQ, C(-INFINITY));
  std::fill(Ls, Ls + LQ, C(0));

  const int64_t kend = d.causal ? std::min(d.S, q0 + nq) : d.S;
  for (int64_t k0 = 0; k0 < kend; k0 += BK) {
    const int64_t nk = std::min(BK, kend - k0);
    load_rows<T, C>(k.p + k0 * k.rs, k.rs, nk, E, Kf, E);
    load_rows<T, C>(v.p + k0 * v.rs, v.rs, nk, Ev, Vf, Ev);
    mm<C>(nk, nq, E, Kf, E, 1, Qt, LQ, St, LQ, false);  // Sᵀ = K Qᵀ
    fwd_update<C>(St, nk, nq, d.causal ? k0 - q0 : -BK, scale, M, Ls, alpha, tmp);
    for (int64_t i = 0; i < nq; i++)
      if (alpha[i] != C(1)) scale_row<C>(O + i * Ev, Ev, alpha[i]);
    mm<C>(nq, Ev, nk, St, 1, LQ, Vf, Ev, O, Ev, true);  // O += P V
  }

  const nt_view* ov = &a->v[3];
  const nt_view* lv = &a->v[4];
  T* out = (T*)ov->data + ov->offset + b * ov->strides[0] + h * ov->strides[1] + q0 * ov->strides[2];
  C* lse = (C*)lv->data + lv->offset + b * lv->strides[0] + h * lv->strides[1] + q0 * lv->strides[2];
  for (int64_t i = 0; i < nq; i++) {
    store_rows<T, C>(O + i * Ev, Ev, 1, Ev, C(1) / Ls[i], out + i * ov->strides[2], 0);
    lse[i * lv->strides[2]] = M[i] + (C)log((double)Ls[i]);
  }
  return true;
}

template <class T, class C>
bool attention_fwd(const nt_args* a, const dims& d) {
  const C scale = (C)a->f[0];
  const int64_t nqb = (d.L + BQ - 1) / BQ, bh = d.B * d.H;
  // Head by head, so that consecutive tasks find the head's k and v in cache; within a head the
  // longest tasks first (causal: the last query blocks see the most keys).
  return run_tasks(bh * nqb, [&](int64_t t) {
    const int64_t r = t / nqb, qb = nqb - 1 - t % nqb;
    return fwd_block<T, C>(a, d, scale, r / d.H, r % d.H, qb * BQ);
  });
}

// ---- backward ------------------------------------------------------------------------------------
// One (batch, head), key blocks [kb0, kb1) x query rows [r0, r1) (r0 a multiple of BQ): dk/dv rows of
// those key blocks (want_kv: every query row of the head must be in range) and/or dq rows of that
// range (want_q: every key block must be in range). Tasks with disjoint outputs never race.
template <class T, class C>
bool bwd_part(const nt_args* a, const dims& d, C scale, int64_t b, int64_t h, int64_t kb0, int64_t kb1,
              int64_t r0, int64_t r1, bool want_kv, bool want_q) {
  static thread_local scratch_buffer buf;
  const int64_t E = d.E, Ev = d.Ev, nr = r1 - r0, nrp = (nr + 7) & ~int64_t(7);
  const size_t nDQ = want_q ? (size_t)(nr * E) : 0, nKV = want_kv ? (size_t)(BK * (E + Ev)) : 0;
  const size_t total = (size_t)((nr + nrp) * (E + Ev) + 2 * nrp) + nDQ + (size_t)(BK * (E + Ev) + 2 * BK * LQ) + nKV;
  C* base = (C*)buf.get(total * sizeof(C));
  if (!base) return false;
  C *Qf = base, *dOf = Qf + nr * E, *Qt = dOf + nr * Ev, *dOt = Qt + E * nrp, *Dv = dOt + Ev * nrp;
  C *LS = Dv + nrp, *dQa = LS + nrp, *Kf = dQa + nDQ, *Vf = Kf + BK * E, *St = Vf + BK * Ev;
  C *dPt = St + BK * LQ, *dKa = dPt + BK * LQ, *dVa = dKa + BK * E;

  const mat<T> q = head<T>(&a->v[0], b, h), k = head<T>(&a->v[1], b, h), v = head<T>(&a->v[2], b, h);
  const mat<T> o = head<T>(&a->v[3], b, h), dout = head<T>(&a->v[4], b, h);
  const nt_view* lv = &a->v[5];
  const C* lse = (const C*)lv->data + lv->offset + b * lv->strides[0] + h * lv->strides[1];
  load_rows<T, C>(q.p + r0 * q.rs, q.rs, nr, E, Qf, E);
  load_rows<T, C>(dout.p + r0 * dout.rs, dout.rs, nr, Ev, dOf, Ev);
  load_cols<T, C>(q.p + r0 * q.rs, q.rs, nr, E, Qt, nrp);
  load_cols<T, C>(dout.p + r0 * dout.rs, dout.rs, nr, Ev, dOt, nrp);
  for (int64_t i = 0; i < nr; i++) {  // D_i = rowsum(dout_i * out_i)
    const T* oi = o.p + (r0 + i) * o.rs;
    double s = 0;
    for (int64_t c = 0; c < Ev; c++) s += (double)nt_load<T>(oi + c) * (double)dOf[i * Ev + c];
    Dv[i] = (C)s;
    LS[i] = lse[(r0 + i) * lv->strides[2]];
  }
  if (want_q) std::fill(dQa, dQa + nr * E, C(0));

  const nt_view *dkv = &a->v[7], *dvv = &a->v[8];
  for (int64_t kb = kb0; kb < kb1; kb++) {
    const int64_t k0 = kb * BK, nk = std::min(BK, d.S - k0);
    // Causal: query rows before k0 see none of these keys.
    const int64_t qs = d.causal ? r0 + (std::max<int64_t>(k0 - r0, 0) / BQ) * BQ : r0;
    if (want_kv) {
      std::fill(dKa, dKa + nk * E, C(0));
      std::fill(dVa, dVa + nk * Ev, C(0));
    }
    if (qs < r1) {
      load_rows<T, C>(k.p + k0 * k.rs, k.rs, nk, E, Kf, E);
      load_rows<T, C>(v.p + k0 * v.rs, v.rs, nk, Ev, Vf, Ev);
      for (int64_t q0 = qs; q0 < r1; q0 += BQ) {
        const int64_t nq = std::min(BQ, r1 - q0), i0 = q0 - r0;
        mm<C>(nk, nq, E, Kf, E, 1, Qt + i0, nrp, St, LQ, false);                   // Sᵀ = K Qᵀ
        bwd_prob<C>(St, nk, nq, d.causal ? k0 - q0 : -BK, scale, LS + i0);         // Pᵀ
        if (want_kv) mm<C>(nk, Ev, nq, St, LQ, 1, dOf + i0 * Ev, Ev, dVa, Ev, true);  // dV += Pᵀ dO
        mm<C>(nk, nq, Ev, Vf, Ev, 1, dOt + i0, nrp, dPt, LQ, false);               // dPᵀ = V dOᵀ
        bwd_ds<C>(St, dPt, nk, nq, Dv + i0, scale);                                // dSᵀ (times scale)
        if (want_kv) mm<C>(nk, E, nq, dPt, LQ, 1, Qf + i0 * E, E, dKa, E, true);   // dK += dSᵀ Q
        if (want_q) mm<C>(nq, E, nk, dPt, 1, LQ, Kf, E, dQa + i0 * E, E, true);    // dQ += dS K
      }
    } else if (!want_kv) {
      break;  // causal: later key blocks are hidden from the whole range too
    }
    if (want_kv) {
      T* dk = (T*)dkv->data + dkv->offset + b * dkv->strides[0] + h * dkv->strides[1] + k0 * dkv->strides[2];
      T* dv = (T*)dvv->data + dvv->offset + b * dvv->strides[0] + h * dvv->strides[1] + k0 * dvv->strides[2];
      store_rows<T, C>(dKa, E, nk, E, C(1), dk, dkv->strides[2]);
      store_rows<T, C>(dVa, Ev, nk, Ev, C(1), dv, dvv->strides[2]);
    }
  }
  if (want_q) {
    const nt_view* dqv = &a->v[6];
    T* dq = (T*)dqv->data + dqv->offset + b * dqv->strides[0] + h * dqv->strides[1] + r0 * dqv->strides[2];
    store_rows<T, C>(dQa, E, nr, E, C(1), dq, dqv->strides[2]);
  }
  buf.trim(kKeepScratch);
  return true;
}

template <class T, class C>
bool attention_bwd(const nt_args* a, const dims& d) {
  const C scale = (C)a->f[0];
  const int64_t bh = d.B * d.H, nkb = (d.S + BK - 1) / BK, nqb = (d.L + BQ - 1) / BQ;
  const int64_t nth = nt::num_threads();
  // Enough heads for the threads (or one tile each way): one task per head computes everything.
  // Otherwise two passes: dk/dv per key block, then dq per query block (more recomputation, but
  // every thread has work).
  if (nth == 1 || bh >= 2 * nth || (nkb == 1 && nqb == 1)) {
    return run_tasks(bh, [&](int64_t t) {
      return bwd_part<T, C>(a, d, scale, t / d.H, t % d.H, 0, nkb, 0, d.L, true, true);
    });
  }
  // Head by head (cache reuse), longest first within a head (causal: the first key blocks, the
  // last query blocks).
  const bool ok = run_tasks(bh * nkb, [&](int64_t t) {
    const int64_t r = t / nkb, kb = t % nkb;
    return bwd_part<T, C>(a, d, scale, r / d.H, r % d.H, kb, kb + 1, 0, d.L, true, false);
  });
  return ok && run_tasks(bh * nqb, [&](int64_t t) {
    const int64_t r = t / nqb, qb = nqb - 1 - t % nqb;
    return bwd_part<T, C>(a, d, scale, r / d.H, r % d.H, 0, nkb, qb * BQ, std::min(d.L, (qb + 1) * BQ), false, true);
  });
}

// ---- entry points ------------------------------------------------------------------------------
template <class T> struct compute { typedef float type; };
template <> struct compute<double> { typedef double type; };

// The layout the loops rely on (lib guarantees it; a mismatch here is a bug, not user input).
int check_layout(const nt_args* a, bool backward, dims* d, nt_error* err) {
  const int nv = backward ? 9 : 5, lse_at = backward ? 5 : 4;
  if (a->nviews != nv) return nt_fail(err, "expected %d views, got %d", nv, (int)a->nviews);
  const nt_view *q = &a->v[0], *k = &a->v[1], *v = &a->v[2];
  const int dt = q->dtype;
  if (!nt_dtype_is_float(dt)) return nt_fail(err, "unsupported dtype %s (float dtypes only)", nt_dtype_name(dt));
  d->B = q->shape[0], d->H = q->shape[1], d->L = q->shape[2], d->E = q->shape[3];
  d->S = k->shape[2], d->Ev = v->shape[3];
  d->causal = a->i[0] != 0;
  for (int i = 0; i < nv; i++) {
    const nt_view* w = &a->v[i];
    const bool is_lse = i == lse_at;
    const int64_t rows = i == 1 || i == 2 || i == 7 || i == 8 ? d->S : d->L;
    const int64_t cols = i == 0 || i == 1 || i == 6 || i == 7 ? d->E : d->Ev;
    const int64_t want[4] = {d->B, d->H, rows, cols};
    if (w->ndim != (is_lse ? 3 : 4)) return nt_fail(err, "view %d has %d dims, expected %d", i, (int)w->ndim, is_lse ? 3 : 4);
    for (int j = 0; j < w->ndim; j++)
      if (w->shape[j] != want[j]) return nt_fail(err, "view %d has size %lld at dim %d, expected %lld", i, (long long)w->shape[j], j, (long long)want[j]);
    const int wdt = is_lse ? (dt == NT_F64 ? NT_F64 : NT_F32) : dt;
    if (w->dtype != wdt) return nt_fail(err, "view %d has dtype %s, expected %s", i, nt_dtype_name(w->dtype), nt_dtype_name(wdt));
    if (!is_lse && cols > 1 && w->strides[3] != 1) return nt_fail(err, "view %d has last-dim stride %lld, expected 1", i, (long long)w->strides[3]);
    if (!w->data && nt_view_numel(w) > 0) return nt_fail(err, "view %d has no storage", i);
  }
  if (d->S < 1 && d->B * d->H * d->L > 0) return nt_fail(err, "needs at least one key (S = 0)");
  return 0;
}

template <bool BACKWARD>
int k_attention(const nt_args* a, nt_error* err) {
  dims d;
  if (int r = check_layout(a, BACKWARD, &d, err)) return r;
  if (d.B * d.H == 0 || (!BACKWARD && d.L == 0)) return 0;  // (backward, L = 0: dk = dv = 0)
  bool ok = true;
  try {
    NT_DISPATCH_FLOAT(a->v[0].dtype, T, {
      typedef typename compute<T>::type C;
      ok = BACKWARD ? attention_bwd<T, C>(a, d) : attention_fwd<T, C>(a, d);
    });
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (!ok) return nt_fail(err, "out of memory for scratch buffers");
  return 0;
}

}  // namespace

void nt_cpu_attention_force_portable(bool on) { g_force_portable.store(on); }

void nt_cpu_register_attention(nt_kernel_fn* slots) {
  slots[NT_OP_attention] = k_attention<false>;
  slots[NT_OP_attention_backward] = k_attention<true>;
}
