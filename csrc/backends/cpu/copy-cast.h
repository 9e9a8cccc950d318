// copy-cast.h — the CPU value-conversion rules (one place, used by copy, fill, random and index).
// Not here: loops or threading, or the view checks those kernels run (core/plans.h).
//
// Conversion rules (the documented contract of `copy`/`to(dtype)`; CUDA follows the same):
//   float -> float     IEEE round to nearest even (16-bit floats from double go through float32);
//                      overflow gives +-inf, NaN stays NaN.
//   float -> int       truncate toward zero; NaN -> 0; out of range saturates to the int type's
//                      [min, max] (uint8: [0, 255], so -1.0 -> 0). NOTE: torch's CPU wraps here
//                      (UB in C++); we saturate, which is what CUDA's cvt.rzi does natively.
//   float -> bool      x != 0 (NaN -> true)
//   int -> int         two's-complement wrap modulo 2^bits (int64 -> int32, any int -> uint8)
//   int -> float       round to nearest even
//   bool -> number     0 / 1; number -> bool: x != 0
#pragma once
#include <stdint.h>

#include <limits>
#include <type_traits>

#include "../../core/dispatch.h"
#include "../../core/plans.h"
#include "../../core/view.h"
#include "kernels.h"

// Loads a storage value as its compute type. NOTE: bools are read as bytes, so a stray byte that
// is neither 0 nor 1 reads as true instead of being undefined behaviour.
template <typename S>
inline nt_compute_t<S> nt_cpu_ld(const S* p) {
  return nt_load<S>(p);
}
template <>
inline bool nt_cpu_ld<bool>(const bool* p) {
  return *(const uint8_t*)p != 0;
}

// Truncate toward zero with NaN -> 0 and saturation (see the rules above).
template <typename I>
inline I nt_sat_trunc(double x) {
  const double lo = (double)std::numeric_limits<I>::min() - 1.0;  // exclusive (int64: rounds to -2^63)
  const double hi = (double)std::numeric_limits<I>::max() + 1.0;  // exclusive, exact power of two
  if (x != x) return 0;
  if (x >= hi) return std::numeric_limits<I>::max();
  if (x <= lo) return std::numeric_limits<I>::min();
  return (I)x;
}

template <typename C>
inline float nt_as_float(C v) {
  if constexpr (std::is_same<C, bool>::value) return v ? 1.0f : 0.0f;
  else return (float)v;
}

// Stores compute-type value v (float, double, int32, int64, uint8 or bool) into storage type D.
template <typename D, typename C>
inline void nt_cast_store(D* p, C v) {
  if constexpr (std::is_same<D, C>::value) {
    *p = v;
  } else if constexpr (std::is_same<D, bool>::value) {
    *p = (v != 0);
  } else if constexpr (std::is_same<D, nt_half>::value) {
    p->bits = nt_float_to_half(nt_as_float(v));
  } else if constexpr (std::is_same<D, nt_bf16>::value) {
    p->bits = nt_float_to_bf16(nt_as_float(v));
  } else if constexpr (std::is_floating_point<D>::value) {
    if constexpr (std::is_same<C, bool>::value) *p = v ? (D)1 : (D)0;
    else *p = (D)v;
  } else if constexpr (std::is_floating_point<C>::value) {
    *p = nt_sat_trunc<D>((double)v);
  } else if constexpr (std::is_same<C, bool>::value) {
    *p = v ? (D)1 : (D)0;
  } else {
    *p = (D)(typename std::make_unsigned<D>::type)(uint64_t)(int64_t)v;  // wrap
  }
}

template <typename D, typename S>
inline void nt_cast_copy(D* p, const S* q) {
  nt_cast_store<D>(p, nt_cpu_ld<S>(q));
}

