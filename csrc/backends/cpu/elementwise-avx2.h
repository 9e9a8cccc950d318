// elementwise-avx2.h — AVX2/FMA float32 math for the CPU elementwise kernels: exp, tanh, erf/erfc,
// gelu, and the driver that runs one of them over a contiguous array (masked tail, optional
// streaming stores). Not here: dispatch or the scalar formulas. Include only on x86 (NT_X86).
// NOTE: every function taking or returning __m256 must be NT_AVX2 and inline: the .node is built
// for baseline x86-64, and these are only called after nt_cpu_has_avx2().
//
// Accuracy (float32, checked by test/native/elementwise-test.cpp against double): exp ~1 ulp,
// tanh/sigmoid/silu ~2 ulp, erf/gelu a few ulp. Polynomials are our own least-squares fits.
#pragma once
#include <immintrin.h>
#include <stdint.h>

#include "../../core/simd.h"

namespace nt_ew {

#define NT_V8(c) _mm256_set1_ps(c)

// Lanes [0, n) set, n in 0..8.
NT_AVX2 static inline __m256i mask_first(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// e^x: x = n ln2 + r, |r| <= ln2/2, e^r by its Taylor series to degree 7, times 2^n applied in two
// halves so that overflow gives inf and results below FLT_MIN round correctly to subnormals / 0.
NT_AVX2 static inline __m256 v_exp(__m256 x) {
  x = _mm256_min_ps(NT_V8(89.0f), _mm256_max_ps(NT_V8(-104.0f), x));  // NaN stays NaN (2nd operand)
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, NT_V8(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, NT_V8(0.693145751953125f), x);  // ln2 split: hi part is exact * n
  r = _mm256_fnmadd_ps(n, NT_V8(1.428606765330187045e-06f), r);
  __m256 p = NT_V8(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, NT_V8(0.5f));
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f));
  p = _mm256_fmadd_ps(p, r, NT_V8(1.0f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

NT_AVX2 static inline __m256 v_sigmoid(__m256 x) {
  const __m256 one = NT_V8(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, v_exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh: |x| < 0.625: x + x^3 Q(x^2) (fit, rel. error 3e-9); else 1 - 2 / (e^{2|x|} + 1); sign restored.
NT_AVX2 static inline __m256 v_tanh(__m256 x) {
  const __m256 sgn = NT_V8(-0.0f);
  const __m256 a = _mm256_andnot_ps(sgn, x), s = _mm256_mul_ps(a, a);
  __m256 q = NT_V8(2.142962767e-03f);
  q = _mm256_fmadd_ps(q, s, NT_V8(-8.177399635e-03f));
  q = _mm256_fmadd_ps(q, s, NT_V8(2.170070447e-02f));
  q = _mm256_fmadd_ps(q, s, NT_V8(-5.394676328e-02f));
  q = _mm256_fmadd_ps(q, s, NT_V8(1.333320588e-01f));
  q = _mm256_fmadd_ps(q, s, NT_V8(-3.333333135e-01f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, s), q, a);
  const __m256 e = v_exp(_mm256_add_ps(a, a));
  const __m256 large = _mm256_sub_ps(NT_V8(1.0f), _mm256_div_ps(NT_V8(2.0f), _mm256_add_ps(e, NT_V8(1.0f))));
  const __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, NT_V8(0.625f), _CMP_LT_OQ));
  return _mm256_or_ps(y, _mm256_and_ps(x, sgn));  // NaN: `large` is NaN and stays NaN
}

// erf(a) ~ a P(a^2) for 0 <= a < 1 (fit, rel. error 8e-8); s = a^2.
NT_AVX2 static inline __m256 v_erf_small(__m256 a, __m256 s) {
  __m256 p = NT_V8(-5.631535314e-04f);
  p = _mm256_fmadd_ps(p, s, NT_V8(4.917582963e-03f));
  p = _mm256_fmadd_ps(p, s, NT_V8(-2.671134286e-02f));
  p = _mm256_fmadd_ps(p, s, NT_V8(1.128018126e-01f));
  p = _mm256_fmadd_ps(p, s, NT_V8(-3.761232793e-01f));
  p = _mm256_fmadd_ps(p, s, NT_V8(1.128379107e+00f));
  return _mm256_mul_ps(a, p);
}

// erfc(a + da) for 0.5 <= a (callers clamp a <= 10.5), da a tiny correction of a: e^{-a^2} t R(t),
// t = 1 / (1 + a/2), R a fit of erfc(a) e^{a^2} / t on [0.5, 10] in powers of (t - 0.4833) (rel. error
// 1.5e-7 evaluated in float). a^2 = hi + lo exactly, and e^{-lo - 2a da} ~ 1 - lo - 2a da.
NT_AVX2 static inline __m256 v_erfc_large(__m256 a, __m256 da) {
  const __m256 hi = _mm256_mul_ps(a, a), lo = _mm256_fmsub_ps(a, a, hi);
  const __m256 t = _mm256_div_ps(NT_V8(1.0f), _mm256_fmadd_ps(a, NT_V8(0.5f), NT_V8(1.0f)));
  const __m256 u = _mm256_sub_ps(t, NT_V8(0.483333319f));
  __m256 r = NT_V8(-6.178614125e-02f);
  r = _mm256_fmadd_ps(r, u, NT_V8(5.953821540e-02f));
  r = _mm256_fmadd_ps(r, u, NT_V8(8.987844735e-02f));
  r = _mm256_fmadd_ps(r, u, NT_V8(-1.128397211e-01f));
  r = _mm256_fmadd_ps(r, u, NT_V8(-1.629527807e-01f));
  r = _mm256_fmadd_ps(r, u, NT_V8(1.569343656e-01f));
  r = _mm256_fmadd_ps(r, u, NT_V8(5.513724685e-01f));
  r = _mm256_fmadd_ps(r, u, NT_V8(6.686539054e-01f));
  r = _mm256_fmadd_ps(r, u, NT_V8(4.994932413e-01f));
  const __m256 e = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), hi));
  const __m256 corr = _mm256_fmadd_ps(_mm256_add_ps(a, a), da, lo);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_fnmadd_ps(corr, e, e), t), r);
}

NT_AVX2 static inline __m256 v_erf(__m256 x) {
  const __m256 sgn = NT_V8(-0.0f);
  const __m256 a = _mm256_andnot_ps(sgn, x);
  const __m256 small = v_erf_small(a, _mm256_mul_ps(a, a));
  const __m256 large = _mm256_sub_ps(NT_V8(1.0f), v_erfc_large(_mm256_min_ps(a, NT_V8(4.0f)), _mm256_setzero_ps()));
  const __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, NT_V8(1.0f), _CMP_NGE_UQ));  // a < 1 or NaN: small
  return _mm256_or_ps(y, _mm256_and_ps(x, sgn));
}

// gelu = x/2 * (1 + erf(z)) with z = x/sqrt2; for x < 0 the factor is erfc(|z|).
// z carries its rounding error dz (1/sqrt2 = c_hi + c_lo): erfc's relative sensitivity is ~2|z| dz.
NT_AVX2 static inline __m256 v_gelu(__m256 x) {
  const __m256 sgn = NT_V8(-0.0f), c_hi = NT_V8(0.70710676908493042f);
  const __m256 z = _mm256_mul_ps(x, c_hi);
  const __m256 dz = _mm256_fmadd_ps(x, NT_V8(1.21016171045e-8f), _mm256_fmsub_ps(x, c_hi, z));
  const __m256 a = _mm256_andnot_ps(sgn, z);
  const __m256 in_range = _mm256_cmp_ps(a, NT_V8(10.5f), _CMP_LT_OQ);  // also drops inf/NaN's dz = NaN
  const __m256 da = _mm256_and_ps(_mm256_xor_ps(dz, _mm256_and_ps(z, sgn)), in_range);
  const __m256 e = v_erf_small(a, _mm256_mul_ps(a, a));
  const __m256 c = v_erfc_large(_mm256_min_ps(a, NT_V8(10.5f)), da);  // erfc(10.5) underflows to 0
  const __m256 one = NT_V8(1.0f);
  // x >= 0: 1 + erf (erf's series below 1); x < 0: erfc, from 1 - erf only below 0.5 (no cancellation)
  const __m256 pos = _mm256_blendv_ps(_mm256_sub_ps(NT_V8(2.0f), c), _mm256_add_ps(one, e), _mm256_cmp_ps(a, one, _CMP_LT_OQ));
  const __m256 neg = _mm256_blendv_ps(c, _mm256_sub_ps(one, e), _mm256_cmp_ps(a, NT_V8(0.5f), _CMP_LT_OQ));
  const __m256 f = _mm256_blendv_ps(neg, pos, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
  return _mm256_mul_ps(_mm256_mul_ps(NT_V8(0.5f), x), f);
}

// ---------------------------------------------------------------- unary ops as vector functors
struct v_relu_op { NT_AVX2 static inline __m256 f(__m256 x) { return _mm256_max_ps(_mm256_setzero_ps(), x); } };
// sqrt is correctly rounded in both forms, so these equal the scalar formulas bit for bit.
struct v_sqrt_op { NT_AVX2 static inline __m256 f(__m256 x) { return _mm256_sqrt_ps(x); } };
struct v_rsqrt_op { NT_AVX2 static inline __m256 f(__m256 x) { return _mm256_div_ps(NT_V8(1.0f), _mm256_sqrt_ps(x)); } };
struct v_exp_op { NT_AVX2 static inline __m256 f(__m256 x) { return v_exp(x); } };
struct v_sigmoid_op { NT_AVX2 static inline __m256 f(__m256 x) { return v_sigmoid(x); } };
struct v_tanh_op { NT_AVX2 static inline __m256 f(__m256 x) { return v_tanh(x); } };
struct v_erf_op { NT_AVX2 static inline __m256 f(__m256 x) { return v_erf(x); } };
struct v_gelu_op { NT_AVX2 static inline __m256 f(__m256 x) { return v_gelu(x); } };
struct v_silu_op {
  NT_AVX2 static inline __m256 f(__m256 x) {
    return _mm256_div_ps(x, _mm256_add_ps(NT_V8(1.0f), v_exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
  }
};
struct v_gelu_tanh_op {  // x * sigmoid(2u), as ntf::gelu_tanh
  NT_AVX2 static inline __m256 f(__m256 x) {
    const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    const __m256 u = _mm256_mul_ps(NT_V8(0.79788456080286535588f), _mm256_fmadd_ps(x3, NT_V8(0.044715f), x));
    return _mm256_div_ps(x, _mm256_add_ps(NT_V8(1.0f), v_exp(_mm256_mul_ps(NT_V8(-2.0f), u))));
  }
};

// y[0..n) = V(x[0..n)). Masked head/tail keep every element on the vector formula, so results never
// depend on where a thread's chunk starts. With `stream`, full vectors use non-temporal stores.
template <class V>
NT_AVX2 void avx2_unary(const float* x, float* y, int64_t n, bool stream) {
  int64_t i = 0;
  stream = stream && ((uintptr_t)y & 3) == 0;
  if (stream) {
    int64_t head = (int64_t)(((32 - ((uintptr_t)y & 31)) & 31) / 4);
    if (head > n) head = n;
    if (head > 0) {
      const __m256i m = mask_first(head);
      _mm256_maskstore_ps(y, m, V::f(_mm256_maskload_ps(x, m)));
      i = head;
    }
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(y + i, V::f(_mm256_loadu_ps(x + i)));
    _mm_sfence();
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, V::f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = mask_first(n - i);
    _mm256_maskstore_ps(y + i, m, V::f(_mm256_maskload_ps(x + i, m)));
  }
}

}  // namespace nt_ew
