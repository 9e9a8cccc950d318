// values.h — value rules shared by the CUDA kernels and their host tests (NT_HD): the copy/cast
// conversions (the contract in csrc/backends/cpu/copy-cast.h: floats truncate and saturate into
// ints, NaN -> 0, ints wrap, bool is != 0) and the order-preserving sort keys (NaN above +inf,
// -0 == +0). Not here: loads/stores of 16-bit floats (device intrinsics, cuda-common.cuh).
#pragma once
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "../../core/dispatch.h"

template <class T> struct nt_is_fp_storage : std::false_type {};
template <> struct nt_is_fp_storage<float> : std::true_type {};
template <> struct nt_is_fp_storage<double> : std::true_type {};
template <> struct nt_is_fp_storage<nt_half> : std::true_type {};
template <> struct nt_is_fp_storage<nt_bf16> : std::true_type {};

// Truncate toward zero; NaN -> 0; out of range saturates to I's [min, max].
template <class I>
NT_HD I nt_sat_trunc_d(double x) {
  if (x != x) return 0;
  if constexpr (std::is_same<I, int32_t>::value) {
    if (x >= 2147483648.0) return INT32_MAX;
    if (x <= -2147483649.0) return INT32_MIN;
  } else if constexpr (std::is_same<I, int64_t>::value) {
    if (x >= 9223372036854775808.0) return INT64_MAX;
    if (x <= -9223372036854775808.0) return INT64_MIN;
  } else {  // uint8
    if (x >= 256.0) return 255;
    if (x <= -1.0) return 0;
  }
  return (I)(int64_t)x;
}

// A compute value v (float, double, int32, int64, uint8 or bool) as the compute type of storage D.
template <class D, class C>
NT_HD nt_compute_t<D> nt_convert(C v) {
  typedef nt_compute_t<D> R;
  if constexpr (std::is_same<R, C>::value) {
    return v;
  } else if constexpr (std::is_same<R, bool>::value) {
    return v != C(0);
  } else if constexpr (std::is_same<C, bool>::value) {
    return v ? R(1) : R(0);
  } else if constexpr (std::is_floating_point<R>::value) {
    return (R)v;  // double -> float rounds once to float (16-bit stores then round from float)
  } else if constexpr (std::is_floating_point<C>::value) {
    return nt_sat_trunc_d<R>((double)v);
  } else {
    typedef typename std::make_unsigned<R>::type U;
    return (R)(U)(uint64_t)(int64_t)v;  // wrap
  }
}

// ---------------------------------------------------------------- sort keys
// Unsigned keys whose integer order is the numeric order; sizeof-bits wide (returned in a uint64).
NT_HD uint64_t nt_key16(uint16_t u, uint16_t inf) {
  if ((u & 0x7fff) > inf) return 0xffff;
  if (u == 0x8000) u = 0;
  return (u & 0x8000) ? (uint16_t)~u : (uint16_t)(u | 0x8000);
}
NT_HD uint64_t nt_sort_key(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0xffffffffu;
  if (u == 0x80000000u) u = 0;
  return (u & 0x80000000u) ? (uint32_t)~u : (u | 0x80000000u);
}
NT_HD uint64_t nt_sort_key(double f) {
  uint64_t u;
  memcpy(&u, &f, 8);
  const uint64_t sign = 1ull << 63;
  if ((u & ~sign) > 0x7ff0000000000000ull) return ~0ull;
  if (u == sign) u = 0;
  return (u & sign) ? ~u : (u | sign);
}
NT_HD uint64_t nt_sort_key(nt_half h) { return nt_key16(h.bits, 0x7c00); }
NT_HD uint64_t nt_sort_key(nt_bf16 h) { return nt_key16(h.bits, 0x7f80); }
NT_HD uint64_t nt_sort_key(int32_t v) { return (uint32_t)v ^ 0x80000000u; }
NT_HD uint64_t nt_sort_key(int64_t v) { return (uint64_t)v ^ (1ull << 63); }
NT_HD uint64_t nt_sort_key(uint8_t v) { return v; }
NT_HD uint64_t nt_sort_key_bool(uint8_t byte) { return byte != 0; }

// Key width in bits for a storage type (the flip mask for descending order).
template <class T> struct nt_key_bits { static const int value = 8 * (int)sizeof(T); };

// A double as storage type D by the copy rules (scalar operands written as raw elements).
template <class D>
inline D nt_storage_from_double(double v) {
  D out;
  if constexpr (std::is_same<D, nt_half>::value) out.bits = nt_float_to_half((float)v);
  else if constexpr (std::is_same<D, nt_bf16>::value) out.bits = nt_float_to_bf16((float)v);
  else out = (D)nt_convert<D>(v);
  return out;
}

// Bitonic networks: the lower element of pair q (of n/2) at distance j (a power of two); the pair is
// (i, i + j), sorted ascending when bit k of the position within the line is clear.
NT_HD int64_t nt_bitonic_first(int64_t q, int64_t j) { return ((q & ~(j - 1)) << 1) | (q & (j - 1)); }
