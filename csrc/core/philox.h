// philox.h — the counter-based RNG (Philox4x32-10) and the value transforms that every backend
// shares, so the same seed/offset gives the same tensor on cpu and cuda. Not here: threading, views,
// or the generator state (TS owns seed and offset and advances offset by numel per call).
//
// ---- the cross-device contract (change it only together with every backend) ----
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11): multipliers 0xD2511F53 (applied to word 0)
// and 0xCD9E8D57 (word 2), Weyl key bumps 0x9E3779B9 / 0xBB67AE85 between the 10 rounds.
// One round: (hi0,lo0) = M0*c0, (hi1,lo1) = M1*c2 (32x32->64), c = {hi1^c1^k0, lo1, hi0^c3^k1, lo0}.
// For a kernel call with args seed = i[0], offset = i[1] (both taken as uint64), the element at
// logical row-major position e (0..numel-1) of the output view draws ONE block:
//   counter = (lo32(e), hi32(e), lo32(offset), hi32(offset)), key = (lo32(seed), hi32(seed))
//   -> r0, r1, r2, r3 (r2, r3 are unused today).
// rand_uniform (f[0] = low, f[1] = high), all arithmetic in double, round-to-nearest, no FMA:
//   float64:            u = ((uint64)r0 << 21 | r1 >> 11) * 2^-53           (53 bits, [0,1))
//   float32, float16, bfloat16: u = (r0 >> (32 - d)) * 2^-d with d the dtype's significand bits
//   (24, 11, 8), as torch does, so u itself is representable and rand() never returns 1.
//   v = low + u * (high - low); then rounded to the dtype (16-bit floats: to float32 first, then
//   to the 16-bit type, both round-to-nearest-even). Rounding may still give exactly `high` for
//   ranges other than [0, 1).
// rand_normal (f[0] = mean, f[1] = std), Box-Muller, cosine branch only:
//   u1 = ((double)r0 + 1) * 2^-32 (in (0,1]), u2 = r1 * 2^-32 (in [0,1)),
//   z = sqrt(-2 * log(u1)) * cos(2*pi * u2), v = mean + std * z (double), rounded to the dtype.
//   NOTE: log/cos differ by an ulp between libm and CUDA's libdevice, so float64 normals may differ
//   in the last bit across devices; the float32 results almost always agree exactly.
// randint (i[2] = low, i[3] = high, exclusive, high > low):
//   range = (uint64)high - (uint64)low, v = low + (((uint64)r0 << 32 | r1) % range)  (mod 2^64),
//   then cast to the dtype with the copy kernel's rules (ints wrap, floats round, bool = v != 0).
//   The modulo has a bias of at most range / 2^64, which is negligible for tensor-sized ranges.
#pragma once
#include <math.h>
#include <stdint.h>

#include "dtype.h"

#define NT_PHILOX_M0 0xD2511F53u
#define NT_PHILOX_M1 0xCD9E8D57u
#define NT_PHILOX_W0 0x9E3779B9u
#define NT_PHILOX_W1 0xBB67AE85u

struct nt_philox_block {
  uint32_t r[4];
};

// The raw generator: counter c[4], key k[2] -> 4 random words.
NT_HD nt_philox_block nt_philox4x32_10(const uint32_t c_in[4], const uint32_t k_in[2]) {
  uint32_t c0 = c_in[0], c1 = c_in[1], c2 = c_in[2], c3 = c_in[3];
  uint32_t k0 = k_in[0], k1 = k_in[1];
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += NT_PHILOX_W0;
      k1 += NT_PHILOX_W1;
    }
    uint64_t p0 = (uint64_t)NT_PHILOX_M0 * c0;
    uint64_t p1 = (uint64_t)NT_PHILOX_M1 * c2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  nt_philox_block b;
  b.r[0] = c0;
  b.r[1] = c1;
  b.r[2] = c2;
  b.r[3] = c3;
  return b;
}

// The block for element `e` of a call with (seed, offset), as the contract above says.
NT_HD nt_philox_block nt_philox_at(uint64_t seed, uint64_t offset, uint64_t e) {
  const uint32_t c[4] = {(uint32_t)e, (uint32_t)(e >> 32), (uint32_t)offset, (uint32_t)(offset >> 32)};
  const uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  return nt_philox4x32_10(c, k);
}

// NOTE: a + b*c must not be contracted into an FMA, or devices disagree in the last bit. nvcc
// contracts by default, so device code uses the _rn intrinsics (never fused); host code must not
// call these from a function compiled with FMA enabled (NT_AVX2 in simd.h).
NT_HD double nt_mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
NT_HD double nt_add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

// Uniform in [0,1) with 53 bits (float64 outputs) or 24 bits (float32 and 16-bit outputs).
NT_HD double nt_philox_u53(const nt_philox_block& b) {
  uint64_t m = ((uint64_t)b.r[0] << 21) | (uint64_t)(b.r[1] >> 11);
  return (double)m * 0x1p-53;
}
// Top `bits` bits of r0 as a uniform in [0, 1) (bits <= 32).
NT_HD double nt_philox_ubits(const nt_philox_block& b, int bits) {
  return (double)(b.r[0] >> (32 - bits)) * (1.0 / (double)(1ull << bits));
}

// Significand bits used for a uniform draw of each float dtype (see the contract above).
NT_HD int nt_uniform_bits(int dtype) {
  return dtype == NT_F64 ? 53 : dtype == NT_F16 ? 11 : dtype == NT_BF16 ? 8 : 24;
}

// rand_uniform value in double, before rounding to the output dtype.
NT_HD double nt_rand_uniform_value(const nt_philox_block& b, int bits, double low, double high) {
  double u = bits == 53 ? nt_philox_u53(b) : nt_philox_ubits(b, bits);
  return nt_add_rn(low, nt_mul_rn(u, high - low));
}

// rand_normal value in double, before rounding to the output dtype.
NT_HD double nt_rand_normal_value(const nt_philox_block& b, double mean, double std) {
  double u1 = ((double)b.r[0] + 1.0) * 0x1p-32;  // exact: 33-bit integer times a power of two
  double u2 = (double)b.r[1] * 0x1p-32;
  double radius = sqrt(-2.0 * log(u1));  // -2*x is exact
  double z = nt_mul_rn(radius, cos(nt_mul_rn(6.283185307179586232, u2)));
  return nt_add_rn(mean, nt_mul_rn(std, z));
}

// randint value (low <= v < high when high > low); the caller checks high > low.
NT_HD int64_t nt_randint_value(const nt_philox_block& b, int64_t low, int64_t high) {
  uint64_t range = (uint64_t)high - (uint64_t)low;
  uint64_t x = ((uint64_t)b.r[0] << 32) | (uint64_t)b.r[1];
  return (int64_t)((uint64_t)low + x % range);  // NOTE: wraps in uint64, defined for any low/high
}
