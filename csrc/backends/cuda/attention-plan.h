// attention-plan.h — the host-checkable half of the CUDA fused attention kernels (attention.cu,
// attention-backward.cu): argument checks, the limits supports() reports, which kernel path runs,
// the tile geometry and shared-memory layouts, the key/query ranges a causal mask leaves, and the
// online-softmax row update. Plain C++ (NT_HD: the kernels and test/native/cuda-attention-test.cpp
// run the same code). Not here: kernels or launches.
//
// Names used throughout: q [B, H, L, E], k [B, H, S, E], v [B, H, S, Ev], out [B, H, L, Ev],
// lse [B, H, L]; `bh` = b * H + h enumerates the B * H independent problems; i is a query row,
// j a key. Scores are kept in log2 units (x = scale * log2(e) * q.k) so the kernels can use exp2.
#pragma once
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "plans.h"

// ---------------------------------------------------------------- limits (what TS must respect)
#define NT_ATTN_MAX_HEAD_DIM 128         // E and Ev, every dtype and path
#define NT_ATTN_SMEM_DEFAULT (48 * 1024)  // dynamic shared memory any launch may use without opting in
#define NT_ATTN_SMEM_MAX 101376          // opt-in per-block limit of every sm_80+ part (99 KiB: sm_86/89/120)
#define NT_ATTN_THREADS 128              // 4 warps per CTA in every attention kernel

// Which kernels run: tensor cores (wmma 16x16x16, float accumulators) for float16/bfloat16 with head
// dims that are multiples of 16, in two tiers by the larger head dim; SIMT for everything else.
enum nt_attn_path { NT_ATTN_SIMT = 0, NT_ATTN_WMMA64 = 1, NT_ATTN_WMMA128 = 2 };

static inline int nt_attn_path_for(int dtype, int64_t E, int64_t Ev) {
  if (dtype != NT_F16 && dtype != NT_BF16) return NT_ATTN_SIMT;
  if (E < 16 || Ev < 16 || E % 16 || Ev % 16 || E > 128 || Ev > 128) return NT_ATTN_SIMT;
  return (E <= 64 && Ev <= 64) ? NT_ATTN_WMMA64 : NT_ATTN_WMMA128;
}

// ---------------------------------------------------------------- shared-memory layouts
// Byte offsets. 16-bit tiles are stored with rows padded by 8 elements (16 bytes) and float scratch
// by 4 (so consecutive rows start in different banks); every region starts on a 32-byte boundary,
// as wmma::load/store_matrix_sync require of the pointers they get (fragment origins are whole
// multiples of 16 rows and 16 columns inside a region, which keeps that alignment).

// Forward, tensor cores, tier D (64 or 128): a CTA owns BM = 64 query rows, warp w rows 16w..16w+15.
// Q is staged once through the K/V area (BM <= 2 BN), then kept as wmma fragments in registers.
template <int D>
struct nt_attn_wfwd {
  static constexpr int BM = 64, BN = D <= 64 ? 64 : 32, WARPS = 4;
  static constexpr int MIN_CTAS = D <= 64 ? 3 : 2;  // __launch_bounds__ (3: at most 168 registers)
  static constexpr int LDH = D + 8;   // 16-bit elements per row of Q, K, V
  static constexpr int LDS = BN + 4;  // floats per row of a warp's score / P.V scratch [16][LDS]
  static constexpr int LDP = BN + 8;  // 16-bit elements per row of a warp's P [16][LDP]
  static constexpr size_t K_OFF = 0, Q_OFF = 0;
  static constexpr size_t V_OFF = (size_t)BN * LDH * 2;
  static constexpr size_t S_OFF = 2 * V_OFF, S_WARP = (size_t)16 * LDS * 4;
  static constexpr size_t P_OFF = S_OFF + WARPS * S_WARP, P_WARP = (size_t)16 * LDP * 2;
  static constexpr size_t BYTES = P_OFF + WARPS * P_WARP;
};

// Backward, tensor cores, tier D: a CTA owns BN = 64 keys, warp w keys 16w..16w+15 (its dK and dV
// rows live in wmma accumulators for the whole query loop); query tiles of BM rows stream through.
template <int D>
struct nt_attn_wbwd {
  static constexpr int BN = 64, BM = D <= 64 ? 64 : 32, WARPS = 4;
  static constexpr int MIN_CTAS = D <= 64 ? 3 : 2;  // __launch_bounds__ (3: <= 168 registers; sm_90 smem allows 3)
  static constexpr int LDH = D + 8;   // 16-bit elements per row of K, V, Q, dO
  static constexpr int LDQ = BM + 8;  // 16-bit elements per row of P^T / dS^T [BN][LDQ]
  static constexpr int LDF = BM + 4;  // floats per row of a warp's scratch [16][LDF] (>= 16 + 4)
  static constexpr size_t K_OFF = 0, V_OFF = (size_t)BN * LDH * 2;
  static constexpr size_t Q_OFF = 2 * V_OFF, DO_OFF = Q_OFF + (size_t)BM * LDH * 2;
  static constexpr size_t PDS_OFF = DO_OFF + (size_t)BM * LDH * 2;
  static constexpr size_t F_OFF = PDS_OFF + (size_t)BN * LDQ * 2, F_WARP = (size_t)16 * LDF * 4;
  static constexpr size_t LSE_OFF = F_OFF + WARPS * F_WARP, DL_OFF = LSE_OFF + (size_t)BM * 4;
  static constexpr size_t BYTES = DL_OFF + (size_t)BM * 4;
};

// SIMT kernels (compute type C: float, or double for float64): BN = 32 keys per tile, one per lane;
// each of the 4 warps owns RW query rows. Offsets here are in C elements; sizes follow the actual
// E and Ev, so small head dims stay under the default 48 KiB.
template <class C>
struct nt_attn_simt {
  static constexpr int BN = 32, WARPS = 4;
  static constexpr int RW_FWD = sizeof(C) == 8 ? 2 : 4, BM_FWD = WARPS * RW_FWD;
  static constexpr int RW_BWD = sizeof(C) == 8 ? 2 : 8, BM_BWD = WARPS * RW_BWD;
  static constexpr int KPW = BN / WARPS;  // backward: keys whose dK/dV rows each warp accumulates
};

// Forward: K [32][E+1] (padded: lanes read a column), V [32][Ev], Q [BM][E].
struct nt_attn_simt_fwd_layout { int64_t k, v, q, elems; };
NT_HD nt_attn_simt_fwd_layout nt_attn_simt_fwd_carve(int bm, int64_t E, int64_t Ev) {
  nt_attn_simt_fwd_layout l;
  l.k = 0;
  l.v = 32 * (E + 1);
  l.q = l.v + 32 * Ev;
  l.elems = l.q + bm * E;
  return l;
}
// Backward: K [32][E+1], V [32][Ev+1], Q [BM][E], dO [BM][Ev], P [BM][33], dS [BM][33],
// lse*log2(e) [BM], D [BM].
struct nt_attn_simt_bwd_layout { int64_t k, v, q, dout, p, ds, lse, dl, elems; };
NT_HD nt_attn_simt_bwd_layout nt_attn_simt_bwd_carve(int bm, int64_t E, int64_t Ev) {
  nt_attn_simt_bwd_layout l;
  l.k = 0;
  l.v = 32 * (E + 1);
  l.q = l.v + 32 * (Ev + 1);
  l.dout = l.q + bm * E;
  l.p = l.dout + bm * Ev;
  l.ds = l.p + bm * 33;
  l.lse = l.ds + bm * 33;
  l.dl = l.lse + bm;
  l.elems = l.dl + bm;
  return l;
}

// Whether a 16-bit 4-D view's rows may be copied as 16-byte chunks: each row [b, h, r, :] starts on
// a 16-byte boundary (base, offset and the three outer strides all multiples of 8 elements) and
// holds a whole number of chunks.
static inline bool nt_attn_rows_vec(const nt_view* v) {
  if (nt_dtype_size(v->dtype) != 2 || v->ndim != 4 || v->shape[3] % 8) return false;
  const uintptr_t first = (uintptr_t)v->data + (uintptr_t)(v->offset * 2);
  return (first & 15) == 0 && v->strides[0] % 8 == 0 && v->strides[1] % 8 == 0 && v->strides[2] % 8 == 0;
}

// What a launch of path `path` needs: rows per query tile (bm), keys per key tile (bn), dynamic
// shared memory in bytes. csize = sizeof(compute type) for the SIMT path.
struct nt_attn_geom { int bm, bn; size_t smem; };
static inline nt_attn_geom nt_attn_geometry(int path, bool backward, int csize, int64_t E, int64_t Ev) {
  nt_attn_geom g;
  if (path == NT_ATTN_WMMA64 || path == NT_ATTN_WMMA128) {
    const bool big = path == NT_ATTN_WMMA128;
    if (backward) {
      g.bm = big ? nt_attn_wbwd<128>::BM : nt_attn_wbwd<64>::BM;
      g.bn = big ? nt_attn_wbwd<128>::BN : nt_attn_wbwd<64>::BN;
      g.smem = big ? nt_attn_wbwd<128>::BYTES : nt_attn_wbwd<64>::BYTES;
    } else {
      g.bm = big ? nt_attn_wfwd<128>::BM : nt_attn_wfwd<64>::BM;
      g.bn = big ? nt_attn_wfwd<128>::BN : nt_attn_wfwd<64>::BN;
      g.smem = big ? nt_attn_wfwd<128>::BYTES : nt_attn_wfwd<64>::BYTES;
    }
    return g;
  }
  const bool dbl = csize == 8;
  g.bn = 32;
  if (backward) {
    g.bm = dbl ? nt_attn_simt<double>::BM_BWD : nt_attn_simt<float>::BM_BWD;
    g.smem = (size_t)nt_attn_simt_bwd_carve(g.bm, E, Ev).elems * csize;
  } else {
    g.bm = dbl ? nt_attn_simt<double>::BM_FWD : nt_attn_simt<float>::BM_FWD;
    g.smem = (size_t)nt_attn_simt_fwd_carve(g.bm, E, Ev).elems * csize;
  }
  return g;
}

// ---------------------------------------------------------------- tiles and the causal mask
// Query i sees key j when both exist and, under the causal mask (top-left aligned, like PyTorch's
// is_causal), j <= i.
NT_HD bool nt_attn_visible(int64_t i, int64_t j, int64_t L, int64_t S, bool causal) {
  return i < L && j < S && (!causal || j <= i);
}
// Forward: the keys [0, end) that the query tile [q0, q0 + bm) must visit. Causal: its last real
// row, min(q0 + bm, L) - 1, sees keys up to itself, so later key tiles are skipped entirely.
NT_HD int64_t nt_attn_fwd_key_end(int64_t q0, int bm, int64_t L, int64_t S, bool causal) {
  if (!causal) return S;
  const int64_t rows_end = q0 + bm < L ? q0 + bm : L;
  return rows_end < S ? rows_end : S;
}
// Backward: the first query tile (of bm rows) with a row that sees a key of the key tile starting
// at k0. Causal: rows i >= k0, so tiles wholly above the diagonal are skipped, and a key tile that
// starts at or past L (when S > L) is seen by no row: the tile count, so the loop is empty.
NT_HD int64_t nt_attn_bwd_first_query_tile(int64_t k0, int bm, int64_t L, bool causal) {
  if (!causal) return 0;
  return k0 < L ? k0 / bm : (L + bm - 1) / bm;
}

// 1-D grid of bh_count * ntiles CTAs. Forward: the last query tiles (the longest under a causal
// mask) are handed out first; backward: the first key tiles (idem). Consecutive CTAs take different
// heads of the same tile.
NT_HD void nt_attn_fwd_block(int64_t block, int64_t bh_count, int64_t ntiles, int64_t* bh, int64_t* tile) {
  *bh = block % bh_count;
  *tile = ntiles - 1 - block / bh_count;
}
NT_HD void nt_attn_bwd_block(int64_t block, int64_t bh_count, int64_t* bh, int64_t* tile) {
  *bh = block % bh_count;
  *tile = block / bh_count;
}

// ---------------------------------------------------------------- online softmax of one row
NT_HD float nt_attn_ex2(float x) { return exp2f(x); }
NT_HD double nt_attn_ex2(double x) { return exp2(x); }
NT_HD float nt_attn_lg2(float x) { return log2f(x); }
NT_HD double nt_attn_lg2(double x) { return log2(x); }

// Running maximum m (log2 units; -inf until a visible key was seen) and sum l = sum exp2(x - m).
template <class C>
struct nt_attn_row {
  C m, l;
};
template <class C>
NT_HD nt_attn_row<C> nt_attn_row_init() { return {(C)-INFINITY, (C)0}; }

// Merges a tile whose largest score (masked scores are -inf) is tile_max: rescales r.l and returns
// alpha, the factor that rescales the row's output accumulator too; *base is what to subtract from
// this tile's scores before exp2 (the caller then adds the tile's sum of exp2(x - base) to r.l).
// NOTE: while every score so far is masked, m stays -inf and base is 0 (not m): exp2(-inf - 0) = 0,
// where -inf - (-inf) would be NaN.
template <class C>
NT_HD C nt_attn_merge(nt_attn_row<C>& r, C tile_max, C* base) {
  const C m_new = tile_max > r.m ? tile_max : r.m;
  const C b = m_new == (C)-INFINITY ? (C)0 : m_new;
  const C alpha = nt_attn_ex2(r.m - b);
  r.m = m_new;
  r.l *= alpha;
  *base = b;
  return alpha;
}
// logsumexp of the row's scaled scores, natural log (what the backward subtracts).
template <class C>
NT_HD C nt_attn_row_lse(const nt_attn_row<C>& r) {
  return (r.m + nt_attn_lg2(r.l)) * (C)0.69314718055994530942;
}

#define NT_ATTN_LOG2E 1.44269504088896340736

// ---------------------------------------------------------------- argument checks
struct nt_attn_dims {
  int64_t B, H, L, S, E, Ev;
  int dtype;
  bool causal;
};

// The limits the kernels have (also the supports() answer): head dims, sizes that index with 32-bit
// rows, grid size.
static inline int nt_attn_limits(int64_t B, int64_t H, int64_t L, int64_t S, int64_t E, int64_t Ev, nt_error* err) {
  if (E > NT_ATTN_MAX_HEAD_DIM || Ev > NT_ATTN_MAX_HEAD_DIM)
    return nt_cu_fail(err, "the CUDA attention kernels take head dims up to %d (q/k head dim %lld, v head dim %lld); "
                      "larger ones need the composite attention", NT_ATTN_MAX_HEAD_DIM, (long long)E, (long long)Ev);
  if (L > INT32_MAX || S > INT32_MAX)
    return nt_cu_fail(err, "the CUDA attention kernels take sequence lengths below 2^31 (L=%lld, S=%lld)", (long long)L,
                      (long long)S);
  // Grid: one CTA per (b, h, tile); the smallest tiles are 8 query rows (SIMT forward, float64).
  const int64_t tiles = ((L > S ? L : S) + 7) / 8;
  if (B > 0 && H > 0 && (B > INT32_MAX / H || B * H > INT32_MAX / (tiles > 0 ? tiles : 1)))
    return nt_cu_fail(err, "the CUDA attention kernels take at most 2^31 - 1 tiles (B=%lld, H=%lld, L=%lld, S=%lld)",
                      (long long)B, (long long)H, (long long)L, (long long)S);
  return 0;
}

// The vtable's supports() for the two attention ops: dtype and the limits above. A call that is not
// shaped like one (nt.cuda backendSupports' one-element probe) is answered on the dtype alone; the
// kernels check the full contract when they run.
static inline int nt_attn_supports(const nt_args* a, nt_error* err) {
  const int dt = a->v[0].dtype;
  if (!nt_dtype_is_float(dt)) {
    nt_cu_fail(err, "attention takes float16, bfloat16, float32 or float64 on CUDA, got %s", nt_dtype_name(dt));
    return 0;
  }
  if (a->nviews < 3 || a->v[0].ndim != 4 || a->v[1].ndim != 4 || a->v[2].ndim != 4) return 1;
  const nt_view &q = a->v[0], &k = a->v[1], &v = a->v[2];
  return nt_attn_limits(q.shape[0], q.shape[1], q.shape[2], k.shape[2], q.shape[3], v.shape[3], err) ? 0 : 1;
}

static inline int nt_attn_check_shape(const nt_view* v, const char* what, int nd, const int64_t* want, nt_error* err) {
  char got[128], exp[128];
  nt_view w;
  w.ndim = nd;
  for (int d = 0; d < nd; d++) w.shape[d] = want[d];
  if (v->ndim != nd) return nt_cu_fail(err, "%s has %d dims, expected %d", what, (int)v->ndim, nd);
  for (int d = 0; d < nd; d++)
    if (v->shape[d] != want[d])
      return nt_cu_fail(err, "%s has shape %s, expected %s", what, nt_cu_shape_str(v, got, sizeof got),
                        nt_cu_shape_str(&w, exp, sizeof exp));
  if (nd == 4 && v->shape[3] > 1 && v->strides[3] != 1)
    return nt_cu_fail(err, "%s has last-dim stride %lld, expected 1", what, (long long)v->strides[3]);
  return 0;
}

// The full contract of ops.def (attention: 5 views; attention_backward: 9), filling *d.
static inline int nt_attn_check(const nt_args* a, bool backward, nt_attn_dims* d, nt_error* err) {
  static const char* fwd_names[] = {"q", "k", "v", "out", "lse"};
  static const char* bwd_names[] = {"q", "k", "v", "out", "dout", "lse", "dq", "dk", "dv"};
  const char* const* names = backward ? bwd_names : fwd_names;
  const int nv = backward ? 9 : 5, lse_at = backward ? 5 : 4;
  if (a->nviews != nv) return nt_cu_fail(err, "expected %d views, got %d", nv, (int)a->nviews);
  for (int i = 0; i < nv; i++)
    if (nt_cu_check_view(&a->v[i], names[i], err)) return 1;
  const nt_view &q = a->v[0], &k = a->v[1], &v = a->v[2];
  if (q.ndim != 4 || k.ndim != 4 || v.ndim != 4)
    return nt_cu_fail(err, "q, k and v must be 4-D [B, H, len, head dim], got %d, %d and %d dims", (int)q.ndim,
                      (int)k.ndim, (int)v.ndim);
  const int dt = q.dtype;
  if (!nt_dtype_is_float(dt)) return nt_cu_fail(err, "q has dtype %s, expected a floating dtype", nt_dtype_name(dt));
  const int lse_dt = dt == NT_F64 ? NT_F64 : NT_F32;
  for (int i = 1; i < nv; i++) {
    const int want = i == lse_at ? lse_dt : dt;
    if (a->v[i].dtype != want)
      return nt_cu_fail(err, "%s has dtype %s, expected %s (q is %s)", names[i], nt_dtype_name(a->v[i].dtype),
                        nt_dtype_name(want), nt_dtype_name(dt));
  }
  d->B = q.shape[0], d->H = q.shape[1], d->L = q.shape[2], d->E = q.shape[3];
  d->S = k.shape[2], d->Ev = v.shape[3];
  d->dtype = dt;
  d->causal = a->i[0] != 0;
  const int64_t qs[4] = {d->B, d->H, d->L, d->E}, ks[4] = {d->B, d->H, d->S, d->E};
  const int64_t vs[4] = {d->B, d->H, d->S, d->Ev}, os[4] = {d->B, d->H, d->L, d->Ev};
  if (nt_attn_check_shape(&q, "q", 4, qs, err) || nt_attn_check_shape(&k, "k", 4, ks, err) ||
      nt_attn_check_shape(&v, "v", 4, vs, err) || nt_attn_check_shape(&a->v[3], "out", 4, os, err) ||
      nt_attn_check_shape(&a->v[lse_at], "lse", 3, qs, err))
    return 1;
  if (backward) {
    if (nt_attn_check_shape(&a->v[4], "dout", 4, os, err) || nt_attn_check_shape(&a->v[6], "dq", 4, qs, err) ||
        nt_attn_check_shape(&a->v[7], "dk", 4, ks, err) || nt_attn_check_shape(&a->v[8], "dv", 4, vs, err))
      return 1;
    for (int i = 6; i < 9; i++)
      if (!nt_view_is_contiguous(&a->v[i])) return nt_cu_fail(err, "%s must be contiguous", names[i]);
  }
  if (d->B * d->H > 0 && (d->L < 1 || d->S < 1))
    return nt_cu_fail(err, "L and S must be at least 1 (L=%lld, S=%lld)", (long long)d->L, (long long)d->S);
  return nt_attn_limits(d->B, d->H, d->L, d->S, d->E, d->Ev, err);
}
