// elementwise-common.h — private helpers of the CPU elementwise files: allocation-free parallel
// runs, loads/stores (16-bit floats compute in float) and the generic strided loops.
// Not here: the formulas (core/formulas.h), scalar conversion and dtype sets (core/scalars.h), SIMD
// kernels, or any op's dtype rules.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "../../core/dispatch.h"
#include "../../core/iter.h"
#include "../../core/parallel.h"
#include "../../core/scalars.h"
#include "kernels.h"

namespace nt_ew {

const int64_t kGrainCheap = 32768;  // elements per thread chunk for add-like ops
const int64_t kGrainMath = 4096;    // for transcendental ops

// Runs f(lo, hi) over [0, n): inline when small (no std::function is even built), else split over the
// pool. NOTE: the std::function holds only a pointer, so it never allocates.
template <class F>
inline void run_parallel(int64_t n, int64_t grain, const F& f) {
  if (n <= grain || nt::num_threads() <= 1) {
    f(0, n);
    return;
  }
  const F* fp = &f;
  nt::parallel_for(0, n, grain, [fp](int64_t lo, int64_t hi) { (*fp)(lo, hi); });
}

// Whether the AVX2 kernels run: this CPU has AVX2+FMA+F16C, unless the test switched them off to
// exercise the portable loops (set_simd(false)).
bool simd_enabled();
void set_simd(bool on);

// Streaming (non-temporal) stores pay off once the data no longer fits in the last-level cache.
inline bool want_stream(int64_t numel, int bytes_per_elem_all_views) {
  return numel * bytes_per_elem_all_views >= (int64_t(32) << 20);
}

// Loads give the compute type; bool storage is read as a byte (any non-zero byte is true).
template <class S> inline nt_compute_t<S> ld(const S* p) { return nt_load<S>(p); }
inline bool ld(const bool* p) { uint8_t u; memcpy(&u, p, 1); return u != 0; }
template <class D, class V> inline void st(D* p, V v) { nt_store<D>(p, v); }
inline void st(nt_half* p, float v) { p->bits = nt_float_to_half(v); }
inline void st(nt_bf16* p, float v) { p->bits = nt_float_to_bf16(v); }
inline void st(bool* p, bool v) { *p = v; }

// Dtype sets and double parameters as compute types: the core's rules, shared with CUDA.
using namespace nt::scalars;

// Contiguous float32 SIMD kernel for a unary op (null = none): y[0..n) = f(x[0..n)).
typedef void (*vec_unary_fn)(const float* x, float* y, int64_t n, bool stream);

// out = f(in) over two views of one shape; S/D are storage types, f maps compute types.
template <class S, class D, class F>
void unary_loop(const nt_view& in, const nt_view& out, const F& f, int64_t grain, vec_unary_fn vec = nullptr) {
  const nt_strided<2> it = nt_make_strided<2>({&out, &in});
  if (it.numel == 0) return;
  D* po = (D*)out.data;
  const S* pi = (const S*)in.data;
  const bool stream = want_stream(it.numel, (int)(sizeof(S) + sizeof(D)));
  auto body = [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* sd, int64_t n) {
      D* o = po + off[0];
      const S* x = pi + off[1];
      if (sd[0] == 1 && sd[1] == 1) {
        if constexpr (std::is_same<S, float>::value && std::is_same<D, float>::value) {
          if (vec) { vec(x, o, n, stream); return; }
        }
        for (int64_t k = 0; k < n; k++) st(o + k, f(ld(x + k)));
      } else {
        const int64_t so = sd[0], si = sd[1];
        for (int64_t k = 0; k < n; k++) st(o + k * so, f(ld(x + k * si)));
      }
    });
  };
  run_parallel(it.numel, grain, body);
}

void register_unary(nt_kernel_fn* slots);  // elementwise-unary.cpp

}  // namespace nt_ew
