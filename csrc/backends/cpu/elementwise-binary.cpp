// elementwise-binary.cpp — CPU kernels for the BINARY ops and `where` (TERNARY) of ops.def, with
// scalar-operand modes, integer error checks, and AVX2 paths for contiguous / broadcast float32 runs;
// also nt_cpu_register_elementwise. Not here: the formulas (core/formulas.h) or unary ops.
#include <atomic>

#include "elementwise-common.h"
#include "../../core/formulas.h"
#include "../../core/simd.h"
#if NT_X86
#include "elementwise-binary-avx2.h"
#else
namespace nt_ew {  // no SIMD kernels off x86: the names exist so the table below stays one list
struct v_add {}; struct v_add_alpha {}; struct v_sub {}; struct v_sub_alpha {}; struct v_mul {};
struct v_div {}; struct v_max {}; struct v_min {}; struct v_eq {}; struct v_ne {}; struct v_lt {};
struct v_le {}; struct v_gt {}; struct v_ge {};
}  // namespace nt_ew
#endif

namespace nt_ew {

// -1 until the first kernel asks (no CPU probing in a static initializer).
static std::atomic<int> g_simd{-1};
bool simd_enabled() {
  int v = g_simd.load(std::memory_order_relaxed);
  if (v < 0) g_simd.store(v = nt_cpu_has_avx2() ? 1 : 0, std::memory_order_relaxed);
  return v == 1;
}
void set_simd(bool on) { g_simd.store(on && nt_cpu_has_avx2() ? 1 : 0, std::memory_order_relaxed); }

namespace {

// Contiguous float32 SIMD kernel (null = none): mode 0 a and b are arrays, 1: b is the value *b,
// 2: a is the value *a. p is the op's float parameter (alpha).
template <class D>
using vec_binary_fn = void (*)(const float* a, const float* b, D* o, int64_t n, int mode, float p, bool stream);
template <class D> using vec_out_t = typename std::conditional<std::is_same<D, bool>::value, bool, float>::type;

// One scalar-mode instantiation of the binary loop. MODE 0: a, b views; 1: b = s; 2: a = s.
template <int MODE, class S, class D, class F>
void binary_loop(const nt_args* args, const F& f, int64_t grain, vec_binary_fn<vec_out_t<D>> vec, float vp) {
  typedef nt_compute_t<S> C;
  const nt_view& out = args->v[2];
  const nt_view& va = MODE == 2 ? out : args->v[0];  // the unused slot iterates over out's shape
  const nt_view& vb = MODE == 1 ? out : args->v[1];
  const C s = MODE != 0 ? from_double<C>(args->f[0]) : C();
  const nt_strided<3> it = nt_make_strided<3>({&out, &va, &vb});
  if (it.numel == 0) return;
  D* po = (D*)out.data;
  const S* pa = (const S*)va.data;
  const S* pb = (const S*)vb.data;
  const bool stream = want_stream(it.numel, (int)(sizeof(S) * (MODE == 0 ? 2 : 1) + sizeof(D)));
  auto body = [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* sd, int64_t n) {
      D* o = po + off[0];
      const S* xa = MODE == 2 ? nullptr : pa + off[1];
      const S* xb = MODE == 1 ? nullptr : pb + off[2];
      const int64_t so = sd[0], sa = sd[1], sb = sd[2];
      if constexpr (std::is_same<S, float>::value) {
        if (vec && so == 1) {
          if (MODE == 1 && sa == 1) { vec(xa, &s, o, n, 1, vp, stream); return; }
          if (MODE == 2 && sb == 1) { vec(&s, xb, o, n, 2, vp, stream); return; }
          if (MODE == 0 && sa == 1 && sb == 1) { vec(xa, xb, o, n, 0, vp, stream); return; }
          if (MODE == 0 && sa == 1 && sb == 0) { vec(xa, xb, o, n, 1, vp, stream); return; }
          if (MODE == 0 && sa == 0 && sb == 1) { vec(xa, xb, o, n, 2, vp, stream); return; }
        }
      }
      if (so == 1 && (MODE == 2 || sa == 1) && (MODE == 1 || sb == 1)) {
        for (int64_t k = 0; k < n; k++) {
          if constexpr (MODE == 0) st(o + k, f(ld(xa + k), ld(xb + k)));
          else if constexpr (MODE == 1) st(o + k, f(ld(xa + k), s));
          else st(o + k, f(s, ld(xb + k)));
        }
      } else {
        for (int64_t k = 0; k < n; k++) {
          if constexpr (MODE == 0) st(o + k * so, f(ld(xa + k * sa), ld(xb + k * sb)));
          else if constexpr (MODE == 1) st(o + k * so, f(ld(xa + k * sa), s));
          else st(o + k * so, f(s, ld(xb + k * sb)));
        }
      }
    });
  };
  run_parallel(it.numel, grain, body);
}

// Checks dtypes against SET and the scalar mode, then runs make(C()) over the operands.
template <int SET, bool OUT_BOOL, class Make>
int binary_run(const nt_args* a, nt_error* e, const Make& make, int64_t grain,
               vec_binary_fn<typename std::conditional<OUT_BOOL, bool, float>::type> vec = nullptr, float vp = 0) {
  const int mode = (int)a->i[0];
  if (mode < 0 || mode > 2) return nt_fail(e, "invalid scalar-operand mode %d (expected 0, 1 or 2)", mode);
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  if (mode == 0 && a->v[1].dtype != dt)
    return nt_fail(e, "operand dtypes differ: %s and %s", nt_dtype_name(dt), nt_dtype_name(a->v[1].dtype));
  if (!in_set(SET, dt)) return nt_fail(e, "unsupported dtype %s (supported: %s)", nt_dtype_name(dt), set_list(SET));
  const int want = OUT_BOOL ? NT_BOOL : dt;
  if (a->v[2].dtype != want)
    return nt_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(a->v[2].dtype), nt_dtype_name(want));
#define NT_B_CASE(ENUM, S)                                                             \
  case ENUM:                                                                           \
    if constexpr (in_set(SET, ENUM)) {                                                 \
      typedef typename std::conditional<OUT_BOOL, bool, S>::type D;                    \
      const auto f = make(nt_compute_t<S>());                                          \
      if (mode == 0) binary_loop<0, S, D>(a, f, grain, vec, vp);                       \
      else if (mode == 1) binary_loop<1, S, D>(a, f, grain, vec, vp);                  \
      else binary_loop<2, S, D>(a, f, grain, vec, vp);                                 \
    }                                                                                  \
    return 0;
  switch (dt) {
    NT_B_CASE(NT_F32, float)
    NT_B_CASE(NT_F64, double)
    NT_B_CASE(NT_F16, nt_half)
    NT_B_CASE(NT_BF16, nt_bf16)
    NT_B_CASE(NT_I32, int32_t)
    NT_B_CASE(NT_I64, int64_t)
    NT_B_CASE(NT_U8, uint8_t)
    NT_B_CASE(NT_BOOL, bool)
    default: break;
  }
#undef NT_B_CASE
  return nt_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
}

template <class F> struct same_f {
  template <class C> F operator()(C) const { return F(); }
};

// The AVX2 kernel for float32 when this CPU has AVX2+FMA, else null (portable loop).
template <class V> vec_binary_fn<float> pick_arith() {
#if NT_X86
  return simd_enabled() ? &avx2_binary<V> : nullptr;
#else
  return nullptr;
#endif
}
template <class V> vec_binary_fn<bool> pick_cmp() {
#if NT_X86
  return simd_enabled() ? &avx2_cmp<V> : nullptr;
#else
  return nullptr;
#endif
}

// add / sub: f[1] = alpha. The SIMD path has a plain form for alpha == 1.
template <template <class> class OP, class VPLAIN, class VALPHA>
int k_add_sub(const nt_args* a, nt_error* e) {
  const double alpha = a->f[1];
  auto make = [&](auto c) { typedef decltype(c) C; return OP<C>{from_double<C>(alpha)}; };
  return binary_run<SET_NUMERIC, false>(a, e, make, kGrainCheap, alpha == 1 ? pick_arith<VPLAIN>() : pick_arith<VALPHA>(),
                                        (float)alpha);
}

template <class F, class V>
int k_arith(const nt_args* a, nt_error* e) {
  return binary_run<SET_NUMERIC, false>(a, e, same_f<F>(), kGrainCheap, pick_arith<V>());
}

template <class F, class V>
int k_cmp(const nt_args* a, nt_error* e) {
  return binary_run<SET_ALL, true>(a, e, same_f<F>(), kGrainCheap, pick_cmp<V>());
}

template <class F>
int k_logical(const nt_args* a, nt_error* e) {
  return binary_run<SET_ALL, true>(a, e, same_f<F>(), kGrainCheap);
}

// Integer division: a zero divisor is reported after the loop (the element gets 0, never a trap).
template <class F, class C> struct zero_checked {
  std::atomic<bool>* bad;
  C operator()(C x, C y) const {
    if (y == C(0)) { bad->store(true, std::memory_order_relaxed); return C(0); }
    return F()(x, y);
  }
};

int k_div(const nt_args* a, nt_error* e) {
  const int64_t rounding = a->i[1];
  if (rounding == 0) {
    return binary_run<SET_FLOAT, false>(a, e, same_f<ntf::div_true>(), kGrainCheap, pick_arith<v_div>());
  }
  if (rounding != 1 && rounding != 2) return nt_fail(e, "invalid rounding mode %lld (expected 0, 1 or 2)", (long long)rounding);
  const int mode = (int)a->i[0];
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  if (mode == 1 && !nt_dtype_is_float(dt) && from_double<int64_t>(a->f[0]) == 0) return nt_fail(e, "division by zero");
  std::atomic<bool> bad(false);
  int rc;
  if (rounding == 1) {
    auto mk = [&](auto c) {
      typedef decltype(c) C;
      if constexpr (std::is_integral<C>::value) return zero_checked<ntf::div_trunc, C>{&bad};
      else return ntf::div_trunc();
    };
    rc = binary_run<SET_NUMERIC, false>(a, e, mk, kGrainCheap);
  } else {
    auto mk = [&](auto c) {
      typedef decltype(c) C;
      if constexpr (std::is_integral<C>::value) return zero_checked<ntf::div_floor, C>{&bad};
      else return ntf::div_floor();
    };
    rc = binary_run<SET_NUMERIC, false>(a, e, mk, kGrainCheap);
  }
  if (rc == 0 && bad.load()) return nt_fail(e, "division by zero");
  return rc;
}

int k_pow(const nt_args* a, nt_error* e) {
  const int mode = (int)a->i[0];
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  if (mode == 1 && in_set(SET_NUMERIC, dt)) {
    const double ex = a->f[0];
    if (!nt_dtype_is_float(dt)) {
      if (ex < 0) return nt_fail(e, "Integers to negative integer powers are not allowed");
    } else {
      // a scalar exponent on floats: torch's special cases (x*x, sqrt, ...) as one unary formula
      const nt_view &in = a->v[0], &out = a->v[2];
      if (out.dtype != dt)
        return nt_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(out.dtype), nt_dtype_name(dt));
      const int64_t grain = ex == 2 ? kGrainCheap : kGrainMath;
      switch (dt) {
        case NT_F32: unary_loop<float, float>(in, out, ntf::pow_scalar<float>{(float)ex}, grain); return 0;
        case NT_F64: unary_loop<double, double>(in, out, ntf::pow_scalar<double>{ex}, grain); return 0;
        case NT_F16: unary_loop<nt_half, nt_half>(in, out, ntf::pow_scalar<float>{(float)ex}, grain); return 0;
        case NT_BF16: unary_loop<nt_bf16, nt_bf16>(in, out, ntf::pow_scalar<float>{(float)ex}, grain); return 0;
        default: break;
      }
    }
  }
  return binary_run<SET_NUMERIC, false>(a, e, same_f<ntf::pow>(), kGrainMath);
}

// ---------------------------------------------------------------- where
template <class S> inline S raw(const S* p) { return *p; }
inline bool raw(const bool* p) { return ld(p); }  // a bool byte other than 0/1 reads as true

template <class S>
void where_loop(const nt_args* a, int scalars) {
  const nt_view &cv = a->v[0], &out = a->v[3];
  const nt_view& va = (scalars & 1) ? out : a->v[1];
  const nt_view& vb = (scalars & 2) ? out : a->v[2];
  S sa, sb;  // scalar operands as storage values; a scalar is read through a stride-0 pointer
  st(&sa, from_double<nt_compute_t<S>>(a->f[0]));
  st(&sb, from_double<nt_compute_t<S>>(a->f[1]));
  const nt_strided<4> it = nt_make_strided<4>({&out, &cv, &va, &vb});
  if (it.numel == 0) return;
  S* po = (S*)out.data;
  const bool* pc = (const bool*)cv.data;
  const S* pa = (const S*)va.data;
  const S* pb = (const S*)vb.data;
  auto body = [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* sd, int64_t n) {
      S* o = po + off[0];
      const bool* c = pc + off[1];
      const S* xa = (scalars & 1) ? &sa : pa + off[2];
      const S* xb = (scalars & 2) ? &sb : pb + off[3];
      const int64_t so = sd[0], sc = sd[1], sxa = (scalars & 1) ? 0 : sd[2], sxb = (scalars & 2) ? 0 : sd[3];
#if NT_X86
      if constexpr (sizeof(S) == 4) {
        if (simd_enabled() && so == 1 && sc == 1 && (sxa | 1) == 1 && (sxb | 1) == 1) {
          avx2_where32(c, (const uint32_t*)xa, sxa, (const uint32_t*)xb, sxb, (uint32_t*)o, n);
          return;
        }
      }
#endif
      for (int64_t k = 0; k < n; k++) {
        const S x = raw(xa + k * sxa), y = raw(xb + k * sxb);  // both loaded: lets it vectorise
        o[k * so] = ld(c + k * sc) ? x : y;
      }
    });
  };
  run_parallel(it.numel, kGrainCheap, body);
}

int k_where(const nt_args* a, nt_error* e) {
  const int scalars = (int)(a->i[0] & 3);
  const int dt = a->v[3].dtype;
  if (a->v[0].dtype != NT_BOOL) return nt_fail(e, "condition must be bool, got %s", nt_dtype_name(a->v[0].dtype));
  for (int k = 1; k <= 2; k++)
    if (!(scalars & k) && a->v[k].dtype != dt)
      return nt_fail(e, "operand dtype %s does not match the output dtype %s", nt_dtype_name(a->v[k].dtype), nt_dtype_name(dt));
  switch (dt) {
    case NT_F32: where_loop<float>(a, scalars); return 0;
    case NT_F64: where_loop<double>(a, scalars); return 0;
    case NT_F16: where_loop<nt_half>(a, scalars); return 0;
    case NT_BF16: where_loop<nt_bf16>(a, scalars); return 0;
    case NT_I32: where_loop<int32_t>(a, scalars); return 0;
    case NT_I64: where_loop<int64_t>(a, scalars); return 0;
    case NT_U8: where_loop<uint8_t>(a, scalars); return 0;
    case NT_BOOL: where_loop<bool>(a, scalars); return 0;
    default: return nt_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
  }
}

}  // namespace
}  // namespace nt_ew

void nt_cpu_register_elementwise(nt_kernel_fn* s) {
  using namespace nt_ew;
  register_unary(s);
  s[NT_OP_add] = k_add_sub<ntf::add, v_add, v_add_alpha>;
  s[NT_OP_sub] = k_add_sub<ntf::sub, v_sub, v_sub_alpha>;
  s[NT_OP_mul] = k_arith<ntf::mul, v_mul>;
  s[NT_OP_div] = k_div;
  s[NT_OP_pow] = k_pow;
  s[NT_OP_maximum] = k_arith<ntf::maximum, v_max>;
  s[NT_OP_minimum] = k_arith<ntf::minimum, v_min>;
  s[NT_OP_eq] = k_cmp<ntf::eq, v_eq>;
  s[NT_OP_ne] = k_cmp<ntf::ne, v_ne>;
  s[NT_OP_lt] = k_cmp<ntf::lt, v_lt>;
  s[NT_OP_le] = k_cmp<ntf::le, v_le>;
  s[NT_OP_gt] = k_cmp<ntf::gt, v_gt>;
  s[NT_OP_ge] = k_cmp<ntf::ge, v_ge>;
  s[NT_OP_logical_and] = k_logical<ntf::logical_and>;
  s[NT_OP_logical_or] = k_logical<ntf::logical_or>;
  s[NT_OP_where] = k_where;
}
