// matmul.cu — the CUDA matmul kernel (out = alpha * a @ b + beta * out, batched, broadcast batch
// strides allowed): float32 (TF32 only when allowed), float64, float16 and bfloat16 (float32
// accumulation) through cuBLAS when it was found, else — and for integer dtypes — a built-in tiled
// GEMM. Operands cuBLAS cannot take as they are (no unit stride) are copied first.
// Not here: loading cuBLAS (cublas-loader.cpp) or the layout rules' tests (gemm-layout.h).
#include <atomic>
#include <string>

#include "cublas-api.h"
#include "cuda-common.cuh"
#include "gemm-layout.h"

namespace ntc {
namespace {

std::atomic<bool> g_tf32{false};
thread_local ntc_cublas_handle t_handle = nullptr;
thread_local bool t_no_cublas = false;

// ---------------------------------------------------------------- built-in tiled GEMM
struct gemm_p {
  const char* a;
  const char* b;
  char* c;
  int64_t m, n, k, rsa, csa, rsb, csb, rsc, csc, batch;
  nt_offcalc<3> boc;  // batch index -> (a, b, c) offsets
  double alpha, beta;
};

const int BM = 64, BN = 64, BK = 16;

template <class T, class A>
__global__ void __launch_bounds__(256) k_gemm(gemm_p p) {
  __shared__ A As[BK][BM + 1];
  __shared__ A Bs[BK][BN + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16, tid = threadIdx.x;
  const int64_t row0 = (int64_t)blockIdx.y * BM, col0 = (int64_t)blockIdx.x * BN;
  for (int64_t bi = blockIdx.z; bi < p.batch; bi += gridDim.z) {
    int64_t off[3];
    p.boc.get(bi, off);
    const T* a = (const T*)p.a + off[0];
    const T* b = (const T*)p.b + off[1];
    T* c = (T*)p.c + off[2];
    A acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
      for (int j = 0; j < 4; j++) acc[i][j] = A(0);
    for (int64_t k0 = 0; k0 < p.k; k0 += BK) {
#pragma unroll
      for (int e = 0; e < 4; e++) {  // 64 x 16 of a and 16 x 64 of b, 4 elements per thread each
        const int q = tid + e * 256;
        const int ar = q / BK, ak = q % BK, bk = q / BN, bc = q % BN;
        const int64_t gr = row0 + ar, gk = k0 + ak, gk2 = k0 + bk, gc = col0 + bc;
        As[ak][ar] = (gr < p.m && gk < p.k) ? (A)ld(a + gr * p.rsa + gk * p.csa) : A(0);
        Bs[bk][bc] = (gk2 < p.k && gc < p.n) ? (A)ld(b + gk2 * p.rsb + gc * p.csb) : A(0);
      }
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < BK; kk++) {
        A av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; i++) av[i] = As[kk][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; j++) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
          for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
      for (int j = 0; j < 4; j++) {
        const int64_t r = row0 + ty + 16 * i, col = col0 + tx + 16 * j;
        if (r >= p.m || col >= p.n) continue;
        T* q = c + r * p.rsc + col * p.csc;
        if constexpr (std::is_floating_point<A>::value) {
          A v = (A)p.alpha * acc[i][j];
          if (p.beta != 0) v += (A)p.beta * (A)ld(q);
          st(q, (nt_compute_t<T>)v);
        } else {  // integers: wrapping uint64 arithmetic, then a modular store
          unsigned long long v = (unsigned long long)(long long)p.alpha * acc[i][j];
          if (p.beta != 0) v += (unsigned long long)(long long)p.beta * (unsigned long long)(int64_t)*q;
          *q = (T)(int64_t)v;
        }
      }
  }
}

template <class T>
int run_tiled(const nt_args* args, const gemm_dims& g, nt_error* err) {
  typedef typename std::conditional<std::is_same<T, double>::value, double,
          typename std::conditional<nt_is_fp_storage<T>::value, float, unsigned long long>::type>::type A;
  const nt_view *a = &args->v[0], *b = &args->v[1], *c = &args->v[2];
  gemm_p p;
  p.a = (const char*)vptr<T>(*a), p.b = (const char*)vptr<T>(*b), p.c = (char*)vptr<T>(*c);
  p.m = g.m, p.n = g.n, p.k = g.k;
  p.rsa = g.rsa, p.csa = g.csa, p.rsb = g.rsb, p.csb = g.csb, p.rsc = g.rsc, p.csc = g.csc;
  p.batch = g.batch;
  p.boc = nt_make_offcalc<3>(g.nb, g.bshape, g.bst);
  p.alpha = args->f[0], p.beta = args->f[1];
  const int64_t gx = (g.n + BN - 1) / BN, gy = (g.m + BM - 1) / BM;
  if (gy > 65535) return nt_cu_fail(err, "matrix of %lld rows is too large for the built-in GEMM", (long long)g.m);
  const dim3 grid((unsigned)gx, (unsigned)gy, (unsigned)(g.batch < 65535 ? g.batch : 65535));
  k_gemm<T, A><<<grid, 256, 0, cur()->stream>>>(p);
  return launch_check(err);
}

// ---------------------------------------------------------------- cuBLAS
cudaDataType cuda_type(int dt) {
  return dt == NT_F64 ? CUDA_R_64F : dt == NT_F16 ? CUDA_R_16F : dt == NT_BF16 ? CUDA_R_16BF : CUDA_R_32F;
}

// A contiguous copy of view v in scratch (its operand description rewritten to row-major).
void* stage(const nt_view& v, nt_view* copy, bool fill, nt_error* err) {
  *copy = v;
  int64_t st = 1;
  for (int d = v.ndim - 1; d >= 0; d--) { copy->strides[d] = st; st *= v.shape[d]; }
  copy->offset = 0;
  void* p = scratch_alloc((size_t)(st ? st : 1) * nt_dtype_size(v.dtype), err);
  if (!p) return nullptr;
  copy->data = p;
  if (fill && copy_views(v, *copy, err)) { scratch_free(p); return nullptr; }
  return p;
}

int run_cublas(const ntc_cublas* L, const nt_args* args, nt_error* err) {
  if (!t_handle) {  // a cuBLAS that cannot start on this device leaves matmul to the built-in GEMM
    if (t_no_cublas || L->create(&t_handle) != 0) { t_handle = nullptr; t_no_cublas = true; return -1; }
  }
  if (L->set_stream(t_handle, cur()->stream) != 0) return nt_cu_fail(err, "cublasSetStream failed");
  nt_view a = args->v[0], b = args->v[1], c = args->v[2], cs;
  void *ta = nullptr, *tb = nullptr, *tc = nullptr;
  gemm_dims g = gemm_describe(&a, &b, &c);
  blas_plan bp = blas_plan_for(g);
  int rc = 0;
  // Operands that cuBLAS cannot read as they are become contiguous copies.
  if (!bp.a.ok && !(ta = stage(a, &a, true, err))) rc = 1;
  if (!rc && !bp.b.ok && !(tb = stage(b, &b, true, err))) rc = 1;
  if (!rc && !bp.c.ok && !(tc = stage(c, &cs, args->f[1] != 0, err))) rc = 1;
  if (!rc && (ta || tb || tc)) {
    g = gemm_describe(&a, &b, tc ? &cs : &c);
    bp = blas_plan_for(g);
  }
  if (!rc && !(bp.a.ok && bp.b.ok && bp.c.ok && bp.fits_int)) rc = -1;  // fall back to the tiled kernel
  if (!rc) {
    const int dt = a.dtype;
    const cudaDataType t = cuda_type(dt);
    const int compute = dt == NT_F64 ? NTC_CUBLAS_COMPUTE_64F
                        : (dt == NT_F32 && g_tf32.load()) ? NTC_CUBLAS_COMPUTE_32F_FAST_TF32 : NTC_CUBLAS_COMPUTE_32F;
    const double ad = args->f[0], bd = args->f[1];
    const float af = (float)ad, bf = (float)bd;
    const void* alpha = dt == NT_F64 ? (const void*)&ad : (const void*)&af;
    const void* beta = dt == NT_F64 ? (const void*)&bd : (const void*)&bf;
    const int es = nt_dtype_size(dt);
    const char* pa = (const char*)a.data + a.offset * es;
    const char* pb = (const char*)b.data + b.offset * es;
    char* pc = (char*)(tc ? cs.data : c.data) + (tc ? 0 : c.offset) * es;
    for (int64_t o = 0; o < bp.outer && !rc; o++) {
      int64_t oa, ob, oc;
      bp.outer_offsets(o, &oa, &ob, &oc);
      // Column-major C^T = B^T A^T (the plan already swapped operands for a column-major C).
      const char* A1 = bp.swapped ? pa : pb;
      const char* B1 = bp.swapped ? pb : pa;
      const int64_t o1 = bp.swapped ? oa : ob, o2 = bp.swapped ? ob : oa;
      const ntc_cublas_status s = L->gemm(
          t_handle, bp.x.trans ? NTC_CUBLAS_OP_T : NTC_CUBLAS_OP_N, bp.y.trans ? NTC_CUBLAS_OP_T : NTC_CUBLAS_OP_N, (int)bp.M, (int)bp.N,
          (int)bp.K, alpha, A1 + o1 * es, t, (int)bp.x.ld, bp.sx, B1 + o2 * es, t, (int)bp.y.ld, bp.sy, beta, pc + oc * es, t,
          (int)bp.ldc, bp.sc, (int)bp.count, compute, NTC_CUBLAS_GEMM_DEFAULT);
      if (s == 8 || s == 15) rc = -1;  // ARCH_MISMATCH, NOT_SUPPORTED: the built-in GEMM takes it
      else if (s != 0) rc = nt_cu_fail(err, "cublasGemmStridedBatchedEx failed with status %d", s);
    }
  }
  if (rc == 0 && tc) rc = copy_views(cs, c, err);
  if (ta) scratch_free(ta);
  if (tb) scratch_free(tb);
  if (tc) scratch_free(tc);
  return rc;
}

int check(const nt_args* args, nt_error* err) {
  if (args->nviews < 3) return nt_cu_fail(err, "expects 3 views (a, b, out), got %d", args->nviews);
  const nt_view *a = &args->v[0], *b = &args->v[1], *c = &args->v[2];
  for (int k = 0; k < 3; k++)
    if (nt_cu_check_view(&args->v[k], k == 2 ? "output" : "input", err)) return 1;
  if (a->dtype != b->dtype || a->dtype != c->dtype)
    return nt_cu_fail(err, "needs a, b and out of one dtype, got a %s, b %s and out %s", nt_dtype_name(a->dtype),
                      nt_dtype_name(b->dtype), nt_dtype_name(c->dtype));
  if (a->dtype == NT_BOOL) return nt_cu_fail(err, "does not support dtype %s", nt_dtype_name(a->dtype));
  const int nd = a->ndim;
  bool ok = nd >= 2 && b->ndim == nd && c->ndim == nd && b->shape[nd - 2] == a->shape[nd - 1] &&
            c->shape[nd - 2] == a->shape[nd - 2] && c->shape[nd - 1] == b->shape[nd - 1];
  for (int d = 0; ok && d < nd - 2; d++) ok = a->shape[d] == c->shape[d] && b->shape[d] == c->shape[d];
  if (!ok) {
    char s1[160], s2[160], s3[160];
    return nt_cu_fail(err, "shapes do not match: a %s @ b %s -> out %s (same ndim >= 2, batch dims broadcast, a [..., M, K], "
                      "b [..., K, N], out [..., M, N])", nt_cu_shape_str(a, s1, sizeof s1), nt_cu_shape_str(b, s2, sizeof s2),
                      nt_cu_shape_str(c, s3, sizeof s3));
  }
  if (!nt_dtype_is_float(a->dtype)) {
    for (double x : {args->f[0], args->f[1]})
      if (!(x == floor(x)) || fabs(x) > 9.2e18)
        return nt_cu_fail(err, "alpha and beta must be whole numbers for %s, got %g and %g", nt_dtype_name(a->dtype), args->f[0], args->f[1]);
  }
  return 0;
}

int k_matmul(const nt_args* args, nt_error* err) {
  if (check(args, err)) return 1;
  const nt_view *a = &args->v[0], *b = &args->v[1], *c = &args->v[2];
  if (nt_view_numel(c) == 0) return 0;
  const gemm_dims g = gemm_describe(a, b, c);
  const int dt = a->dtype;
  if (nt_dtype_is_float(dt) && g.k > 0) {
    const ntc_cublas* L = ntc_load_cublas(nullptr);
    if (L) {
      const int rc = run_cublas(L, args, err);
      if (rc >= 0) return rc;
    }
  }
  switch (dt) {
    case NT_F32: return run_tiled<float>(args, g, err);
    case NT_F64: return run_tiled<double>(args, g, err);
    case NT_F16: return run_tiled<nt_half>(args, g, err);
    case NT_BF16: return run_tiled<nt_bf16>(args, g, err);
    case NT_I32: return run_tiled<int32_t>(args, g, err);
    case NT_I64: return run_tiled<int64_t>(args, g, err);
    case NT_U8: return run_tiled<uint8_t>(args, g, err);
    default: return nt_cu_fail(err, "does not support dtype %s", nt_dtype_name(dt));
  }
}

}  // namespace
}  // namespace ntc

void ntc_register_matmul(nt_kernel_fn* s) { s[NT_OP_matmul] = ntc::k_matmul; }
void ntc_set_allow_tf32(bool on) { ntc::g_tf32.store(on); }
bool ntc_allow_tf32() { return ntc::g_tf32.load(); }

const char* ntc_blas_json() {
  static std::string s;
  std::string why;
  const ntc_cublas* L = ntc_load_cublas(&why);
  if (L) s = "{\"library\":\"cublas\",\"version\":\"" + L->version + "\",\"path\":\"" + L->path + "\"}";
  else s = "{\"library\":\"built-in\",\"reason\":\"cuBLAS was not found (libcublas.so.13, .12 or .11)\"}";
  return s.c_str();
}
