// elementwise.cuh — the one elementwise engine of the CUDA backend: out = f(inputs...) over views of
// one shape, with aligned vector loads/stores for contiguous runs and an index calculator for the
// rest (strided, broadcast with stride 0, or contiguous but unaligned).
// NIN = 0 gives generators (fill, arange, random): f(i) with i the logical row-major index.
// Not here: any formula (core/formulas.h) or op's dtype rules (unary.cu, binary.cu, copy.cu).
#pragma once
#include "../../core/scalars.h"
#include "cuda-common.cuh"

namespace ntc {

const int kEwThreads = 256;

template <int NV>
struct ew_args {
  char* p[NV];  // [0] = out, [1..] = inputs; each already at the view's first element
  nt_offcalc<NV> oc;
  int64_t n;
  int mode;  // 0 strided (contiguous but unaligned runs too, as one unit-stride dim), 2 aligned vectors
};

// Scalar operands (binary ops with a number): input k is the value v[k] when bit k of mask is set.
template <class C>
struct ew_scalars {
  C v[2];
  unsigned mask;
};

template <class S, class D>
struct vec_width {
  static const int sz = sizeof(S) > sizeof(D) ? (int)sizeof(S) : (int)sizeof(D);
  static const int value = 16 / sz > 4 ? 4 : 16 / sz;  // at most 4, as PyTorch
};
template <class T, int N>
struct alignas(sizeof(T) * N) vpack {
  T v[N];
};

template <int NIN, class C, class F>
__device__ __forceinline__ auto ew_call(const F& f, const C* x, int64_t i) {
  if constexpr (NIN == 0) return f(i);
  else if constexpr (NIN == 1) return f(x[0]);
  else return f(x[0], x[1]);
}

template <int NIN, class S, class D, class F>
__global__ void __launch_bounds__(kEwThreads) k_ew(ew_args<NIN + 1> a, ew_scalars<nt_compute_t<S>> sc, F f) {
  typedef nt_compute_t<S> C;
  const int64_t n = a.n, step = (int64_t)gridDim.x * blockDim.x;
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  C x[NIN > 0 ? NIN : 1];
#pragma unroll
  for (int k = 0; k < NIN; k++) x[k] = sc.v[k];
  if (a.mode == 2) {
    constexpr int V = vec_width<S, D>::value;
    const int64_t nv = n / V;
    for (int64_t j = t; j < nv; j += step) {
      vpack<S, V> in[NIN > 0 ? NIN : 1];
#pragma unroll
      for (int k = 0; k < NIN; k++)
        if (!((sc.mask >> k) & 1)) in[k] = ((const vpack<S, V>*)a.p[k + 1])[j];
      vpack<D, V> o;
#pragma unroll
      for (int e = 0; e < V; e++) {
#pragma unroll
        for (int k = 0; k < NIN; k++)
          if (!((sc.mask >> k) & 1)) x[k] = ld(&in[k].v[e]);
        st(&o.v[e], ew_call<NIN>(f, x, j * V + e));
      }
      ((vpack<D, V>*)a.p[0])[j] = o;
    }
    for (int64_t i = nv * V + t; i < n; i += step) {
#pragma unroll
      for (int k = 0; k < NIN; k++)
        if (!((sc.mask >> k) & 1)) x[k] = ld((const S*)a.p[k + 1] + i);
      st((D*)a.p[0] + i, ew_call<NIN>(f, x, i));
    }
  } else {
    for (int64_t i = t; i < n; i += step) {
      int64_t off[NIN + 1];
      a.oc.get(i, off);
#pragma unroll
      for (int k = 0; k < NIN; k++)
        if (!((sc.mask >> k) & 1)) x[k] = ld((const S*)a.p[k + 1] + off[k + 1]);
      st((D*)a.p[0] + off[0], ew_call<NIN>(f, x, i));
    }
  }
}

// out = f(ins...) where ins[k] (storage type S) is ignored when it is a scalar operand.
template <int NIN, class S, class D, class F>
int launch_ew(const nt_view& out, const nt_view* const* ins, const ew_scalars<nt_compute_t<S>>& sc, const F& f,
              nt_error* err) {
  constexpr int NV = NIN + 1;
  const nt_view* vs[NV];
  vs[0] = &out;
  for (int k = 0; k < NIN; k++) vs[k + 1] = ((sc.mask >> k) & 1) ? &out : ins[k];
  const nt_strided<NV> it = nt_make_strided<NV>(vs);
  if (it.numel == 0) return 0;
  ew_args<NV> a;
  a.n = it.numel;
  constexpr int V = vec_width<S, D>::value;
  bool aligned = it.contiguous;
  for (int k = 0; k < NV; k++) {
    const size_t es = k == 0 ? sizeof(D) : sizeof(S);
    a.p[k] = (char*)vs[k]->data + it.base[k] * (int64_t)es;
    const bool used = k == 0 || !((sc.mask >> (k - 1)) & 1);
    if (used && ((uintptr_t)a.p[k] % (es * V)) != 0) aligned = false;
  }
  a.mode = aligned && a.n >= V ? 2 : 0;
  a.oc = nt_make_offcalc<NV>(it);
  const int64_t work = a.mode == 2 ? a.n / V : a.n;
  k_ew<NIN, S, D, F><<<grid_for(work, kEwThreads), kEwThreads, 0, cur()->stream>>>(a, sc, f);
  return launch_check(err);
}

// ---------------------------------------------------------------- dtype sets and scalars
// The core's rules (core/scalars.h), shared with the CPU backend.
using namespace nt::scalars;

}  // namespace ntc
