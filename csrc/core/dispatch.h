// dispatch.h — dtype dispatch written once, and the load/compute/store type traits for kernels.
// Not here: any kernel. 16-bit floats are stored as nt_half/nt_bf16 and computed in float.
#pragma once
#include "dtype.h"

template <typename T> struct nt_traits { typedef T compute; };
template <> struct nt_traits<nt_half> { typedef float compute; };
template <> struct nt_traits<nt_bf16> { typedef float compute; };
template <> struct nt_traits<bool> { typedef bool compute; };

template <typename T> using nt_compute_t = typename nt_traits<T>::compute;

template <typename T> NT_HD nt_compute_t<T> nt_load(const T* p) { return *p; }
template <> NT_HD float nt_load<nt_half>(const nt_half* p) { return nt_half_to_float(p->bits); }
template <> NT_HD float nt_load<nt_bf16>(const nt_bf16* p) { return nt_bf16_to_float(p->bits); }

template <typename T, typename C> NT_HD void nt_store(T* p, C v) { *p = (T)v; }
template <> NT_HD void nt_store<nt_half, float>(nt_half* p, float v) { p->bits = nt_float_to_half(v); }
template <> NT_HD void nt_store<nt_bf16, float>(nt_bf16* p, float v) { p->bits = nt_float_to_bf16(v); }
template <> NT_HD void nt_store<nt_half, double>(nt_half* p, double v) { p->bits = nt_float_to_half((float)v); }
template <> NT_HD void nt_store<nt_bf16, double>(nt_bf16* p, double v) { p->bits = nt_float_to_bf16((float)v); }
template <> NT_HD void nt_store<bool, double>(bool* p, double v) { *p = v != 0; }
template <> NT_HD void nt_store<bool, float>(bool* p, float v) { *p = v != 0; }

// Any value as double (for generic paths such as copy between dtypes and reading scalars).
template <typename T> NT_HD double nt_to_double(const T* p) { return (double)nt_load<T>(p); }

template <typename T> struct nt_dtype_of;
template <> struct nt_dtype_of<float> { static const int value = NT_F32; };
template <> struct nt_dtype_of<double> { static const int value = NT_F64; };
template <> struct nt_dtype_of<nt_half> { static const int value = NT_F16; };
template <> struct nt_dtype_of<nt_bf16> { static const int value = NT_BF16; };
template <> struct nt_dtype_of<int32_t> { static const int value = NT_I32; };
template <> struct nt_dtype_of<int64_t> { static const int value = NT_I64; };
template <> struct nt_dtype_of<uint8_t> { static const int value = NT_U8; };
template <> struct nt_dtype_of<bool> { static const int value = NT_BOOL; };

#define NT_CASE_(ENUM, TYPE, T, ...) \
  case ENUM: {                       \
    typedef TYPE T;                  \
    __VA_ARGS__;                     \
    break;                           \
  }

// NT_DISPATCH_ALL(dtype, T, body): body sees the storage type T; unknown dtypes fall to `default`.
#define NT_DISPATCH_ALL(DT, T, ...)                  \
  switch (DT) {                                      \
    NT_CASE_(NT_F32, float, T, __VA_ARGS__)          \
    NT_CASE_(NT_F64, double, T, __VA_ARGS__)         \
    NT_CASE_(NT_F16, nt_half, T, __VA_ARGS__)        \
    NT_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)       \
    NT_CASE_(NT_I32, int32_t, T, __VA_ARGS__)        \
    NT_CASE_(NT_I64, int64_t, T, __VA_ARGS__)        \
    NT_CASE_(NT_U8, uint8_t, T, __VA_ARGS__)         \
    NT_CASE_(NT_BOOL, bool, T, __VA_ARGS__)          \
    default: break;                                  \
  }

#define NT_DISPATCH_FLOAT(DT, T, ...)                \
  switch (DT) {                                      \
    NT_CASE_(NT_F32, float, T, __VA_ARGS__)          \
    NT_CASE_(NT_F64, double, T, __VA_ARGS__)         \
    NT_CASE_(NT_F16, nt_half, T, __VA_ARGS__)        \
    NT_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)       \
    default: break;                                  \
  }

// Numeric (no bool)
#define NT_DISPATCH_NUMERIC(DT, T, ...)              \
  switch (DT) {                                      \
    NT_CASE_(NT_F32, float, T, __VA_ARGS__)          \
    NT_CASE_(NT_F64, double, T, __VA_ARGS__)         \
    NT_CASE_(NT_F16, nt_half, T, __VA_ARGS__)        \
    NT_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)       \
    NT_CASE_(NT_I32, int32_t, T, __VA_ARGS__)        \
    NT_CASE_(NT_I64, int64_t, T, __VA_ARGS__)        \
    NT_CASE_(NT_U8, uint8_t, T, __VA_ARGS__)         \
    default: break;                                  \
  }
