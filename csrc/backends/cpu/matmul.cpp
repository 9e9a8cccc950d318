// matmul.cpp — the CPU matmul kernel (out = alpha * a @ b + beta * out, batched): checks the views,
// sends float32/float64 to the loaded BLAS or the built-in GEMM, float16/bfloat16 through float32,
// and integer dtypes to a blocked loop. Not here: the GEMM (gemm.cpp), probing (blas-loader.cpp).
#include <limits.h>
#include <math.h>
#include <string.h>

#include <algorithm>
#include <string>
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

// Batches of small matrices go to the built-in GEMM when it can spread the batch over threads;
// BLAS takes them one at a time. Measured on 2 Zen 4 cores against OpenBLAS 0.3.21: per matrix,
// OpenBLAS's small-matrix kernels are 1.3-2x faster below 64^3 on one thread, so a batch only pays
// off built in when it is big enough to be threaded (kThreadedMacs = kParallelMinMacs in gemm.cpp).
const double kSmallBatchMacs = 96.0 * 96.0 * 96.0, kThreadedMacs = 1 << 20;

template <typename T>
bool want_blas(const gemm_args<T>& g) {
  if (g.k == 0 || g.m > INT_MAX || g.n > INT_MAX || g.k > INT_MAX) return false;
  const double macs = (double)g.m * (double)g.n * (double)g.k;
  if (g.batch.count > 1 && macs <= kSmallBatchMacs && macs * g.batch.count >= kThreadedMacs &&
      nt::num_threads() > 1)
    return false;
  return true;
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
  T* ta = oa.ok ? nullptr : (T*)t_copy_a.get(sizeof(T) * (size_t)(g.m * g.k));
  T* tb = ob.ok ? nullptr : (T*)t_copy_b.get(sizeof(T) * (size_t)(g.k * g.n));
  T* tc = oc.ok ? nullptr : (T*)t_copy_c.get(sizeof(T) * (size_t)(g.m * g.n));
  if ((!oa.ok && !ta) || (!ob.ok && !tb) || (!oc.ok && !tc))
    return nt_fail(err, "out of memory for a %lld x %lld x %lld matmul's operand copies",
                   (long long)g.m, (long long)g.k, (long long)g.n);
  blas_sync_threads();
  int64_t last_a = -1, last_b = -1;
  for (int64_t e = 0; e < g.batch.count; e++) {
    int64_t xa, xb, xc;
    g.batch.offsets(e, &xa, &xb, &xc);
    const T* pa = g.a + xa;
    const T* pb = g.b + xb;
    T* pc = g.c + xc;
    if (!oa.ok) {  // a broadcast over the batch is copied once
      if (xa != last_a) copy_matrix(pa, g.rsa, g.csa, g.m, g.k, ta, g.k, 1);
      last_a = xa, pa = ta;
    }
    if (!ob.ok) {
      if (xb != last_b) copy_matrix(pb, g.rsb, g.csb, g.k, g.n, tb, g.n, 1);
      last_b = xb, pb = tb;
    }
    if (!oc.ok && g.beta != T(0)) copy_matrix(pc, g.rsc, g.csc, g.m, g.n, tc, g.n, 1);
    call_gemm(L, oa.ok && oa.trans, ob.ok && ob.trans, g.m, g.n, g.k, g.alpha, pa,
              oa.ok ? oa.ld : g.k, pb, ob.ok ? ob.ld : g.n, g.beta, oc.ok ? pc : tc,
              oc.ok ? oc.ld : g.n);
    if (!oc.ok) copy_matrix(tc, g.n, 1, g.m, g.n, pc, g.rsc, g.csc);
  }
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
