// matmul.cpp — the CPU matmul kernel (out = alpha * a @ b + beta * out, batched): checks the views,
// sends float32/float64 to the loaded BLAS or the built-in GEMM, float16/bfloat16 through float32,
// and integer dtypes to a blocked loop. Not here: the GEMM (gemm.cpp), probing (blas-loader.cpp).
#include <limits.h>
#include <math.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>
#include <utility>

#include "../../core/dispatch.h"
#include "../../core/parallel.h"
#include "blas-loader.h"
#include "gemm.h"
#include "kernels.h"

namespace nt_cpu {
namespace {

// Scratch for operand copies (BLAS path) and float32 staging (16-bit floats), on the queue thread.
thread_local scratch_buffer t_copy_a, t_copy_b, t_copy_c, t_half_a, t_half_b, t_half_c;
const size_t kKeepScratch = size_t(16) << 20;  // bigger buffers are freed after the call

void trim_scratch() {
  for (scratch_buffer* s : {&t_copy_a, &t_copy_b, &t_copy_c, &t_half_a, &t_half_b, &t_half_c})
    s->trim(kKeepScratch);
}

std::string shape_str(const nt_view* v) {
  std::string s = "[";
  for (int d = 0; d < v->ndim; d++) s += (d ? ", " : "") + std::to_string(v->shape[d]);
  return s + "]";
}

// Sizes, matrix strides and batch dims from the three views; data pointers are left to the caller.
template <typename T>
void describe(const nt_view* a, const nt_view* b, const nt_view* c, gemm_args<T>* g) {
  const int nd = a->ndim;
  g->m = a->shape[nd - 2], g->k = a->shape[nd - 1], g->n = b->shape[nd - 1];
  g->rsa = a->strides[nd - 2], g->csa = a->strides[nd - 1];
  g->rsb = b->strides[nd - 2], g->csb = b->strides[nd - 1];
  g->rsc = c->strides[nd - 2], g->csc = c->strides[nd - 1];
  g->batch.nd = nd - 2;
  g->batch.count = 1;
  for (int d = 0; d < nd - 2; d++) {
    g->batch.shape[d] = c->shape[d];
    g->batch.sa[d] = a->strides[d], g->batch.sb[d] = b->strides[d], g->batch.sc[d] = c->strides[d];
    g->batch.count *= c->shape[d];
  }
}

// ---------------------------------------------------------------- BLAS path (float32, float64)

// How a rows x cols matrix with strides (rs, cs) goes to row-major CBLAS: as is (ld = rs),
// transposed (ld = cs), or not at all (it must be copied). Size-1 dims may have any stride.
struct blas_operand {
  bool ok, trans;
  int64_t ld;
};

blas_operand blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if (cols == 1 || cs == 1) {
    int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : rs;
    if (ld >= std::max<int64_t>(cols, 1) && ld <= INT_MAX) return {true, false, ld};
  }
  if (rows == 1 || rs == 1) {
    int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : cs;
    if (ld >= std::max<int64_t>(rows, 1) && ld <= INT_MAX) return {true, true, ld};
  }
  return {false, false, 0};
}

template <typename S, typename D>
void copy_matrix(const S* src, int64_t rs, int64_t cs, int64_t rows, int64_t cols, D* dst,
                 int64_t drs, int64_t dcs) {
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) dst[i * drs + j * dcs] = src[i * rs + j * cs];
}

void call_gemm(const blas_lib* L, bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc) {
  L->sgemm(CBLAS_ROW_MAJOR, ta ? CBLAS_TRANS : CBLAS_NO_TRANS, tb ? CBLAS_TRANS : CBLAS_NO_TRANS,
           (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

void call_gemm(const blas_lib* L, bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha,
               const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
               int64_t ldc) {
  L->dgemm(CBLAS_ROW_MAJOR, ta ? CBLAS_TRANS : CBLAS_NO_TRANS, tb ? CBLAS_TRANS : CBLAS_NO_TRANS,
           (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

// BLAS runs on ONE thread per call (blas-loader.cpp sets the library so) and nodetensor's pool
// spreads the calls: one per batch entry, or per row (column) block of a matrix, claimed from a
// shared counter. Only a single matrix of >= kLibraryThreadsMacs goes to the library's own threads
// (blas_set_threads around the call), as PyTorch does for every size. Measured with
// bench/gemm-kernel.cpp on 2 cores, OpenBLAS 0.3.21 ("Cooperlake" kernels), ms per 128^3 / 512^3:
//                                   both cores free     one busy process beside
//   OpenBLAS's 2 threads              0.036 / 1.43         0.050-0.055 / 2.7-4.0
//   4 blocks on our pool              0.022 / 1.48         0.034-0.036 / 2.4-2.6
//   one thread                        0.045 / 2.9          0.043-0.045 / 2.7-2.8
// - OpenBLAS splits a call statically between its threads, so one preempted thread stalls it, and
//   its idle threads spin on sched_yield for ~0.1 s after each call, against our pool's threads
//   running the elementwise ops in between (an MLP training step spent 1.3 s of 3 s in the kernel
//   that way); our blocks go to whichever thread is running.
// - On one thread, OpenBLAS takes its unpacked "direct" kernel for blocks below 7.3M multiply-adds
//   (row-major, no transposes, alpha 1, beta 0); bigger blocks each re-pack the operand they share,
//   a few percent at 1024^3 where its threads share one packed copy: hence kLibraryThreadsMacs.
// - This needs the pool's short spin-then-yield waits (core/parallel.cpp): with 100 us spins our
//   blocks lost to OpenBLAS by a third at 128^3 whenever only one core was free.
// Libraries we cannot set to one thread (Accelerate, ATLAS) get one call per matrix, in turn.
const double kBlasParallelMacs = 1 << 20;     // below: one thread (as gemm.cpp's kParallelMinMacs)
const double kBlasBlockMacs = 1 << 19;        // a block of one matrix does at least this much
const double kLibraryThreadsMacs = 1 << 28;  // one matrix this big: the library's own threads

template <typename T>
bool want_blas(const gemm_args<T>& g) {
  return g.k != 0 && g.m <= INT_MAX && g.n <= INT_MAX && g.k <= INT_MAX;
}

// One matrix's operands as BLAS sees them (after copies).
template <typename T>
struct blas_call {
  bool ta, tb;
  const T *a, *b;
  T* c;
  int64_t lda, ldb, ldc;
};

// Rows [r0, r1) (split_rows) or columns [r0, r1) of C of one call.
template <typename T>
void call_block(const blas_lib* L, const gemm_args<T>& g, const blas_call<T>& x, bool split_rows,
                int64_t r0, int64_t r1) {
  if (split_rows) {  // rows of A (op(A) rows: A rows, or A^T columns) and of C
    const T* a = x.a + r0 * (x.ta ? 1 : x.lda);
    call_gemm(L, x.ta, x.tb, r1 - r0, g.n, g.k, g.alpha, a, x.lda, x.b, x.ldb, g.beta,
              x.c + r0 * x.ldc, x.ldc);
  } else {  // columns of op(B) and of C
    const T* b = x.b + r0 * (x.tb ? x.ldb : 1);
    call_gemm(L, x.ta, x.tb, g.m, r1 - r0, g.k, g.alpha, x.a, x.lda, b, x.ldb, g.beta, x.c + r0,
              x.ldc);
  }
}

template <typename T>
int run_blas(const blas_lib* L, gemm_args<T> g, nt_error* err) {
  blas_operand oc = blas_layout(g.m, g.n, g.rsc, g.csc);
  if (oc.ok && oc.trans) {
    // Column-major C: compute C^T = B^T @ A^T instead, which CBLAS sees as row-major.
    std::swap(g.m, g.n);
    const T* a = g.a;
    g.a = g.b, g.b = a;
    int64_t rsa = g.rsa, csa = g.csa;
    g.rsa = g.csb, g.csa = g.rsb, g.rsb = csa, g.csb = rsa;
    std::swap(g.rsc, g.csc);
    for (int d = 0; d < g.batch.nd; d++) std::swap(g.batch.sa[d], g.batch.sb[d]);
    oc.trans = false;
  }
  const blas_operand oa = blas_layout(g.m, g.k, g.rsa, g.csa);
  const blas_operand ob = blas_layout(g.k, g.n, g.rsb, g.csb);
  const bool copies = !oa.ok || !ob.ok || !oc.ok;
  const int64_t count = g.batch.count;
  const double macs1 = (double)g.m * (double)g.n * (double)g.k;
  int nth = L->single_threaded && macs1 * (double)count >= kBlasParallelMacs ? nt::num_threads() : 1;
  // Big matrices, fewer than there are threads: the library's own threads, one matrix at a time.
  int lib_threads = 1;
  if (nth > 1 && count < nth && macs1 >= kLibraryThreadsMacs) lib_threads = nth, nth = 1;
  // Blocks per matrix: enough tasks for two per thread, each block doing >= kBlasBlockMacs, along
  // the longer of M and N (a row block re-packs all of B, a column block all of A), in steps of 16.
  const bool split_rows = g.m >= g.n;
  const int64_t len = split_rows ? g.m : g.n;
  int64_t parts = 1;
  if (nth > 1 && count < 2 * nth && (count == 1 || !copies)) {
    parts = (2 * nth + count - 1) / count;
    parts = std::min<int64_t>(parts, (int64_t)(macs1 / kBlasBlockMacs));
    parts = std::min<int64_t>(parts, (len + 15) / 16);
    parts = std::max<int64_t>(parts, 1);
  }
  const int64_t tasks = count * parts;
  if (tasks < 2) nth = 1;
  // Copies of operands CBLAS cannot take as they are (both strides > 1). One matrix: copied here,
  // then its blocks run in parallel. Several: each task copies its own entry, into its thread's
  // buffers (a broadcast operand is copied once per thread).
  auto entry = [&](int64_t e, int64_t* last_a, int64_t* last_b, blas_call<T>* x) -> bool {
    int64_t xa, xb, xc;
    g.batch.offsets(e, &xa, &xb, &xc);
    x->ta = oa.ok && oa.trans, x->tb = ob.ok && ob.trans;
    x->a = g.a + xa, x->b = g.b + xb, x->c = g.c + xc;
    x->lda = oa.ok ? oa.ld : g.k, x->ldb = ob.ok ? ob.ld : g.n, x->ldc = oc.ok ? oc.ld : g.n;
    if (!oa.ok) {
      T* ta = (T*)t_copy_a.get(sizeof(T) * (size_t)(g.m * g.k));
      if (!ta) return false;
      if (xa != *last_a) copy_matrix(x->a, g.rsa, g.csa, g.m, g.k, ta, g.k, 1);
      *last_a = xa, x->a = ta;
    }
    if (!ob.ok) {
      T* tb = (T*)t_copy_b.get(sizeof(T) * (size_t)(g.k * g.n));
      if (!tb) return false;
      if (xb != *last_b) copy_matrix(x->b, g.rsb, g.csb, g.k, g.n, tb, g.n, 1);
      *last_b = xb, x->b = tb;
    }
    if (!oc.ok) {
      T* tc = (T*)t_copy_c.get(sizeof(T) * (size_t)(g.m * g.n));
      if (!tc) return false;
      if (g.beta != T(0)) copy_matrix(x->c, g.rsc, g.csc, g.m, g.n, tc, g.n, 1);
      x->c = tc;
    }
    return true;
  };
  auto finish = [&](int64_t e, const blas_call<T>& x) {
    if (oc.ok) return;
    int64_t xa, xb, xc;
    g.batch.offsets(e, &xa, &xb, &xc);
    copy_matrix(x.c, g.n, 1, g.m, g.n, g.c + xc, g.rsc, g.csc);
  };
  // One whole batch entry on this thread; false when its copies could not be allocated.
  auto whole = [&](int64_t e, int64_t* last_a, int64_t* last_b) -> bool {
    blas_call<T> x;
    if (!entry(e, last_a, last_b, &x)) return false;
    call_block(L, g, x, split_rows, 0, len);
    finish(e, x);
    return true;
  };
  std::atomic<bool> oom{false};
  if (nth == 1) {
    if (lib_threads > 1) blas_set_threads(lib_threads);
    int64_t last_a = -1, last_b = -1;
    for (int64_t e = 0; e < count && !oom; e++) oom = !whole(e, &last_a, &last_b);
    if (lib_threads > 1) blas_set_threads(1);
  } else if (parts > 1) {
    // Blocks of each matrix; copies are only made here when there is one matrix (count == 1).
    blas_call<T> x0;
    int64_t last_a = -1, last_b = -1;
    if (copies && !entry(0, &last_a, &last_b, &x0)) {
      oom = true;
    } else {
      const int64_t units = (len + 15) / 16;  // blocks on a 16-element grid: one ragged edge
      std::atomic<int64_t> next{0};
      nt::parallel_for(0, std::min<int64_t>(nth, tasks), 1, [&](int64_t, int64_t) {
        for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
          const int64_t e = t / parts, p = t % parts;
          blas_call<T> x = x0;
          int64_t no_a = -1, no_b = -1;
          if (!copies) entry(e, &no_a, &no_b, &x);  // no copies: pointer arithmetic only
          const int64_t r0 = std::min(len, units * p / parts * 16);
          const int64_t r1 = std::min(len, units * (p + 1) / parts * 16);
          if (r1 > r0) call_block(L, g, x, split_rows, r0, r1);
        }
      });
      if (copies) finish(0, x0);
    }
  } else {
    // Whole batch entries, claimed by the pool's threads.
    std::atomic<int64_t> next{0};
    nt::parallel_for(0, std::min<int64_t>(nth, tasks), 1, [&](int64_t, int64_t) {
      int64_t last_a = -1, last_b = -1;
      for (int64_t e; (e = next.fetch_add(1, std::memory_order_relaxed)) < count;) {
        if (!whole(e, &last_a, &last_b)) {
          oom = true;
          break;
        }
      }
      if (copies) trim_scratch();  // pool threads keep their thread_local copies otherwise
    });
  }
  if (oom)
    return nt_fail(err, "out of memory for a %lld x %lld x %lld matmul's operand copies",
                   (long long)g.m, (long long)g.k, (long long)g.n);
  return 0;
}

template <typename T>
int run_float(const gemm_args<T>& g, nt_error* err) {
  const blas_lib* L = blas();
  if (L && want_blas(g)) return run_blas(L, g, err);
  gemm(g);
  return 0;
}

template <typename T>
int run_plain(const nt_args* args, nt_error* err) {
  gemm_args<T> g;
  describe(&args->v[0], &args->v[1], &args->v[2], &g);
  g.alpha = (T)args->f[0], g.beta = (T)args->f[1];
  g.a = nt_view_ptr<T>(&args->v[0]), g.b = nt_view_ptr<T>(&args->v[1]);
  g.c = nt_view_ptr<T>(&args->v[2]);
  return run_float(g, err);
}

// ---------------------------------------------------------------- float16 / bfloat16 via float32

// A float32 staging layout for one view's matrices: row-major, and one copy per distinct matrix
// (batch dims the view broadcasts get stride 0 rather than repeated copies).
struct staging {
  gemm_batch it;                  // distinct matrices: sa = view's strides, sc = staging strides
  int64_t bstride[NT_MAX_DIMS];   // staging batch strides over all batch dims (for the GEMM)
  int64_t elems;                  // floats needed
};

staging make_staging(const nt_view* v, int64_t rows, int64_t cols, bool keep_broadcast) {
  staging s;
  const int nb = v->ndim - 2;
  int64_t running = rows * cols;
  for (int d = nb - 1; d >= 0; d--) {
    const bool bcast = keep_broadcast && (v->strides[d] == 0 || v->shape[d] == 1);
    s.bstride[d] = bcast ? 0 : running;
    if (!bcast) running *= v->shape[d];
  }
  s.elems = running;
  s.it.nd = 0;
  s.it.count = 1;
  for (int d = 0; d < nb; d++) {
    if (keep_broadcast && (v->strides[d] == 0 || v->shape[d] == 1)) continue;
    s.it.shape[s.it.nd] = v->shape[d];
    s.it.sa[s.it.nd] = v->strides[d], s.it.sb[s.it.nd] = 0, s.it.sc[s.it.nd] = s.bstride[d];
    s.it.nd++;
    s.it.count *= v->shape[d];
  }
  return s;
}

// to_float: staging <- view; else view <- staging. Rows are spread over threads.
template <typename H>
void stage(const nt_view* v, const staging& s, int64_t rows, int64_t cols, float* f,
           bool to_float) {
  H* base = (H*)v->data + v->offset;
  const int64_t rs = v->strides[v->ndim - 2], cs = v->strides[v->ndim - 1];
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1));
  nt::parallel_for(0, s.it.count * rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      int64_t xv, unused, xf;
      s.it.offsets(t / rows, &xv, &unused, &xf);
      const int64_t i = t % rows;
      H* p = base + xv + i * rs;
      float* q = f + xf + i * cols;
      if (to_float)
        for (int64_t j = 0; j < cols; j++) q[j] = nt_load(p + j * cs);
      else
        for (int64_t j = 0; j < cols; j++) nt_store(p + j * cs, q[j]);
    }
  });
}

template <typename H>
int run_half(const nt_args* args, nt_error* err) {
  const nt_view *a = &args->v[0], *b = &args->v[1], *c = &args->v[2];
  gemm_args<float> g;
  describe(a, b, c, &g);
  const staging sa = make_staging(a, g.m, g.k, true), sb = make_staging(b, g.k, g.n, true);
  const staging sc = make_staging(c, g.m, g.n, false);
  float* fa = (float*)t_half_a.get(sizeof(float) * (size_t)sa.elems);
  float* fb = (float*)t_half_b.get(sizeof(float) * (size_t)sb.elems);
  float* fc = (float*)t_half_c.get(sizeof(float) * (size_t)sc.elems);
  if ((sa.elems && !fa) || (sb.elems && !fb) || !fc)
    return nt_fail(err, "out of memory staging a %s matmul in float32", nt_dtype_name(a->dtype));
  g.alpha = (float)args->f[0], g.beta = (float)args->f[1];
  stage<H>(a, sa, g.m, g.k, fa, true);
  stage<H>(b, sb, g.k, g.n, fb, true);
  if (g.beta != 0.0f) stage<H>(c, sc, g.m, g.n, fc, true);
  g.a = fa, g.rsa = g.k, g.csa = 1;
  g.b = fb, g.rsb = g.n, g.csb = 1;
  g.c = fc, g.rsc = g.n, g.csc = 1;
  for (int d = 0; d < g.batch.nd; d++)
    g.batch.sa[d] = sa.bstride[d], g.batch.sb[d] = sb.bstride[d], g.batch.sc[d] = sc.bstride[d];
  if (run_float(g, err)) return 1;
  stage<H>(c, sc, g.m, g.n, fc, false);
  return 0;
}

// ---------------------------------------------------------------- integers

// Integer matmul: int64 accumulation in unsigned arithmetic (wraps, never UB), then alpha/beta and
// a wrapping store. Rows of C are spread over threads; C is done in column blocks of kNB.
template <typename T>
int run_int(const nt_args* args, nt_error* err) {
  const double fa = args->f[0], fb = args->f[1];
  for (double x : {fa, fb})
    if (!(x == floor(x)) || fabs(x) > 9.2e18)
      return nt_fail(err, "alpha and beta must be whole numbers for %s, got %g and %g",
                     nt_dtype_name(args->v[0].dtype), fa, fb);
  const uint64_t alpha = (uint64_t)(int64_t)fa, beta = (uint64_t)(int64_t)fb;
  gemm_args<T> g;
  describe(&args->v[0], &args->v[1], &args->v[2], &g);
  const T* A = nt_view_ptr<T>(&args->v[0]);
  const T* B = nt_view_ptr<T>(&args->v[1]);
  T* C = nt_view_ptr<T>(&args->v[2]);
  const int64_t kNB = 256;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, g.n * g.k));
  nt::parallel_for(0, g.batch.count * g.m, grain, [&](int64_t lo, int64_t hi) {
    uint64_t acc[kNB];
    for (int64_t t = lo; t < hi; t++) {
      int64_t xa, xb, xc;
      g.batch.offsets(t / g.m, &xa, &xb, &xc);
      const int64_t i = t % g.m;
      const T* arow = A + xa + i * g.rsa;
      T* crow = C + xc + i * g.rsc;
      for (int64_t j0 = 0; j0 < g.n; j0 += kNB) {
        const int64_t nb = std::min(kNB, g.n - j0);
        for (int64_t j = 0; j < nb; j++) acc[j] = 0;
        for (int64_t p = 0; p < g.k; p++) {
          const uint64_t av = (uint64_t)(int64_t)arow[p * g.csa];
          const T* brow = B + xb + p * g.rsb + j0 * g.csb;
          if (g.csb == 1)
            for (int64_t j = 0; j < nb; j++) acc[j] += av * (uint64_t)(int64_t)brow[j];
          else
            for (int64_t j = 0; j < nb; j++) acc[j] += av * (uint64_t)(int64_t)brow[j * g.csb];
        }
        for (int64_t j = 0; j < nb; j++) {
          T* q = crow + (j0 + j) * g.csc;
          uint64_t v = alpha * acc[j];
          if (beta != 0) v += beta * (uint64_t)(int64_t)*q;
          *q = (T)(int64_t)v;  // NOTE: modular narrowing (defined by g++, not UB)
        }
      }
    }
  });
  (void)err;
  return 0;
}

// ---------------------------------------------------------------- the kernel

int check(const nt_args* args, nt_error* err) {
  if (args->nviews < 3) return nt_fail(err, "expects 3 views (a, b, out), got %d", args->nviews);
  const nt_view *a = &args->v[0], *b = &args->v[1], *c = &args->v[2];
  if (a->dtype != b->dtype || a->dtype != c->dtype)
    return nt_fail(err, "needs a, b and out of one dtype, got a %s, b %s and out %s",
                   nt_dtype_name(a->dtype), nt_dtype_name(b->dtype), nt_dtype_name(c->dtype));
  if (a->dtype == NT_BOOL || nt_dtype_size(a->dtype) == 0)
    return nt_fail(err, "does not support dtype %s", nt_dtype_name(a->dtype));
  const int nd = a->ndim;
  bool ok = nd >= 2 && nd <= NT_MAX_DIMS && b->ndim == nd && c->ndim == nd &&
            b->shape[nd - 2] == a->shape[nd - 1] && c->shape[nd - 2] == a->shape[nd - 2] &&
            c->shape[nd - 1] == b->shape[nd - 1];
  for (int d = 0; ok && d < nd - 2; d++)
    ok = a->shape[d] == c->shape[d] && b->shape[d] == c->shape[d];
  if (!ok)
    return nt_fail(err, "shapes do not match: a %s @ b %s -> out %s (same ndim >= 2, batch dims "
                   "broadcast, a [..., M, K], b [..., K, N], out [..., M, N])",
                   shape_str(a).c_str(), shape_str(b).c_str(), shape_str(c).c_str());
  return 0;
}

int matmul_kernel(const nt_args* args, nt_error* err) {
  if (check(args, err)) return 1;
  const nt_view* c = &args->v[2];
  if (nt_view_numel(c) == 0) return 0;  // M, N or a batch dim is 0 (K == 0 still writes out)
  int rc = 0;
  switch (c->dtype) {
    case NT_F32: rc = run_plain<float>(args, err); break;
    case NT_F64: rc = run_plain<double>(args, err); break;
    case NT_F16: rc = run_half<nt_half>(args, err); break;
    case NT_BF16: rc = run_half<nt_bf16>(args, err); break;
    case NT_I32: rc = run_int<int32_t>(args, err); break;
    case NT_I64: rc = run_int<int64_t>(args, err); break;
    case NT_U8: rc = run_int<uint8_t>(args, err); break;
    default: rc = nt_fail(err, "does not support dtype %s", nt_dtype_name(c->dtype));
  }
  trim_scratch();
  return rc;
}

}  // namespace
}  // namespace nt_cpu

void nt_cpu_register_matmul(nt_kernel_fn* slots) { slots[NT_OP_matmul] = nt_cpu::matmul_kernel; }
