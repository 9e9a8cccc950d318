// attention.cpp — the CPU fused attention kernels (ops.def: attention, attention_backward):
// softmax(scale q kᵀ [causal]) v per (batch, head, query block) with an online softmax over key
// blocks, so the [L, S] score matrix is never materialised; the backward recomputes the
// probabilities from lse (FlashAttention-2). Score tiles are kept transposed (keys x queries:
// Sᵀ = K Qᵀ, with Qᵀ packed once per task), so no tile is transposed per key block and the softmax
// steps run across queries. float32/float16/bfloat16 compute in float32 (16-bit tiles are widened),
// float64 in double. Operand tiles are copied dense first (strided rows of a [B, L, H, E] layout
// alias in L1; the copies cost ~1/BK of the products). Not here: the tile products, softmax steps
// and conversions (attention-tiles.h); masks, dropout, broadcasting, shape and dtype rules (lib
// decides when the fused op applies; the checks below only guard the layout the loops rely on).
#include <math.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <type_traits>

#include "../../core/dispatch.h"
#include "../../core/parallel.h"
#include "../../core/simd.h"
#include "attention-tiles.h"
#include "gemm.h"  // scratch_buffer
#include "kernels.h"

namespace {

using nt_cpu::scratch_buffer;
using namespace nt_attn;

const size_t kKeepScratch = size_t(16) << 20;  // a thread's bigger scratch is freed after its task

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

void nt_cpu_attention_force_portable(bool on) { nt_attn::force_portable().store(on); }

void nt_cpu_register_attention(nt_kernel_fn* slots) {
  slots[NT_OP_attention] = k_attention<false>;
  slots[NT_OP_attention_backward] = k_attention<true>;
}
