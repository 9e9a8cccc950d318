// scalars.h — how elementwise kernels of every backend treat their parameters, on the host: the dtype
// sets an op family accepts (and their names for errors), and a double parameter (scalar operand,
// clamp bound, alpha) as the compute type, converted like a cast. Used by the CPU backend and the
// CUDA backend's host code alike, so both give the same values and messages.
// Not here: loads/stores (dispatch.h) or the copy/cast rules of tensors (cpu/copy-cast.h).
#pragma once
#include <math.h>
#include <stdint.h>

#include <limits>
#include <type_traits>

#include "dtype.h"

namespace nt {
namespace scalars {  // a backend takes them all: `using namespace nt::scalars;`

// The dtypes an elementwise op family accepts.
enum { SET_FLOAT = 1, SET_NUMERIC = 2, SET_ALL = 3 };
constexpr bool in_set(int set, int dt) {
  return set == SET_FLOAT ? (dt >= NT_F32 && dt <= NT_BF16)
         : set == SET_NUMERIC ? (dt >= NT_F32 && dt <= NT_U8)
                              : (dt >= 0 && dt < NT_DTYPE_COUNT);
}
// The set's dtypes in words, for "unsupported dtype x (supported: ...)".
inline const char* set_list(int set) {
  return set == SET_FLOAT ? "float32, float64, float16, bfloat16"
         : set == SET_NUMERIC ? "float32, float64, float16, bfloat16, int32, int64, uint8"
                              : "any";
}

// A double parameter as compute type C: floats overflow to +-inf, integers wrap to C's width like a
// cast from int64 (NaN -> 0, beyond int64 saturates: no out-of-range float->int conversion, which
// is UB), bool is != 0.
template <class C>
inline C from_double(double v) {
  if constexpr (std::is_same<C, bool>::value) {
    return v != 0;
  } else if constexpr (std::is_floating_point<C>::value) {
    if (std::is_same<C, float>::value && v == v && (v > 3.4028234663852886e38 || v < -3.4028234663852886e38))
      return v > 0 ? (C)INFINITY : (C)-INFINITY;
    return (C)v;
  } else {
    if (!(v == v)) return 0;
    const int64_t i = v >= 9.2233720368547758e18 ? INT64_MAX : v <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)v;
    return (C)(typename std::make_unsigned<C>::type)(uint64_t)i;
  }
}

// A bound (clamp) as C: integers saturate, so clamp(uint8, min=-2) leaves every value as it is.
template <class C>
inline C bound_from_double(double v) {
  if constexpr (std::is_integral<C>::value && !std::is_same<C, bool>::value) {
    if (v != v) return 0;
    if (v <= (double)std::numeric_limits<C>::min()) return std::numeric_limits<C>::min();
    if (v >= (double)std::numeric_limits<C>::max()) return std::numeric_limits<C>::max();
  }
  return from_double<C>(v);
}

}  // namespace scalars
}  // namespace nt
