// formulas.h — the scalar formula of every elementwise op in ops.def (UNARY, BINARY, TERNARY), written
// once for every backend: plain C++ on the CPU, __host__ __device__ under nvcc (NT_HD).
// Not here: loops, dtype dispatch, SIMD or error reporting (each backend's kernels own those).
//
// Each formula is a functor whose call operator is templated on the compute type: float or double for
// float dtypes (16-bit floats compute in float), int32_t / int64_t / uint8_t for integers, bool for bool.
// Integer arithmetic wraps like PyTorch and is done in unsigned types (signed overflow is UB).
#pragma once
#include <math.h>
#include <stdint.h>
#include "dtype.h"

namespace ntf {

// ---------------------------------------------------------------- type helpers
template <class T> struct is_int { static const bool value = false; };
template <> struct is_int<int32_t> { static const bool value = true; };
template <> struct is_int<int64_t> { static const bool value = true; };
template <> struct is_int<uint8_t> { static const bool value = true; };
template <class T> struct is_signed_int { static const bool value = false; };
template <> struct is_signed_int<int32_t> { static const bool value = true; };
template <> struct is_signed_int<int64_t> { static const bool value = true; };

// Unsigned type for wrapping arithmetic; at least `unsigned int` so uint8 never promotes to int.
template <class T> struct uint_of { typedef uint32_t type; };
template <> struct uint_of<int64_t> { typedef uint64_t type; };

template <class T> NT_HD T w_add(T a, T b) { typedef typename uint_of<T>::type U; return (T)(U)((U)a + (U)b); }
template <class T> NT_HD T w_sub(T a, T b) { typedef typename uint_of<T>::type U; return (T)(U)((U)a - (U)b); }
template <class T> NT_HD T w_mul(T a, T b) { typedef typename uint_of<T>::type U; return (T)(U)((U)a * (U)b); }
template <class T> NT_HD T w_neg(T a) { typedef typename uint_of<T>::type U; return (T)(U)((U)0 - (U)a); }

// ---------------------------------------------------------------- libm overloads (float / double)
#define NTF_MATH1(name, ff, fd) \
  NT_HD float name(float x) { return ff(x); } \
  NT_HD double name(double x) { return fd(x); }
NTF_MATH1(m_exp, expf, exp)
NTF_MATH1(m_log, logf, log)
NTF_MATH1(m_log1p, log1pf, log1p)
NTF_MATH1(m_expm1, expm1f, expm1)
NTF_MATH1(m_sqrt, sqrtf, sqrt)
NTF_MATH1(m_sin, sinf, sin)
NTF_MATH1(m_cos, cosf, cos)
NTF_MATH1(m_tan, tanf, tan)
NTF_MATH1(m_tanh, tanhf, tanh)
NTF_MATH1(m_erf, erff, erf)
NTF_MATH1(m_erfc, erfcf, erfc)
NTF_MATH1(m_floor, floorf, floor)
NTF_MATH1(m_ceil, ceilf, ceil)
NTF_MATH1(m_rint, rintf, rint)  // round half to even in the default rounding mode
NTF_MATH1(m_trunc, truncf, trunc)
NTF_MATH1(m_fabs, fabsf, fabs)
#undef NTF_MATH1
NT_HD float m_fmod(float a, float b) { return fmodf(a, b); }
NT_HD double m_fmod(double a, double b) { return fmod(a, b); }
NT_HD float m_pow(float a, float b) { return powf(a, b); }
NT_HD double m_pow(double a, double b) { return pow(a, b); }
NT_HD float m_copysign(float a, float b) { return copysignf(a, b); }
NT_HD double m_copysign(double a, double b) { return copysign(a, b); }

template <class T> NT_HD bool truthy(T x) { return x != T(0); }  // NaN is truthy
NT_HD bool truthy(bool x) { return x; }

// ---------------------------------------------------------------- unary (out dtype = in dtype)
struct neg {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (is_int<T>::value) return w_neg(x); else return -x;
  }
};
struct abs {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (is_signed_int<T>::value) return x < T(0) ? w_neg(x) : x;
    else if constexpr (is_int<T>::value) return x;
    else return m_fabs(x);
  }
};
// NOTE: sign(NaN) = 0, as torch.sign does ((0 < x) - (x < 0)); NumPy would give NaN.
struct sign {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (is_int<T>::value && !is_signed_int<T>::value) return (T)(x != T(0));
    else return (T)((T(0) < x) - (x < T(0)));
  }
};
struct exp { template <class T> NT_HD T operator()(T x) const { return m_exp(x); } };
struct log { template <class T> NT_HD T operator()(T x) const { return m_log(x); } };
struct log1p { template <class T> NT_HD T operator()(T x) const { return m_log1p(x); } };
struct expm1 { template <class T> NT_HD T operator()(T x) const { return m_expm1(x); } };
struct sqrt { template <class T> NT_HD T operator()(T x) const { return m_sqrt(x); } };
struct rsqrt { template <class T> NT_HD T operator()(T x) const { return T(1) / m_sqrt(x); } };
struct square {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (is_int<T>::value) return w_mul(x, x); else return x * x;
  }
};
struct reciprocal { template <class T> NT_HD T operator()(T x) const { return T(1) / x; } };
struct sin { template <class T> NT_HD T operator()(T x) const { return m_sin(x); } };
struct cos { template <class T> NT_HD T operator()(T x) const { return m_cos(x); } };
struct tan { template <class T> NT_HD T operator()(T x) const { return m_tan(x); } };
struct tanh { template <class T> NT_HD T operator()(T x) const { return m_tanh(x); } };
struct sigmoid { template <class T> NT_HD T operator()(T x) const { return T(1) / (T(1) + m_exp(-x)); } };
// relu(NaN) = NaN (the comparison is false for NaN)
struct relu {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (is_int<T>::value && !is_signed_int<T>::value) return x; else return x < T(0) ? T(0) : x;
  }
};
// gelu = x/2 (1 + erf(x/sqrt2)); for x < 0 written with erfc to avoid cancelling 1 + erf ~ 0.
// NOTE: erfc's relative sensitivity to its argument is ~2z^2, so in float the rounding error dz of
// z = x/sqrt2 is carried (z from one double product) and applied as erfc(a + da) ~ erfc(a)(1 - 2a da).
struct gelu {
  template <class T> NT_HD T operator()(T x) const {
    if constexpr (sizeof(T) == 4) {
      const double zd = (double)x * 0.70710678118654752440;
      const T z = (T)zd, dz = (T)(zd - (double)z);
      return x < T(0) ? T(0.5) * x * m_erfc(-z) * (T(1) - T(2) * z * dz) : T(0.5) * x * (T(1) + m_erf(z));
    } else {
      const T z = x * T(0.70710678118654752440);
      return x < T(0) ? T(0.5) * x * m_erfc(-z) : T(0.5) * x * (T(1) + m_erf(z));
    }
  }
};
// torch's tanh approximation x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), written as
// x * sigmoid(2u) (the same function, without cancellation for negative x).
struct gelu_tanh {
  template <class T> NT_HD T operator()(T x) const {
    const T u = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
    return x / (T(1) + m_exp(T(-2) * u));
  }
};
struct silu { template <class T> NT_HD T operator()(T x) const { return x / (T(1) + m_exp(-x)); } };
template <class T> struct softplus {  // torch: x when beta * x > threshold
  T beta, threshold;
  NT_HD T operator()(T x) const {
    const T bx = x * beta;
    return bx > threshold ? x : m_log1p(m_exp(bx)) / beta;
  }
};
struct erf { template <class T> NT_HD T operator()(T x) const { return m_erf(x); } };
struct floor {
  template <class T> NT_HD T operator()(T x) const { if constexpr (is_int<T>::value) return x; else return m_floor(x); }
};
struct ceil {
  template <class T> NT_HD T operator()(T x) const { if constexpr (is_int<T>::value) return x; else return m_ceil(x); }
};
struct round {  // half to even
  template <class T> NT_HD T operator()(T x) const { if constexpr (is_int<T>::value) return x; else return m_rint(x); }
};
struct logical_not { template <class T> NT_HD bool operator()(T x) const { return !truthy(x); } };
struct isnan { template <class T> NT_HD bool operator()(T x) const { return x != x; } };
struct isinf {
  template <class T> NT_HD bool operator()(T x) const {
    if constexpr (is_int<T>::value || sizeof(T) == 1) return false;
    else return x == T(INFINITY) || x == -T(INFINITY);
  }
};

// ---------------------------------------------------------------- binary (out dtype = in dtype)
// alpha multiplies b (torch's add/sub alpha); for integers it is an integer of the same type.
template <class T> struct add {
  T alpha;
  NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) return w_add(a, w_mul(alpha, b)); else return a + alpha * b;
  }
};
template <class T> struct sub {
  T alpha;
  NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) return w_sub(a, w_mul(alpha, b)); else return a - alpha * b;
  }
};
struct mul {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) return w_mul(a, b); else return a * b;
  }
};
struct div_true { template <class T> NT_HD T operator()(T a, T b) const { return a / b; } };
// NOTE: the integer forms need b != 0 (they return 0 there); backends must report division by zero.
struct div_trunc {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) {
      if (b == T(0)) return T(0);
      if constexpr (is_signed_int<T>::value) if (b == T(-1)) return w_neg(a);  // INT_MIN / -1 wraps
      return (T)(a / b);
    } else {
      return m_trunc(a / b);
    }
  }
};
struct div_floor {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) {
      if (b == T(0)) return T(0);
      if constexpr (is_signed_int<T>::value) {
        if (b == T(-1)) return w_neg(a);
        T q = (T)(a / b);
        if ((a % b != 0) && ((a < 0) != (b < 0))) q = (T)(q - 1);
        return q;
      } else {
        return (T)(a / b);
      }
    } else {
      // Python's float floor division (what torch does): exact where floor(a / b) would round.
      if (b == T(0)) return a / b;
      const T r = m_fmod(a, b);
      T q = (a - r) / b;
      if (r != T(0) && ((b < T(0)) != (r < T(0)))) q -= T(1);
      if (q == T(0)) return m_copysign(T(0), a / b);
      T f = m_floor(q);
      if (q - f > T(0.5)) f += T(1);
      return f;
    }
  }
};
// Integer pow as torch: negative exponents give 1, +-1 or 0 (torch raises only for a scalar exponent).
struct pow {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (is_int<T>::value) {
      if constexpr (is_signed_int<T>::value) {
        if (b < T(0)) return a == T(1) ? T(1) : a == T(-1) ? (b % 2 != 0 ? T(-1) : T(1)) : T(0);
      }
      typedef typename uint_of<T>::type U;
      U r = 1, base = (U)a;
      for (uint64_t e = (uint64_t)b; e != 0; e >>= 1) {
        if (e & 1) r = (U)(r * base);
        base = (U)(base * base);
      }
      return (T)r;
    } else {
      return m_pow(a, b);
    }
  }
};
// pow with a scalar exponent on floats: torch's special cases (x**2 = x*x, x**0.5 = sqrt(x), ...),
// which differ from pow() at -0 and -inf (sqrt(-inf) = NaN, pow(-inf, 0.5) = inf).
template <class T> struct pow_scalar {
  T e;
  NT_HD T operator()(T x) const {
    if (e == T(2)) return x * x;
    if (e == T(3)) return x * x * x;
    if (e == T(0.5)) return m_sqrt(x);
    if (e == T(-0.5)) return T(1) / m_sqrt(x);
    if (e == T(-1)) return T(1) / x;
    if (e == T(-2)) return T(1) / (x * x);
    if (e == T(0)) return T(1);
    if (e == T(1)) return x;
    return m_pow(x, e);
  }
};
// NaN propagates from either side.
struct maximum {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (!is_int<T>::value && sizeof(T) > 1) { if (a != a) return a; if (b != b) return b; }
    return a > b ? a : b;
  }
};
struct minimum {
  template <class T> NT_HD T operator()(T a, T b) const {
    if constexpr (!is_int<T>::value && sizeof(T) > 1) { if (a != a) return a; if (b != b) return b; }
    return a < b ? a : b;
  }
};
// comparisons and logical ops: out bool
struct eq { template <class T> NT_HD bool operator()(T a, T b) const { return a == b; } };
struct ne { template <class T> NT_HD bool operator()(T a, T b) const { return a != b; } };
struct lt { template <class T> NT_HD bool operator()(T a, T b) const { return a < b; } };
struct le { template <class T> NT_HD bool operator()(T a, T b) const { return a <= b; } };
struct gt { template <class T> NT_HD bool operator()(T a, T b) const { return a > b; } };
struct ge { template <class T> NT_HD bool operator()(T a, T b) const { return a >= b; } };
struct logical_and { template <class T> NT_HD bool operator()(T a, T b) const { return truthy(a) && truthy(b); } };
struct logical_or { template <class T> NT_HD bool operator()(T a, T b) const { return truthy(a) || truthy(b); } };

// clamp: bit0 of `has` applies lo, bit1 applies hi (torch: min(max(x, lo), hi); NaN propagates).
template <class T> struct clamp {
  T lo, hi;
  int has;
  NT_HD T operator()(T x) const {
    if (has & 1) x = maximum()(x, lo);
    if (has & 2) x = minimum()(x, hi);
    return x;
  }
};

// ---------------------------------------------------------------- ternary
struct where { template <class T> NT_HD T operator()(bool c, T a, T b) const { return c ? a : b; } };

}  // namespace ntf
