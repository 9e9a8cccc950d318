// index-math.h — linear index -> element offsets of N views over one (coalesced) shape, with 32-bit
// magic-number division; NT_HD, so kernels and the host tests (test/native/cuda-host-test.cpp) run
// the same code. Not here: coalescing (core/iter.h does it), launching, or any kernel.
#pragma once
#include <stdint.h>

#include "../../core/dtype.h"
#include "../../core/iter.h"

NT_HD uint32_t nt_umulhi(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

// Division by a fixed d >= 1 for dividends n < 2^31: q = (umulhi(n, m) + n) >> s (Granlund-Montgomery).
struct nt_divmod32 {
  uint32_t d, m, s;
  void init(uint32_t div) {
    d = div;
    for (s = 0; s < 32; s++)
      if ((uint64_t(1) << s) >= div) break;
    const uint64_t one = 1;
    m = (uint32_t)(((one << 32) * ((one << s) - div)) / div + 1);
  }
  NT_HD uint32_t div(uint32_t n) const { return (nt_umulhi(n, m) + n) >> s; }
};

// Offsets (in elements, relative to each view's first element) of linear index i, row-major over
// `nd` dims. `wide` (numel or a size >= 2^31) takes a plain 64-bit path.
template <int NV>
struct nt_offcalc {
  int nd;
  bool wide;
  nt_divmod32 dm[NT_MAX_DIMS];
  int64_t size[NT_MAX_DIMS];
  int64_t st[NV][NT_MAX_DIMS];

  NT_HD void get(int64_t i, int64_t* off) const {
#pragma unroll
    for (int k = 0; k < NV; k++) off[k] = 0;
    if (!wide) {
      uint32_t r = (uint32_t)i;
      for (int d = nd - 1; d > 0; d--) {
        const uint32_t q = dm[d].div(r), c = r - q * dm[d].d;
#pragma unroll
        for (int k = 0; k < NV; k++) off[k] += (int64_t)c * st[k][d];
        r = q;
      }
#pragma unroll
      for (int k = 0; k < NV; k++) off[k] += (int64_t)r * st[k][0];
    } else {
      int64_t r = i;
      for (int d = nd - 1; d > 0; d--) {
        const int64_t q = r / size[d], c = r - q * size[d];
#pragma unroll
        for (int k = 0; k < NV; k++) off[k] += c * st[k][d];
        r = q;
      }
#pragma unroll
      for (int k = 0; k < NV; k++) off[k] += r * st[k][0];
    }
  }
};

// From explicit dims (shape[d], strides[k][d]); nd == 0 is one element.
template <int NV>
nt_offcalc<NV> nt_make_offcalc(int nd, const int64_t* shape, const int64_t (*strides)[NT_MAX_DIMS]) {
  nt_offcalc<NV> oc;
  oc.nd = nd > 0 ? nd : 1;
  int64_t numel = 1;
  bool big = false;
  for (int d = 0; d < oc.nd; d++) {
    const int64_t s = nd > 0 ? shape[d] : 1;
    oc.size[d] = s;
    numel *= s;
    big = big || s >= (int64_t(1) << 31);
    oc.dm[d].init(s >= 1 && s < (int64_t(1) << 31) ? (uint32_t)s : 1u);
    for (int k = 0; k < NV; k++) oc.st[k][d] = nd > 0 ? strides[k][d] : 0;
  }
  oc.wide = big || numel >= (int64_t(1) << 31);
  return oc;
}

// From a coalesced iteration (core/iter.h): the views' base offsets are NOT included.
template <int NV>
nt_offcalc<NV> nt_make_offcalc(const nt_strided<NV>& it) {
  return nt_make_offcalc<NV>(it.ndim, it.shape, it.strides);
}
