// dtype.h — the dtype enum shared by every backend and the N-API glue, and half/bfloat16 conversions.
// Not here: type promotion (that is decided once, in TypeScript: lib/dtype.ts).
#pragma once
#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define NT_HD __host__ __device__ inline
#else
#define NT_HD inline
#endif

// NOTE: values cross the N-API boundary; keep equal to DTYPE_ID in lib/dtype.ts.
enum nt_dtype : int32_t {
  NT_F32 = 0,
  NT_F64 = 1,
  NT_F16 = 2,
  NT_BF16 = 3,
  NT_I32 = 4,
  NT_I64 = 5,
  NT_U8 = 6,
  NT_BOOL = 7,
  NT_DTYPE_COUNT = 8
};

static inline int nt_dtype_size(int dt) {
  static const int sizes[NT_DTYPE_COUNT] = {4, 8, 2, 2, 4, 8, 1, 1};
  return (dt >= 0 && dt < NT_DTYPE_COUNT) ? sizes[dt] : 0;
}

static inline const char* nt_dtype_name(int dt) {
  static const char* names[NT_DTYPE_COUNT] = {"float32", "float64", "float16", "bfloat16",
                                              "int32",   "int64",   "uint8",   "bool"};
  return (dt >= 0 && dt < NT_DTYPE_COUNT) ? names[dt] : "?";
}

static inline bool nt_dtype_is_float(int dt) { return dt <= NT_BF16; }

// Storage types for the 16-bit floats: plain bit patterns, converted to float for compute.
struct nt_half { uint16_t bits; };
struct nt_bf16 { uint16_t bits; };

NT_HD float nt_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
NT_HD uint32_t nt_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

// IEEE half <-> float, round to nearest even; portable (the CPU backend uses F16C where present).
NT_HD float nt_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) { u = sign; }
    else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) { mant <<= 1; exp--; }
      mant &= 0x3ff;
      u = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return nt_bits_to_float(u);
}

NT_HD uint16_t nt_float_to_half(float f) {
  uint32_t u = nt_float_to_bits(f);
  uint32_t sign = (u >> 16) & 0x8000;
  uint32_t absu = u & 0x7fffffffu;
  if (absu >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (absu > 0x7f800000u ? 0x200 : 0));
  if (absu >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // overflow -> inf
  if (absu < 0x38800000u) {                                   // subnormal or zero
    if (absu < 0x33000000u) return (uint16_t)sign;
    uint32_t e = absu >> 23, m = (absu & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e;  // 14 - (e - 127) + 13 - 1 ... computed to land in 10 bits
    uint32_t r = m >> (shift - 1 + 1);
    uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) r++;
    return (uint16_t)(sign | r);
  }
  uint32_t r = absu + 0xc8000fffu + ((absu >> 13) & 1);  // rebias exponent and round to nearest even
  return (uint16_t)(sign | (r >> 13));
}

NT_HD float nt_bf16_to_float(uint16_t b) { return nt_bits_to_float((uint32_t)b << 16); }

NT_HD uint16_t nt_float_to_bf16(float f) {
  uint32_t u = nt_float_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fff + ((u >> 16) & 1);
  return (uint16_t)(u >> 16);
}
