// cuda-attention-test.cpp — the host-checkable half of the CUDA fused attention kernels
// (csrc/backends/cuda/attention-plan.h), run with g++ (no GPU, no CUDA headers): shared-memory
// layouts against wmma's alignment rules and the per-block limits, path choice, the key/query tile
// ranges under a causal mask against brute force, the grid's block -> tile map, the online-softmax
// merge under random tile splits, and a tile-by-tile model of the forward and backward algorithms
// (built from the same plan functions) against direct attention and finite differences.
// Not here: the kernels' thread mappings and wmma calls (they need a GPU).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <random>
#include <string>
#include <vector>

#include "backends/cuda/attention-plan.h"

#include "check.h"

static std::mt19937_64 g_rng(7);

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)(g_rng() % (uint64_t)(hi - lo + 1)); }
static double rndf() { return std::uniform_real_distribution<double>(-1, 1)(g_rng); }

// ---------------------------------------------------------------- layouts
template <class G>
static void check_layout_common(const char* name, size_t smem_cap) {
  CHECK(G::BYTES <= smem_cap, "%s needs %zu bytes of shared memory (cap %zu)", name, (size_t)G::BYTES, smem_cap);
  CHECK(G::LDH % 8 == 0, "%s: 16-bit ldm %d is a multiple of 8 (wmma)", name, G::LDH);
}

template <int D>
static void check_wfwd() {
  typedef nt_attn_wfwd<D> G;
  char name[32];
  snprintf(name, sizeof name, "forward wmma D=%d", D);
  check_layout_common<G>(name, NT_ATTN_SMEM_DEFAULT);  // the forward needs no opt-in
  CHECK(G::LDS % 4 == 0 && G::LDP % 8 == 0, "%s: ldm of the scratch tiles", name);
  CHECK(G::LDH >= D && G::LDS >= G::BN && G::LDP >= G::BN, "%s: rows hold a whole tile", name);
  CHECK(G::BM == 16 * G::WARPS, "%s: 16 query rows per warp", name);
  CHECK(G::BN % 16 == 0 && (D / 16) % (G::BN / 16) == 0, "%s: P.V column groups of BN/16 blocks tile D/16", name);
  const size_t offs[] = {G::K_OFF, G::V_OFF, G::Q_OFF, G::S_OFF, G::S_WARP, G::P_OFF, G::P_WARP};
  for (size_t o : offs) CHECK(o % 32 == 0, "%s: offset/size %zu is a multiple of 32 bytes", name, o);
  // wmma pointers: tile origins at 16-row and 16-column steps keep 32-byte alignment
  CHECK((16 * G::LDH * 2) % 32 == 0 && (16 * 2) % 32 == 0 && (16 * G::LDS * 4) % 32 == 0 && (16 * G::LDP * 2) % 32 == 0,
        "%s: fragment origins stay 32-byte aligned", name);
  CHECK(G::V_OFF >= G::K_OFF + (size_t)G::BN * G::LDH * 2 && G::S_OFF >= G::V_OFF + (size_t)G::BN * G::LDH * 2,
        "%s: K, V, scratch do not overlap", name);
  CHECK((size_t)G::BM * G::LDH * 2 <= G::S_OFF, "%s: Q's staging fits in the K/V area it aliases", name);
  CHECK(G::S_WARP >= (size_t)16 * G::LDS * 4 && G::P_OFF >= G::S_OFF + G::WARPS * G::S_WARP &&
        G::BYTES >= G::P_OFF + G::WARPS * (size_t)16 * G::LDP * 2, "%s: per-warp areas do not overlap", name);
}

template <int D>
static void check_wbwd() {
  typedef nt_attn_wbwd<D> G;
  char name[32];
  snprintf(name, sizeof name, "backward wmma D=%d", D);
  check_layout_common<G>(name, NT_ATTN_SMEM_MAX);
  CHECK(G::LDQ % 8 == 0 && G::LDF % 4 == 0, "%s: ldm of P/dS and the scratch", name);
  CHECK(G::LDF >= G::BM && G::LDF >= 16 && G::LDQ >= G::BM, "%s: scratch rows hold BM scores and a 16x16 block", name);
  CHECK(G::BN == 16 * G::WARPS && G::BM % 16 == 0, "%s: 16 keys per warp, whole 16-row query blocks", name);
  const size_t offs[] = {G::K_OFF, G::V_OFF, G::Q_OFF, G::DO_OFF, G::PDS_OFF, G::F_OFF, G::F_WARP, G::LSE_OFF};
  for (size_t o : offs) CHECK(o % 32 == 0, "%s: offset/size %zu is a multiple of 32 bytes", name, o);
  CHECK((16 * G::LDQ * 2) % 32 == 0 && (16 * G::LDF * 4) % 32 == 0, "%s: fragment origins stay 32-byte aligned", name);
  CHECK(G::V_OFF == (size_t)G::BN * G::LDH * 2 && G::Q_OFF == 2 * G::V_OFF &&
        G::DO_OFF == G::Q_OFF + (size_t)G::BM * G::LDH * 2 && G::PDS_OFF == G::DO_OFF + (size_t)G::BM * G::LDH * 2 &&
        G::F_OFF == G::PDS_OFF + (size_t)G::BN * G::LDQ * 2 && G::LSE_OFF == G::F_OFF + G::WARPS * G::F_WARP &&
        G::DL_OFF == G::LSE_OFF + (size_t)G::BM * 4 && G::BYTES == G::DL_OFF + (size_t)G::BM * 4,
        "%s: regions are laid end to end", name);
}

static void test_layouts() {
  check_wfwd<64>();
  check_wfwd<128>();
  check_wbwd<64>();
  check_wbwd<128>();
  // SIMT: every head dim up to the limit fits the opt-in cap; small ones need no opt-in.
  for (int csize : {4, 8})
    for (int E = 0; E <= NT_ATTN_MAX_HEAD_DIM; E++)
      for (int Ev = 0; Ev <= NT_ATTN_MAX_HEAD_DIM; Ev += (Ev < 8 ? 1 : 5)) {
        for (bool bwd : {false, true}) {
          const nt_attn_geom g = nt_attn_geometry(NT_ATTN_SIMT, bwd, csize, E, Ev);
          CHECK(g.smem <= NT_ATTN_SMEM_MAX, "SIMT %s csize %d E=%d Ev=%d needs %zu bytes", bwd ? "bwd" : "fwd", csize, E, Ev, g.smem);
          if (E <= 64 && Ev <= 64)
            CHECK(g.smem <= NT_ATTN_SMEM_DEFAULT, "SIMT %s csize %d E=%d Ev=%d fits 48 KiB", bwd ? "bwd" : "fwd", csize, E, Ev);
          CHECK(g.bn == 32 && g.bm % 4 == 0, "SIMT tiles: 32 keys (one per lane), whole rows per warp");
        }
        const nt_attn_simt_bwd_layout l = nt_attn_simt_bwd_carve(8, E, Ev);
        CHECK(l.v - l.k == 32 * (E + 1) && l.q - l.v == 32 * (Ev + 1) && l.dout - l.q == 8 * E && l.p - l.dout == 8 * Ev &&
              l.ds - l.p == 8 * 33 && l.lse - l.ds == 8 * 33 && l.dl - l.lse == 8 && l.elems - l.dl == 8,
              "SIMT backward regions laid end to end (E=%d Ev=%d)", E, Ev);
        const nt_attn_simt_fwd_layout f = nt_attn_simt_fwd_carve(16, E, Ev);
        CHECK(f.v - f.k == 32 * (E + 1) && f.q - f.v == 32 * Ev && f.elems - f.q == 16 * E, "SIMT forward regions (E=%d Ev=%d)", E, Ev);
      }
  CHECK(nt_attn_simt<float>::BM_FWD == 16 && nt_attn_simt<double>::BM_FWD == 8 && nt_attn_simt<float>::BM_BWD == 32 &&
        nt_attn_simt<double>::BM_BWD == 8 && nt_attn_simt<float>::KPW * nt_attn_simt<float>::WARPS == 32,
        "SIMT geometry");
  CHECK(NT_ATTN_THREADS == 32 * nt_attn_wfwd<64>::WARPS && NT_ATTN_THREADS == 32 * nt_attn_wbwd<128>::WARPS &&
        NT_ATTN_THREADS == 32 * nt_attn_simt<float>::WARPS, "4 warps per CTA everywhere");
}

static void test_paths() {
  CHECK(nt_attn_path_for(NT_BF16, 64, 64) == NT_ATTN_WMMA64, "bf16 64/64 -> wmma 64");
  CHECK(nt_attn_path_for(NT_F16, 16, 48) == NT_ATTN_WMMA64, "f16 16/48 -> wmma 64");
  CHECK(nt_attn_path_for(NT_BF16, 80, 64) == NT_ATTN_WMMA128, "bf16 80/64 -> wmma 128");
  CHECK(nt_attn_path_for(NT_F16, 128, 128) == NT_ATTN_WMMA128, "f16 128 -> wmma 128");
  CHECK(nt_attn_path_for(NT_BF16, 72, 64) == NT_ATTN_SIMT, "bf16 72 (not a multiple of 16) -> SIMT");
  CHECK(nt_attn_path_for(NT_BF16, 64, 0) == NT_ATTN_SIMT, "Ev = 0 -> SIMT");
  CHECK(nt_attn_path_for(NT_F32, 64, 64) == NT_ATTN_SIMT && nt_attn_path_for(NT_F64, 64, 64) == NT_ATTN_SIMT, "f32/f64 -> SIMT");
  CHECK(nt_attn_path_for(NT_F16, 144, 64) == NT_ATTN_SIMT, "over the limit is never wmma");
  const nt_attn_geom g = nt_attn_geometry(NT_ATTN_WMMA64, true, 4, 64, 64);
  CHECK(g.bm == 64 && g.bn == 64 && g.smem == nt_attn_wbwd<64>::BYTES, "wmma 64 backward geometry");
  const nt_attn_geom f = nt_attn_geometry(NT_ATTN_WMMA128, false, 4, 128, 128);
  CHECK(f.bm == 64 && f.bn == 32 && f.smem == nt_attn_wfwd<128>::BYTES, "wmma 128 forward geometry");
}

// ---------------------------------------------------------------- tile ranges and blocks
static void test_tile_ranges() {
  const int geoms[][2] = {{64, 64}, {64, 32}, {16, 32}, {8, 32}, {32, 64}, {32, 32}, {3, 2}, {1, 5}};
  for (int t = 0; t < 600; t++) {
    const int bm = geoms[t % 8][0], bn = geoms[t % 8][1];
    const int64_t L = rnd(1, t % 3 ? 150 : 9), S = rnd(1, t % 3 ? 150 : 9);
    const bool causal = t & 1;
    std::vector<int> fwd((size_t)(L * S), 0), bwd((size_t)(L * S), 0);
    bool tight = true;
    for (int64_t q0 = 0; q0 < L; q0 += bm) {
      const int64_t kend = nt_attn_fwd_key_end(q0, bm, L, S, causal);
      bool last_has_visible = false;
      for (int64_t k0 = 0; k0 < kend; k0 += bn)
        for (int64_t i = q0; i < q0 + bm; i++)
          for (int64_t j = k0; j < k0 + bn; j++) {
            if (!nt_attn_visible(i, j, L, S, causal)) continue;
            fwd[(size_t)(i * S + j)]++;
            if (k0 + bn >= kend) last_has_visible = true;
          }
      tight = tight && last_has_visible;
    }
    for (int64_t k0 = 0; k0 < S; k0 += bn) {
      const int64_t first = nt_attn_bwd_first_query_tile(k0, bm, L, causal);
      bool first_has_visible = false;
      for (int64_t qt = first; qt * bm < L; qt++)
        for (int64_t i = qt * bm; i < qt * bm + bm; i++)
          for (int64_t j = k0; j < k0 + bn; j++) {
            if (!nt_attn_visible(i, j, L, S, causal)) continue;
            bwd[(size_t)(i * S + j)]++;
            if (qt == first) first_has_visible = true;
          }
      // a key tile nobody sees (causal, k0 >= L) visits no query tile at all
      tight = tight && (first_has_visible || (causal && k0 >= L && first * bm >= L));
    }
    int bad_f = 0, bad_b = 0;
    for (int64_t i = 0; i < L; i++)
      for (int64_t j = 0; j < S; j++) {
        const int want = (!causal || j <= i) ? 1 : 0;
        bad_f += fwd[(size_t)(i * S + j)] != want;
        bad_b += bwd[(size_t)(i * S + j)] != want;
      }
    CHECK(bad_f == 0 && bad_b == 0, "bm=%d bn=%d L=%lld S=%lld causal=%d: every visible pair exactly once (fwd %d, bwd %d bad)",
          bm, bn, (long long)L, (long long)S, (int)causal, bad_f, bad_b);
    CHECK(tight, "bm=%d bn=%d L=%lld S=%lld causal=%d: no tile visited without a visible pair at its edge", bm, bn,
          (long long)L, (long long)S, (int)causal);
  }
  CHECK(!nt_attn_visible(3, 4, 10, 10, true) && nt_attn_visible(4, 4, 10, 10, true) && nt_attn_visible(3, 9, 10, 10, false),
        "causal is top-left aligned: j <= i");
  CHECK(!nt_attn_visible(10, 0, 10, 10, false) && !nt_attn_visible(0, 10, 10, 10, false), "rows and keys past the ends");
}

static void test_blocks() {
  for (int t = 0; t < 50; t++) {
    const int64_t bhc = rnd(1, 13), nt = rnd(1, 9);
    std::vector<int> seen((size_t)(bhc * nt), 0);
    bool order = true;
    int64_t prev_tile = nt;
    for (int64_t blk = 0; blk < bhc * nt; blk++) {
      int64_t bh, tile;
      nt_attn_fwd_block(blk, bhc, nt, &bh, &tile);
      if (bh >= 0 && bh < bhc && tile >= 0 && tile < nt) seen[(size_t)(bh * nt + tile)]++;
      order = order && tile <= prev_tile;
      prev_tile = tile;
    }
    int ok = 0;
    for (int s : seen) ok += s == 1;
    CHECK(ok == bhc * nt && order, "forward blocks cover every (bh, tile) once, longest (last) tiles first");
    std::fill(seen.begin(), seen.end(), 0);
    order = true;
    prev_tile = 0;
    for (int64_t blk = 0; blk < bhc * nt; blk++) {
      int64_t bh, tile;
      nt_attn_bwd_block(blk, bhc, &bh, &tile);
      if (bh >= 0 && bh < bhc && tile >= 0 && tile < nt) seen[(size_t)(bh * nt + tile)]++;
      order = order && tile >= prev_tile;
      prev_tile = tile;
    }
    ok = 0;
    for (int s : seen) ok += s == 1;
    CHECK(ok == bhc * nt && order, "backward blocks cover every (bh, tile) once, first key tiles first");
  }
}

// ---------------------------------------------------------------- online softmax
template <class C>
static void check_merge(double tol) {
  for (int t = 0; t < 400; t++) {
    const int n = (int)rnd(1, 60);
    std::vector<double> x((size_t)n), v((size_t)n);
    const int masked_prefix = (int)rnd(0, t % 4 == 0 ? n : n / 3);  // leading tiles may be fully masked
    for (int k = 0; k < n; k++) {
      const bool masked = k < masked_prefix || rnd(0, 4) == 0;
      x[(size_t)k] = masked ? -INFINITY : 30 * rndf();
      v[(size_t)k] = rndf();
    }
    // direct
    double mx = -INFINITY;
    for (double s : x) mx = s > mx ? s : mx;
    double l = 0, acc = 0;
    if (mx != -INFINITY)
      for (int k = 0; k < n; k++) l += exp2(x[(size_t)k] - mx), acc += exp2(x[(size_t)k] - mx) * v[(size_t)k];
    // tiled, random tile sizes
    nt_attn_row<C> r = nt_attn_row_init<C>();
    C o = 0;
    bool finite = true;
    for (int k0 = 0; k0 < n;) {
      const int k1 = (int)std::min<int64_t>(n, k0 + rnd(1, 9));
      C tmax = (C)-INFINITY;
      for (int k = k0; k < k1; k++) tmax = (C)x[(size_t)k] > tmax ? (C)x[(size_t)k] : tmax;
      C base;
      const C alpha = nt_attn_merge(r, tmax, &base);
      o *= alpha;
      for (int k = k0; k < k1; k++) {
        const C p = nt_attn_ex2((C)x[(size_t)k] - base);
        finite = finite && p == p;
        r.l += p;
        o += p * (C)v[(size_t)k];
      }
      k0 = k1;
    }
    if (mx == -INFINITY) {
      CHECK(r.l == 0 && o == 0 && finite && r.m == (C)-INFINITY, "fully masked row: sum 0, no NaN on the way");
    } else {
      const double lse = mx + log2(l), got_lse = (double)nt_attn_row_lse(r) / 0.69314718055994530942;
      CHECK(finite && fabs(got_lse - lse) <= tol * (1 + fabs(lse)), "lse %.9g vs %.9g (n=%d, masked prefix %d)", got_lse, lse, n,
            masked_prefix);
      CHECK(fabs((double)(o / r.l) - acc / l) <= tol * 4, "weighted mean %.9g vs %.9g", (double)(o / r.l), acc / l);
    }
  }
}

// ---------------------------------------------------------------- the algorithm, tile by tile
struct problem {
  int64_t L, S, E, Ev;
  bool causal;
  double scale;
  std::vector<double> q, k, v;  // [L][E], [S][E], [S][Ev]
};

static void direct_forward(const problem& P, std::vector<double>& out, std::vector<double>& lse) {
  out.assign((size_t)(P.L * P.Ev), 0);
  lse.assign((size_t)P.L, 0);
  for (int64_t i = 0; i < P.L; i++) {
    std::vector<double> s((size_t)P.S, -INFINITY);
    double mx = -INFINITY;
    for (int64_t j = 0; j < P.S; j++) {
      if (P.causal && j > i) continue;
      double d = 0;
      for (int64_t e = 0; e < P.E; e++) d += P.q[(size_t)(i * P.E + e)] * P.k[(size_t)(j * P.E + e)];
      s[(size_t)j] = P.scale * d;
      mx = std::max(mx, s[(size_t)j]);
    }
    double l = 0;
    for (int64_t j = 0; j < P.S; j++) l += exp(s[(size_t)j] - mx);
    lse[(size_t)i] = mx + log(l);
    for (int64_t j = 0; j < P.S; j++)
      for (int64_t c = 0; c < P.Ev; c++) out[(size_t)(i * P.Ev + c)] += exp(s[(size_t)j] - lse[(size_t)i]) * P.v[(size_t)(j * P.Ev + c)];
  }
}

static double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t x = 0; x < n; x++) s += a[x] * b[x];
  return s;
}

// The forward kernels' algorithm: query tiles of bm rows, key tiles of bn up to the causal end,
// nt_attn_merge per row and tile, normalise at the end.
static void tiled_forward(const problem& P, int bm, int bn, std::vector<double>& out, std::vector<double>& lse) {
  out.assign((size_t)(P.L * P.Ev), 0);
  lse.assign((size_t)P.L, 0);
  const double sl2 = P.scale * NT_ATTN_LOG2E;
  for (int64_t q0 = 0; q0 < P.L; q0 += bm) {
    std::vector<nt_attn_row<double>> rs((size_t)bm, nt_attn_row_init<double>());
    std::vector<double> o((size_t)(bm * P.Ev), 0);
    const int64_t kend = nt_attn_fwd_key_end(q0, bm, P.L, P.S, P.causal);
    for (int64_t k0 = 0; k0 < kend; k0 += bn)
      for (int r = 0; r < bm; r++) {
        const int64_t i = q0 + r;
        std::vector<double> x((size_t)bn, -INFINITY);
        double tmax = -INFINITY;
        for (int n = 0; n < bn; n++) {
          const int64_t j = k0 + n;
          if (!nt_attn_visible(i, j, P.L, P.S, P.causal)) continue;
          x[(size_t)n] = dot(&P.q[(size_t)(i * P.E)], &P.k[(size_t)(j * P.E)], P.E) * sl2;
          tmax = std::max(tmax, x[(size_t)n]);
        }
        double base;
        const double alpha = nt_attn_merge(rs[(size_t)r], tmax, &base);
        for (int64_t c = 0; c < P.Ev; c++) o[(size_t)(r * P.Ev + c)] *= alpha;
        for (int n = 0; n < bn; n++) {
          const double p = nt_attn_ex2(x[(size_t)n] - base);
          rs[(size_t)r].l += p;
          if (p != 0)
            for (int64_t c = 0; c < P.Ev; c++) o[(size_t)(r * P.Ev + c)] += p * P.v[(size_t)((k0 + n) * P.Ev + c)];
        }
      }
    for (int r = 0; r < bm && q0 + r < P.L; r++) {
      for (int64_t c = 0; c < P.Ev; c++) out[(size_t)((q0 + r) * P.Ev + c)] = o[(size_t)(r * P.Ev + c)] / rs[(size_t)r].l;
      lse[(size_t)(q0 + r)] = nt_attn_row_lse(rs[(size_t)r]);
    }
  }
}

// The backward kernels' algorithm: D = rowsum(dout * out); key tiles of bn; query tiles from the
// first that sees them; P recomputed from lse; dV, dK per key, dQ accumulated.
static void tiled_backward(const problem& P, int bm, int bn, const std::vector<double>& out, const std::vector<double>& lse,
                           const std::vector<double>& dout, std::vector<double>& dq, std::vector<double>& dk,
                           std::vector<double>& dv) {
  dq.assign((size_t)(P.L * P.E), 0);
  dk.assign((size_t)(P.S * P.E), 0);
  dv.assign((size_t)(P.S * P.Ev), 0);
  std::vector<double> D((size_t)P.L);
  for (int64_t i = 0; i < P.L; i++) D[(size_t)i] = dot(&dout[(size_t)(i * P.Ev)], &out[(size_t)(i * P.Ev)], P.Ev);
  const double sl2 = P.scale * NT_ATTN_LOG2E;
  for (int64_t k0 = 0; k0 < P.S; k0 += bn)
    for (int64_t qt = nt_attn_bwd_first_query_tile(k0, bm, P.L, P.causal); qt * bm < P.L; qt++)
      for (int64_t i = qt * bm; i < qt * bm + bm; i++)
        for (int64_t j = k0; j < k0 + bn; j++) {
          if (!nt_attn_visible(i, j, P.L, P.S, P.causal)) continue;
          const double p = nt_attn_ex2(dot(&P.q[(size_t)(i * P.E)], &P.k[(size_t)(j * P.E)], P.E) * sl2 - lse[(size_t)i] * NT_ATTN_LOG2E);
          const double dp = dot(&dout[(size_t)(i * P.Ev)], &P.v[(size_t)(j * P.Ev)], P.Ev);
          const double ds = p * (dp - D[(size_t)i]);
          for (int64_t c = 0; c < P.Ev; c++) dv[(size_t)(j * P.Ev + c)] += p * dout[(size_t)(i * P.Ev + c)];
          for (int64_t e = 0; e < P.E; e++) {
            dk[(size_t)(j * P.E + e)] += P.scale * ds * P.q[(size_t)(i * P.E + e)];
            dq[(size_t)(i * P.E + e)] += P.scale * ds * P.k[(size_t)(j * P.E + e)];
          }
        }
}

static problem random_problem(int64_t maxlen, int64_t maxdim) {
  problem P;
  P.L = rnd(1, maxlen), P.S = rnd(1, maxlen), P.E = rnd(0, maxdim), P.Ev = rnd(1, maxdim);
  P.causal = rnd(0, 1);
  P.scale = 0.3 + rndf() * 0.2;
  for (int64_t x = 0; x < P.L * P.E; x++) P.q.push_back(2 * rndf());
  for (int64_t x = 0; x < P.S * P.E; x++) P.k.push_back(2 * rndf());
  for (int64_t x = 0; x < P.S * P.Ev; x++) P.v.push_back(rndf());
  return P;
}

static double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = a.size() == b.size() ? 0 : INFINITY;
  for (size_t x = 0; x < a.size() && x < b.size(); x++) m = std::max(m, fabs(a[x] - b[x]));
  return m;
}

static void test_model() {
  const int geoms[][2] = {{2, 3}, {3, 2}, {4, 4}, {1, 1}, {5, 2}, {16, 32}, {64, 64}};
  for (int t = 0; t < 70; t++) {
    const int bm = geoms[t % 7][0], bn = geoms[t % 7][1];
    problem P = random_problem(t % 7 >= 5 ? 90 : 11, 5);
    std::vector<double> out0, lse0, out1, lse1;
    direct_forward(P, out0, lse0);
    tiled_forward(P, bm, bn, out1, lse1);
    CHECK(max_diff(out0, out1) < 1e-12 && max_diff(lse0, lse1) < 1e-12,
          "tiled forward = direct (bm=%d bn=%d L=%lld S=%lld E=%lld causal=%d): out %g, lse %g", bm, bn, (long long)P.L,
          (long long)P.S, (long long)P.E, (int)P.causal, max_diff(out0, out1), max_diff(lse0, lse1));
    if (P.L * P.S > 200) continue;
    // gradients of loss = sum(out * G) by central differences on the direct forward
    std::vector<double> G((size_t)(P.L * P.Ev));
    for (double& g : G) g = rndf();
    std::vector<double> dq, dk, dv;
    tiled_backward(P, bm, bn, out0, lse0, G, dq, dk, dv);
    const double h = 1e-6;
    auto loss = [&](const problem& Q) {
      std::vector<double> o, l;
      direct_forward(Q, o, l);
      return dot(o.data(), G.data(), (int64_t)o.size());
    };
    auto fd = [&](std::vector<double> problem::*m, std::vector<double>& want) {
      want.assign((P.*m).size(), 0);
      for (size_t x = 0; x < want.size(); x++) {
        problem Q = P;
        (Q.*m)[x] += h;
        const double up = loss(Q);
        (Q.*m)[x] -= 2 * h;
        want[x] = (up - loss(Q)) / (2 * h);
      }
    };
    std::vector<double> wq, wk, wv;
    fd(&problem::q, wq);
    fd(&problem::k, wk);
    fd(&problem::v, wv);
    CHECK(max_diff(dq, wq) < 1e-6 && max_diff(dk, wk) < 1e-6 && max_diff(dv, wv) < 1e-6,
          "tiled backward = finite differences (bm=%d bn=%d L=%lld S=%lld E=%lld Ev=%lld causal=%d): dq %g dk %g dv %g", bm,
          bn, (long long)P.L, (long long)P.S, (long long)P.E, (long long)P.Ev, (int)P.causal, max_diff(dq, wq),
          max_diff(dk, wk), max_diff(dv, wv));
  }
}

// ---------------------------------------------------------------- argument checks
struct arg_builder {
  nt_args a;
  arg_builder(bool backward, int dt, int64_t B, int64_t H, int64_t L, int64_t S, int64_t E, int64_t Ev) {
    memset(&a, 0, sizeof a);
    a.op = backward;
    a.nviews = backward ? 9 : 5;
    const int64_t q[4] = {B, H, L, E}, k[4] = {B, H, S, E}, v[4] = {B, H, S, Ev}, o[4] = {B, H, L, Ev};
    const int lse_dt = dt == NT_F64 ? NT_F64 : NT_F32;
    if (backward) {
      set(0, dt, q, 4), set(1, dt, k, 4), set(2, dt, v, 4), set(3, dt, o, 4), set(4, dt, o, 4), set(5, lse_dt, q, 3);
      set(6, dt, q, 4), set(7, dt, k, 4), set(8, dt, v, 4);
    } else {
      set(0, dt, q, 4), set(1, dt, k, 4), set(2, dt, v, 4), set(3, dt, o, 4), set(4, lse_dt, q, 3);
    }
  }
  void set(int i, int dt, const int64_t* shape, int nd) {
    nt_view& w = a.v[i];
    w.data = (void*)(uintptr_t)(0x10000 * (i + 1));
    w.dtype = dt;
    w.ndim = nd;
    int64_t st = 1;
    for (int d = nd - 1; d >= 0; d--) w.shape[d] = shape[d], w.strides[d] = st, st *= shape[d];
  }
};

static void expect_error(const nt_args& a, bool backward, const char* want, const char* what) {
  nt_attn_dims d;
  nt_error err;
  err.msg[0] = 0;
  const int rc = nt_attn_check(&a, backward, &d, &err);
  CHECK(rc != 0 && strstr(err.msg, want), "%s: expected an error containing '%s', got rc=%d '%s'", what, want, rc, err.msg);
}

static void test_checks() {
  nt_attn_dims d;
  nt_error err;
  {
    arg_builder f(false, NT_BF16, 2, 3, 5, 7, 64, 32);
    f.a.i[0] = 1;
    f.a.f[0] = 0.125;
    CHECK(nt_attn_check(&f.a, false, &d, &err) == 0 && d.B == 2 && d.H == 3 && d.L == 5 && d.S == 7 && d.E == 64 &&
          d.Ev == 32 && d.causal && d.dtype == NT_BF16, "a well-formed forward passes and fills the dims");
    arg_builder b(true, NT_F64, 1, 2, 3, 4, 5, 6);
    CHECK(nt_attn_check(&b.a, true, &d, &err) == 0 && !d.causal && d.dtype == NT_F64, "a well-formed float64 backward passes");
  }
  {
    arg_builder f(false, NT_F32, 2, 3, 5, 7, 8, 8);
    f.a.nviews = 4;
    expect_error(f.a, false, "expected 5 views, got 4", "view count");
  }
  {
    arg_builder f(false, NT_F32, 2, 3, 5, 7, 8, 8);
    f.a.v[0].ndim = 3;
    expect_error(f.a, false, "q, k and v must be 4-D", "q 3-D");
  }
  {
    arg_builder f(false, NT_I32, 2, 3, 5, 7, 8, 8);
    expect_error(f.a, false, "q has dtype int32, expected a floating dtype", "integer q");
  }
  {
    arg_builder f(false, NT_F32, 2, 3, 5, 7, 8, 8);
    f.a.v[1].dtype = NT_F16;
    expect_error(f.a, false, "k has dtype float16, expected float32", "mixed dtypes");
  }
  {
    arg_builder f(false, NT_BF16, 2, 3, 5, 7, 8, 8);
    f.a.v[4].dtype = NT_BF16;
    expect_error(f.a, false, "lse has dtype bfloat16, expected float32", "lse dtype for bfloat16");
    arg_builder g(true, NT_F64, 2, 3, 5, 7, 8, 8);
    g.a.v[5].dtype = NT_F32;
    expect_error(g.a, true, "lse has dtype float32, expected float64", "lse dtype for float64");
  }
  {
    arg_builder f(false, NT_F32, 2, 3, 5, 7, 8, 4);
    f.a.v[2].shape[2] = 6;
    expect_error(f.a, false, "v has shape [2, 3, 6, 4], expected [2, 3, 7, 4]", "v length differs from k");
    arg_builder g(false, NT_F32, 2, 3, 5, 7, 8, 4);
    g.a.v[4].shape[2] = 4;
    expect_error(g.a, false, "lse has shape [2, 3, 4], expected [2, 3, 5]", "lse shape");
    arg_builder h(true, NT_F32, 2, 3, 5, 7, 8, 4);
    h.a.v[4].shape[3] = 8;
    expect_error(h.a, true, "dout has shape", "dout shape");
  }
  {
    arg_builder f(false, NT_F32, 2, 3, 5, 7, 8, 4);
    f.a.v[3].strides[3] = 2;
    expect_error(f.a, false, "out has last-dim stride 2, expected 1", "strided last dim");
    arg_builder g(false, NT_F32, 2, 3, 5, 7, 1, 4);
    g.a.v[0].strides[3] = 9;  // a size-1 last dim may have any stride
    CHECK(nt_attn_check(&g.a, false, &d, &err) == 0, "head dim 1: its stride does not matter");
  }
  {
    arg_builder b(true, NT_F16, 2, 3, 5, 7, 8, 4);
    std::swap(b.a.v[6].strides[0], b.a.v[6].strides[1]);
    expect_error(b.a, true, "dq must be contiguous", "strided dq");
    arg_builder c(true, NT_F16, 2, 3, 5, 7, 8, 4);
    c.a.v[0].strides[0] = 1000, c.a.v[0].strides[2] = 100;  // strided inputs are fine
    CHECK(nt_attn_check(&c.a, true, &d, &err) == 0, "strided q is accepted");
  }
  {
    arg_builder f(false, NT_BF16, 2, 3, 5, 7, 160, 64);
    expect_error(f.a, false, "head dims up to 128 (q/k head dim 160, v head dim 64)", "head dim over the limit");
    arg_builder g(true, NT_F32, 2, 3, 5, 7, 64, 129);
    expect_error(g.a, true, "head dims up to 128", "v head dim over the limit");
    arg_builder h(false, NT_F32, 2, 3, 0, 7, 8, 8);
    expect_error(h.a, false, "L and S must be at least 1", "L = 0");
    arg_builder z(false, NT_F32, 0, 3, 0, 7, 8, 8);
    CHECK(nt_attn_check(&z.a, false, &d, &err) == 0, "B = 0: nothing to do, accepted");
    arg_builder n(false, NT_F32, 2, 3, 5, 7, 8, 8);
    n.a.v[2].shape[1] = -1;
    expect_error(n.a, false, "v has a negative size", "negative size");
    arg_builder big(false, NT_F32, 1 << 20, 1 << 10, 4096, 4096, 8, 8);
    expect_error(big.a, false, "at most 2^31 - 1 tiles", "grid too large");
  }
}

static void test_supports() {
  nt_args a;
  memset(&a, 0, sizeof a);
  a.nviews = NT_MAX_VIEWS;
  for (int v = 0; v < NT_MAX_VIEWS; v++) a.v[v].ndim = 1, a.v[v].shape[0] = 1, a.v[v].strides[0] = 1;
  nt_error err;
  for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16}) {
    for (int v = 0; v < NT_MAX_VIEWS; v++) a.v[v].dtype = dt;
    CHECK(nt_attn_supports(&a, &err) == 1, "the one-element probe says yes for %s", nt_dtype_name(dt));
  }
  for (int v = 0; v < NT_MAX_VIEWS; v++) a.v[v].dtype = NT_I64;
  err.msg[0] = 0;
  CHECK(nt_attn_supports(&a, &err) == 0 && strstr(err.msg, "attention takes float16, bfloat16, float32 or float64 on CUDA, got int64"),
        "the probe refuses int64: '%s'", err.msg);
  arg_builder ok(false, NT_BF16, 8, 12, 1024, 1024, 64, 64);
  CHECK(nt_attn_supports(&ok.a, &err) == 1, "the benchmark's shape is supported");
  arg_builder wide(true, NT_F16, 1, 1, 4, 4, 64, 256);
  err.msg[0] = 0;
  CHECK(nt_attn_supports(&wide.a, &err) == 0 && strstr(err.msg, "head dims up to 128"), "Ev = 256 refused: '%s'", err.msg);
}

static void test_rows_vec() {
  arg_builder f(false, NT_BF16, 2, 3, 5, 7, 64, 12);
  nt_view q = f.a.v[0];
  CHECK(nt_attn_rows_vec(&q), "contiguous bf16 [.., 64] at an aligned base: 16-byte rows");
  q.offset = 8;
  CHECK(nt_attn_rows_vec(&q), "offset of 8 elements keeps the alignment");
  q.offset = 4;
  CHECK(!nt_attn_rows_vec(&q), "offset of 4 elements does not");
  q.offset = 0, q.strides[2] = 3 * 64 + 4;
  CHECK(!nt_attn_rows_vec(&q), "a row stride that is not a multiple of 8 elements does not");
  q.strides[2] = 3 * 64 + 8, q.data = (void*)0x10002;
  CHECK(!nt_attn_rows_vec(&q), "a base 2 bytes off does not");
  CHECK(!nt_attn_rows_vec(&f.a.v[2]), "Ev = 12 is not a whole number of 8-element chunks");
  arg_builder g(false, NT_F32, 2, 3, 5, 7, 64, 64);
  CHECK(!nt_attn_rows_vec(&g.a.v[0]), "4-byte elements never take the 16-bit path");
}

int main() {
  test_layouts();
  test_paths();
  test_tile_ranges();
  test_blocks();
  check_merge<double>(1e-12);
  check_merge<float>(2e-5);
  test_model();
  test_checks();
  test_supports();
  test_rows_vec();
  return check_summary();
}
