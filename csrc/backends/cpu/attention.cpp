// attention.cpp — the CPU fused attention kernels (ops.def: attention, attention_backward):
// softmax(scale q kᵀ [causal]) v per (batch, head, query block) with an online softmax over key
// blocks, so the [L, S] score matrix is never materialised; the backward recomputes the
// probabilities from lse (FlashAttention-2). float32/float16/bfloat16 compute in float32 (16-bit
// tiles are widened), float64 in double. Tile products use a register-blocked AVX2+FMA kernel for
// float32, a portable loop otherwise. Not here: masks, dropout, broadcasting, shape/dtype rules
// (lib decides when the fused op applies; the checks below only guard the layout the loops rely on).
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
const int64_t LD = 64;  // row stride of the score tiles (BK rounded up to 8)
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

// ---- row steps of the softmax ----------------------------------------------------------------
// Online-softmax update of one score row s[0, n8) (n8 = the row's length rounded up to 8; entries
// from nv on are masked): scales the scores, folds them into the running (m, l) and leaves
// exp(s - m) in s (0 where masked). Returns the factor the row's output accumulator must be
// multiplied by.
template <class C>
C row_update_port(C* s, int64_t nv, int64_t n8, C scale, C* m, C* l) {
  C mx = -INFINITY;
  for (int64_t j = 0; j < nv; j++) {
    s[j] *= scale;
    mx = s[j] > mx ? s[j] : mx;
  }
  const C mo = *m, mn = mx > mo ? mx : mo;
  if (mn == -INFINITY) {  // everything masked so far
    for (int64_t j = 0; j < n8; j++) s[j] = 0;
    return 1;
  }
  C sum = 0;
  for (int64_t j = 0; j < nv; j++) {
    s[j] = std::is_same<C, float>::value ? (C)expf((float)(s[j] - mn)) : (C)exp((double)(s[j] - mn));
    sum += s[j];
  }
  for (int64_t j = nv; j < n8; j++) s[j] = 0;
  const C alpha = mo == -INFINITY ? 0 : (std::is_same<C, float>::value ? (C)expf((float)(mo - mn)) : (C)exp((double)(mo - mn)));
  *l = *l * alpha + sum;
  *m = mn;
  return alpha;
}

// Backward: s = exp(scale * s - lse), 0 from nv on.
template <class C>
void row_prob_port(C* s, int64_t nv, int64_t n8, C scale, C lse) {
  for (int64_t j = 0; j < nv; j++)
    s[j] = std::is_same<C, float>::value ? (C)expf((float)(scale * s[j] - lse)) : (C)exp((double)(scale * s[j] - lse));
  for (int64_t j = nv; j < n8; j++) s[j] = 0;
}

// Backward: d = p * (d - D) * scale (dS from dP).
template <class C>
void row_ds_port(const C* p, C* d, int64_t n8, C D, C scale) {
  for (int64_t j = 0; j < n8; j++) d[j] = p[j] * (d[j] - D) * scale;
}

#if NT_X86
NT_AVX2 float row_update_f32_avx2(float* s, int64_t nv, int64_t n8, float scale, float* m, float* l) {
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vm = _mm256_set1_ps(-INFINITY);
  int64_t j = 0;
  for (; j + 8 <= nv; j += 8) {
    const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(s + j), vs);
    _mm256_storeu_ps(s + j, x);
    vm = _mm256_max_ps(vm, x);
  }
  float mx = nt_vexp::hmax8(vm);
  for (; j < nv; j++) {
    s[j] *= scale;
    mx = s[j] > mx ? s[j] : mx;
  }
  for (; j < n8; j++) s[j] = -INFINITY;  // exp -> 0
  const float mo = *m, mn = mx > mo ? mx : mo;
  if (mn == -INFINITY) {
    memset(s, 0, (size_t)n8 * sizeof(float));
    return 1;
  }
  const __m256 vmn = _mm256_set1_ps(mn);
  __m256 acc = _mm256_setzero_ps();
  for (j = 0; j < n8; j += 8) {
    const __m256 e = nt_vexp::exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vmn));
    _mm256_storeu_ps(s + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  const float alpha = mo == -INFINITY ? 0.f : expf(mo - mn);
  *l = *l * alpha + nt_vexp::hsum8(acc);
  *m = mn;
  return alpha;
}

NT_AVX2 void row_prob_f32_avx2(float* s, int64_t nv, int64_t n8, float scale, float lse) {
  const __m256 vs = _mm256_set1_ps(scale), vl = _mm256_set1_ps(lse);
  for (int64_t j = 0; j < n8; j += 8)
    _mm256_storeu_ps(s + j, nt_vexp::exp8(_mm256_fmsub_ps(_mm256_loadu_ps(s + j), vs, vl)));
  for (int64_t j = nv; j < n8; j++) s[j] = 0;
}

NT_AVX2 void row_ds_f32_avx2(const float* p, float* d, int64_t n8, float D, float scale) {
  const __m256 vD = _mm256_set1_ps(D), vs = _mm256_set1_ps(scale);
  for (int64_t j = 0; j < n8; j += 8) {
    const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(d + j), vD);
    _mm256_storeu_ps(d + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(p + j), x), vs));
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
inline C row_update(C* s, int64_t nv, int64_t n8, C scale, C* m, C* l) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2())
    return (C)row_update_f32_avx2((float*)s, nv, n8, (float)scale, (float*)m, (float*)l);
#endif
  return row_update_port<C>(s, nv, n8, scale, m, l);
}
template <class C>
inline void row_prob(C* s, int64_t nv, int64_t n8, C scale, C lse) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return row_prob_f32_avx2((float*)s, nv, n8, (float)scale, (float)lse);
#endif
  row_prob_port<C>(s, nv, n8, scale, lse);
}
template <class C>
inline void row_ds(const C* p, C* d, int64_t n8, C D, C scale) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return row_ds_f32_avx2((const float*)p, (float*)d, n8, (float)D, (float)scale);
#endif
  row_ds_port<C>(p, d, n8, D, scale);
}
template <class C>
inline void scale_row(C* o, int64_t n, C f) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2()) return scale_row_f32_avx2((float*)o, n, (float)f);
#endif
  for (int64_t j = 0; j < n; j++) o[j] *= f;
}

// ---- converting loads and stores --------------------------------------------------------------
// dst[r*ld + c] = src[r*rs + c]
template <class T, class C>
void load_rows(const T* src, int64_t rs, int64_t rows, int64_t cols, C* dst, int64_t ld) {
  for (int64_t r = 0; r < rows; r++) {
    const T* s = src + r * rs;
    C* d = dst + r * ld;
    for (int64_t c = 0; c < cols; c++) d[c] = (C)nt_load<T>(s + c);
  }
}
// dst[c*ld + r] = src[r*rs + c] (transposed)
template <class T, class C>
void load_cols(const T* src, int64_t rs, int64_t rows, int64_t cols, C* dst, int64_t ld) {
  for (int64_t r = 0; r < rows; r++) {
    const T* s = src + r * rs;
    for (int64_t c = 0; c < cols; c++) dst[c * ld + r] = (C)nt_load<T>(s + c);
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

// Keys a query row sees in the key block [k0, k0 + nk): all, or (causal) those with j <= row.
inline int64_t visible(const dims& d, int64_t row, int64_t k0, int64_t nk) {
  if (!d.causal) return nk;
  return std::max<int64_t>(0, std::min<int64_t>(nk, row - k0 + 1));
}

// ---- forward -------------------------------------------------------------------------------------
// One (batch, head, query block): out rows and lse.
template <class T, class C>
bool fwd_block(const nt_args* a, const dims& d, C scale, int64_t b, int64_t h, int64_t q0) {
  static thread_local scratch_buffer buf;
  const bool direct = std::is_same<T, C>::value;
  const int64_t nq = std::min(BQ, d.L - q0), E = d.E, Ev = d.Ev;
  const size_t nQ = direct ? 0 : (size_t)(BQ * E), nV = direct ? 0 : (size_t)(BK * Ev);
  const size_t total = nQ + (size_t)(E * LD) + nV + (size_t)(BQ * LD) + (size_t)(BQ * Ev) + 2 * (size_t)BQ;
  C* base = (C*)buf.get(total * sizeof(C));
  if (!base) return false;
  C *Qf = base, *Kt = Qf + nQ, *Vf = Kt + E * LD, *Sb = Vf + nV, *O = Sb + BQ * LD, *M = O + BQ * Ev, *Ls = M + BQ;

  const mat<T> q = head<T>(&a->v[0], b, h), k = head<T>(&a->v[1], b, h), v = head<T>(&a->v[2], b, h);
  const C* Q;
  int64_t rsq;
  if (direct) { Q = (const C*)(q.p + q0 * q.rs); rsq = q.rs; }
  else { load_rows<T, C>(q.p + q0 * q.rs, q.rs, nq, E, Qf, E); Q = Qf; rsq = E; }
  std::fill(O, O + nq * Ev, C(0));
  std::fill(M, M + nq, C(-INFINITY));
  std::fill(Ls, Ls + nq, C(0));

  const int64_t kend = d.causal ? std::min(d.S, q0 + nq) : d.S;
  for (int64_t k0 = 0; k0 < kend; k0 += BK) {
    const int64_t nk = std::min(BK, kend - k0), n8 = (nk + 7) & ~int64_t(7);
    load_cols<T, C>(k.p + k0 * k.rs, k.rs, nk, E, Kt, LD);
    const C* V;
    int64_t rsv;
    if (direct) { V = (const C*)(v.p + k0 * v.rs); rsv = v.rs; }
    else { load_rows<T, C>(v.p + k0 * v.rs, v.rs, nk, Ev, Vf, Ev); V = Vf; rsv = Ev; }
    mm<C>(nq, nk, E, Q, rsq, 1, Kt, LD, Sb, LD, false);
    for (int64_t i = 0; i < nq; i++) {
      const C alpha = row_update<C>(Sb + i * LD, visible(d, q0 + i, k0, nk), n8, scale, M + i, Ls + i);
      if (alpha != C(1)) scale_row<C>(O + i * Ev, Ev, alpha);
    }
    mm<C>(nq, Ev, nk, Sb, LD, 1, V, rsv, O, Ev, true);
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
  // Longest tasks first (causal: the last query blocks see the most keys).
  return run_tasks(bh * nqb, [&](int64_t t) {
    const int64_t qb = nqb - 1 - t / bh, r = t % bh;
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
  const bool direct = std::is_same<T, C>::value;
  const int64_t E = d.E, Ev = d.Ev, nr = r1 - r0;
  const size_t nQ = direct ? 0 : (size_t)(nr * E), nO = direct ? 0 : (size_t)(nr * Ev);
  const size_t nKf = direct || !want_q ? 0 : (size_t)(BK * E), nDQ = want_q ? (size_t)(nr * E) : 0;
  const size_t nKV = want_kv ? (size_t)(BK * (E + Ev)) : 0;
  const size_t total = nQ + nO + 2 * (size_t)nr + nDQ + (size_t)((E + Ev) * LD) + nKf + 2 * (size_t)(BQ * LD) + nKV;
  C* base = (C*)buf.get(total * sizeof(C));
  if (!base) return false;
  C *Qf = base, *dOf = Qf + nQ, *Dv = dOf + nO, *LS = Dv + nr, *dQa = LS + nr, *Kt = dQa + nDQ;
  C *Vt = Kt + E * LD, *Kf = Vt + Ev * LD, *Sb = Kf + nKf, *dPb = Sb + BQ * LD, *dKa = dPb + BQ * LD;
  C* dVa = dKa + BK * E;

  const mat<T> q = head<T>(&a->v[0], b, h), k = head<T>(&a->v[1], b, h), v = head<T>(&a->v[2], b, h);
  const mat<T> o = head<T>(&a->v[3], b, h), dout = head<T>(&a->v[4], b, h);
  const nt_view* lv = &a->v[5];
  const C* lse = (const C*)lv->data + lv->offset + b * lv->strides[0] + h * lv->strides[1];
  const C* Q;
  const C* dO;
  int64_t rsq, rso;
  if (direct) {
    Q = (const C*)(q.p + r0 * q.rs), rsq = q.rs;
    dO = (const C*)(dout.p + r0 * dout.rs), rso = dout.rs;
  } else {
    load_rows<T, C>(q.p + r0 * q.rs, q.rs, nr, E, Qf, E);
    load_rows<T, C>(dout.p + r0 * dout.rs, dout.rs, nr, Ev, dOf, Ev);
    Q = Qf, rsq = E, dO = dOf, rso = Ev;
  }
  for (int64_t i = 0; i < nr; i++) {  // D_i = rowsum(dout_i * out_i)
    const T* oi = o.p + (r0 + i) * o.rs;
    const T* gi = dout.p + (r0 + i) * dout.rs;
    double s = 0;
    for (int64_t c = 0; c < Ev; c++) s += (double)nt_load<T>(oi + c) * (double)nt_load<T>(gi + c);
    Dv[i] = (C)s;
    LS[i] = lse[(r0 + i) * lv->strides[2]];
  }
  if (want_q) std::fill(dQa, dQa + nr * E, C(0));

  const nt_view *dkv = &a->v[7], *dvv = &a->v[8];
  for (int64_t kb = kb0; kb < kb1; kb++) {
    const int64_t k0 = kb * BK, nk = std::min(BK, d.S - k0), n8 = (nk + 7) & ~int64_t(7);
    // Causal: query rows before k0 see none of these keys.
    const int64_t qs = d.causal ? std::max(r0, r0 + (std::max<int64_t>(k0 - r0, 0) / BQ) * BQ) : r0;
    if (want_kv) {
      std::fill(dKa, dKa + nk * E, C(0));
      std::fill(dVa, dVa + nk * Ev, C(0));
    }
    if (qs < r1) {
      load_cols<T, C>(k.p + k0 * k.rs, k.rs, nk, E, Kt, LD);
      load_cols<T, C>(v.p + k0 * v.rs, v.rs, nk, Ev, Vt, LD);
      const C* K = nullptr;
      int64_t rsk = E;
      if (want_q) {
        if (direct) K = (const C*)(k.p + k0 * k.rs), rsk = k.rs;
        else load_rows<T, C>(k.p + k0 * k.rs, k.rs, nk, E, Kf, E), K = Kf;
      }
      for (int64_t q0 = qs; q0 < r1; q0 += BQ) {
        const int64_t nq = std::min(BQ, r1 - q0), i0 = q0 - r0;
        const C* Qb = Q + i0 * rsq;
        const C* dOb = dO + i0 * rso;
        mm<C>(nq, nk, E, Qb, rsq, 1, Kt, LD, Sb, LD, false);
        for (int64_t i = 0; i < nq; i++) row_prob<C>(Sb + i * LD, visible(d, q0 + i, k0, nk), n8, scale, LS[i0 + i]);
        if (want_kv) mm<C>(nk, Ev, nq, Sb, 1, LD, dOb, rso, dVa, Ev, true);       // dV += Pᵀ dO
        mm<C>(nq, nk, Ev, dOb, rso, 1, Vt, LD, dPb, LD, false);                   // dP = dO Vᵀ
        for (int64_t i = 0; i < nq; i++) row_ds<C>(Sb + i * LD, dPb + i * LD, n8, Dv[i0 + i], scale);
        if (want_q) mm<C>(nq, E, nk, dPb, LD, 1, K, rsk, dQa + i0 * E, E, true);  // dQ += dS K
        if (want_kv) mm<C>(nk, E, nq, dPb, 1, LD, Qb, rsq, dKa, E, true);         // dK += dSᵀ Q
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
  const bool ok = run_tasks(bh * nkb, [&](int64_t t) {
    const int64_t kb = t / bh, r = t % bh;  // causal: the first key blocks are the longest
    return bwd_part<T, C>(a, d, scale, r / d.H, r % d.H, kb, kb + 1, 0, d.L, true, false);
  });
  return ok && run_tasks(bh * nqb, [&](int64_t t) {
    const int64_t qb = nqb - 1 - t / bh, r = t % bh;  // causal: the last query blocks are the longest
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
