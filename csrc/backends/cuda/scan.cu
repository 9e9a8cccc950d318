// scan.cu — CUDA kernels for cumsum and cumprod along one dim, any input dtype into any output
// dtype (floats accumulate in double, ints and bool in uint64, wrapping, as the CPU backend).
// Contiguous lines: one warp per line, 32 elements a step with shuffle scans and a carry. Other
// layouts: one thread per line. Not here: softmax (softmax.cu) or reductions (reduce.cu).
#include "cuda-common.cuh"

namespace ntc {
namespace {

struct scan_args {
  const char* in;
  char* out;
  int out_dt;
  nt_offcalc<2> oc;
  int64_t count, len, si, so;
};

template <class T> struct scan_acc { typedef typename std::conditional<nt_is_fp_storage<T>::value, double, unsigned long long>::type type; };

template <class A, bool PROD> __device__ __forceinline__ A op2(A a, A b) { return PROD ? a * b : a + b; }
template <class T, class A> __device__ __forceinline__ A as_acc(const T* p) {
  if constexpr (std::is_floating_point<A>::value) return (A)ld(p);
  else return (A)(int64_t)ld(p);
}
template <class A> __device__ __forceinline__ void put(void* o, int64_t off, int dt, A v) {
  if constexpr (std::is_floating_point<A>::value) put_d(o, off, dt, v);
  else put_i(o, off, dt, (int64_t)v);
}

template <class T, bool PROD>
__global__ void __launch_bounds__(256) k_scan_warp(scan_args a) {
  typedef typename scan_acc<T>::type A;
  const int lane = threadIdx.x & 31;
  const int64_t line = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  if (line >= a.count) return;
  int64_t off[2];
  a.oc.get(line, off);
  const T* x = (const T*)a.in + off[0];
  A carry = PROD ? A(1) : A(0);
  for (int64_t c0 = 0; c0 < a.len; c0 += 32) {
    const int64_t c = c0 + lane;
    A v = c < a.len ? as_acc<T, A>(x + c) : (PROD ? A(1) : A(0));
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
      const A t = __shfl_up_sync(0xffffffffu, v, o);
      if (lane >= o) v = op2<A, PROD>(t, v);
    }
    v = op2<A, PROD>(carry, v);
    if (c < a.len) put(a.out, off[1] + c, a.out_dt, v);
    carry = __shfl_sync(0xffffffffu, v, 31);
  }
}

template <class T, bool PROD>
__global__ void __launch_bounds__(256) k_scan_lines(scan_args a) {
  typedef typename scan_acc<T>::type A;
  const int64_t line = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (line >= a.count) return;
  int64_t off[2];
  a.oc.get(line, off);
  const T* x = (const T*)a.in + off[0];
  A acc = PROD ? A(1) : A(0);
  for (int64_t c = 0; c < a.len; c++) {
    acc = op2<A, PROD>(acc, as_acc<T, A>(x + c * a.si));
    put(a.out, off[1] + c * a.so, a.out_dt, acc);
  }
}

template <bool PROD>
int k_cum(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_cu_fail(err, "expected 2 views (input, output)");
  const nt_view* v[2] = {&a->v[0], &a->v[1]};
  nt_lines<2> L;
  if (nt_make_lines<2>(v, a->i[0], &L, err)) return 1;
  if (L.len[1] != L.len[0]) return nt_cu_fail(err, "output size along dim differs from the input's");
  if (L.count == 0 || L.len[0] == 0) return 0;
  const nt_view &in = a->v[0], &out = a->v[1];
  scan_args s;
  s.in = (const char*)in.data + L.base[0] * (int64_t)nt_dtype_size(in.dtype);
  s.out = (char*)out.data + L.base[1] * (int64_t)nt_dtype_size(out.dtype);
  s.out_dt = out.dtype;
  s.oc = nt_make_offcalc<2>(L.nd, L.shape, L.st);
  s.count = L.count;
  s.len = L.len[0];
  s.si = L.sd[0];
  s.so = L.sd[1];
  const bool warp = s.si == 1 && s.so == 1 && s.len >= 64;
  cudaStream_t stream = cur()->stream;
  NTC_DISPATCH(in.dtype, T, {
    if (warp) k_scan_warp<T, PROD><<<grid_for(s.count * 32, 256, INT32_MAX), 256, 0, stream>>>(s);
    else k_scan_lines<T, PROD><<<grid_for(s.count, 256, INT32_MAX), 256, 0, stream>>>(s);
    return launch_check(err);
  });
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(in.dtype));
}

}  // namespace
}  // namespace ntc

void ntc_register_scan(nt_kernel_fn* s) {
  s[NT_OP_cumsum] = ntc::k_cum<false>;
  s[NT_OP_cumprod] = ntc::k_cum<true>;
}
