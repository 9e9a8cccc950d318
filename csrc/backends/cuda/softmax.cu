// softmax.cu — CUDA kernels for softmax and log_softmax along one dim (float dtypes; 16-bit floats
// compute in float). Rows of up to 1024 contiguous elements: one warp per row, values kept in
// registers (one read, one write). Longer contiguous rows: one block per row, an online max/sum
// pass then a write pass (from shared memory up to 32 KiB rows). Any other layout: one thread per
// line, online. Not here: cumsum (scan.cu).
#include <math.h>

#include "combine.h"
#include "cuda-common.cuh"

namespace ntc {
namespace {

struct sm_args {
  const char* in;
  char* out;
  nt_offcalc<2> oc;  // line index -> line start in (in, out), relative to in/out
  int64_t count, len, si, so;
};

template <class C> __device__ __forceinline__ C ex(C x) { return exp(x); }
template <> __device__ __forceinline__ float ex<float>(float x) { return expf(x); }
template <class C> __device__ __forceinline__ C lg(C x) { return log(x); }
template <> __device__ __forceinline__ float lg<float>(float x) { return logf(x); }

template <class C, bool LOG> __device__ __forceinline__ C finish(C x, C m, C s) {
  return LOG ? (x - m) - lg(s) : ex(x - m) / s;
}

// One warp per contiguous row of len <= 32 * E.
template <class T, int E, bool LOG>
__global__ void __launch_bounds__(256) k_softmax_warp(sm_args a) {
  typedef nt_compute_t<T> C;
  const int lane = threadIdx.x & 31;
  const int64_t row = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  if (row >= a.count) return;
  int64_t off[2];
  a.oc.get(row, off);
  const T* x = (const T*)a.in + off[0];
  T* y = (T*)a.out + off[1];
  const int len = (int)a.len;
  C v[E];
  C mx = -INFINITY;
#pragma unroll
  for (int i = 0; i < E; i++) {
    const int c = i * 32 + lane;
    v[i] = c < len ? ld(x + c) : (C)-INFINITY;
    mx = v[i] > mx ? v[i] : mx;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const C t = __shfl_xor_sync(0xffffffffu, mx, o);
    mx = t > mx ? t : mx;
  }
  C s = 0;
#pragma unroll
  for (int i = 0; i < E; i++) {
    if (i * 32 + lane < len) {
      const C e = ex(v[i] - mx);
      if (!LOG) v[i] = e;
      s += e;
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  const C t = LOG ? lg(s) : C(1) / s;
#pragma unroll
  for (int i = 0; i < E; i++) {
    const int c = i * 32 + lane;
    if (c < len) st(y + c, LOG ? (v[i] - mx) - t : v[i] * t);
  }
}

// One block per contiguous row (any length). Rows that fit (`cached`) are kept in shared memory
// between the two passes, so the input is read once.
template <class T, bool LOG>
__global__ void __launch_bounds__(512) k_softmax_block(sm_args a, bool cached) {
  typedef nt_compute_t<T> C;
  __shared__ nt_msum<C> part[32];
  extern __shared__ unsigned long long row_u[];
  T* row = (T*)row_u;
  int64_t off[2];
  a.oc.get(blockIdx.x, off);
  const T* x = (const T*)a.in + off[0];
  T* y = (T*)a.out + off[1];
  nt_msum<C> acc{(C)-INFINITY, 0};
  for (int64_t c = threadIdx.x; c < a.len; c += blockDim.x) {
    const T v = x[c];
    if (cached) row[c] = v;
    nt_msum_add(acc, (C)ld(&v));
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    nt_msum<C> b{__shfl_xor_sync(0xffffffffu, acc.m, o), __shfl_xor_sync(0xffffffffu, acc.s, o)};
    acc = nt_msum_merge(acc, b);
  }
  const int warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
  if ((threadIdx.x & 31) == 0) part[warp] = acc;
  __syncthreads();
  nt_msum<C> tot = part[0];
  for (int w = 1; w < nw; w++) tot = nt_msum_merge(tot, part[w]);
  const T* src = cached ? row : x;  // each thread reads back only what it wrote: no barrier needed
  for (int64_t c = threadIdx.x; c < a.len; c += blockDim.x) st(y + c, finish<C, LOG>((C)ld(src + c), tot.m, tot.s));
}

// One thread per line, any strides (neighbouring lines are usually neighbours in memory).
template <class T, bool LOG>
__global__ void __launch_bounds__(256) k_softmax_lines(sm_args a) {
  typedef nt_compute_t<T> C;
  const int64_t line = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (line >= a.count) return;
  int64_t off[2];
  a.oc.get(line, off);
  const T* x = (const T*)a.in + off[0];
  T* y = (T*)a.out + off[1];
  nt_msum<C> acc{(C)-INFINITY, 0};
  for (int64_t c = 0; c < a.len; c++) nt_msum_add(acc, (C)ld(x + c * a.si));
  for (int64_t c = 0; c < a.len; c++) st(y + c * a.so, finish<C, LOG>((C)ld(x + c * a.si), acc.m, acc.s));
}

template <class T, bool LOG>
int run_softmax(const nt_lines<2>& L, const nt_view& in, const nt_view& out, nt_error* err) {
  sm_args a;
  a.in = (const char*)in.data + L.base[0] * (int64_t)sizeof(T);
  a.out = (char*)out.data + L.base[1] * (int64_t)sizeof(T);
  a.oc = nt_make_offcalc<2>(L.nd, L.shape, L.st);
  a.count = L.count;
  a.len = L.len[0];
  a.si = L.sd[0];
  a.so = L.sd[1];
  cudaStream_t s = cur()->stream;
  const bool rows = (a.si == 1 && a.so == 1) || a.len == 1;
  if (rows && a.len <= 256) k_softmax_warp<T, 8, LOG><<<grid_for(a.count * 32, 256, INT32_MAX), 256, 0, s>>>(a);
  else if (rows && a.len <= 1024) k_softmax_warp<T, 32, LOG><<<grid_for(a.count * 32, 256, INT32_MAX), 256, 0, s>>>(a);
  else if (rows && a.count <= INT32_MAX) {
    const bool cached = a.len * (int64_t)sizeof(T) <= 32768;  // within the default 48 KiB of shared memory
    k_softmax_block<T, LOG><<<(unsigned)a.count, 512, cached ? (size_t)a.len * sizeof(T) : 0, s>>>(a, cached);
  }
  else k_softmax_lines<T, LOG><<<grid_for(a.count, 256, INT32_MAX), 256, 0, s>>>(a);
  return launch_check(err);
}

template <bool LOG>
int k_softmax(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_cu_fail(err, "expected 2 views (input, output)");
  const nt_view* v[2] = {&a->v[0], &a->v[1]};
  nt_lines<2> L;
  if (nt_make_lines<2>(v, a->i[0], &L, err)) return 1;
  if (L.len[1] != L.len[0]) return nt_cu_fail(err, "output size along dim differs from the input's");
  const int dt = a->v[0].dtype;
  if (!nt_dtype_is_float(dt)) return nt_cu_fail(err, "unsupported dtype %s (float dtypes only)", nt_dtype_name(dt));
  if (a->v[1].dtype != dt)
    return nt_cu_fail(err, "output dtype %s differs from input dtype %s", nt_dtype_name(a->v[1].dtype), nt_dtype_name(dt));
  if (L.count == 0 || L.len[0] == 0) return 0;
  NTC_DISPATCH_FLOAT(dt, T, return run_softmax<T, LOG>(L, a->v[0], a->v[1], err));
  return 0;
}

}  // namespace
}  // namespace ntc

void ntc_register_softmax(nt_kernel_fn* s) {
  s[NT_OP_softmax] = ntc::k_softmax<false>;
  s[NT_OP_log_softmax] = ntc::k_softmax<true>;
}
