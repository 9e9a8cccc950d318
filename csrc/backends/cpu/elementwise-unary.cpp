// elementwise-unary.cpp — CPU kernels for the UNARY ops of ops.def: dtype checks, dispatch to the
// strided loop over core/formulas.h, and AVX2 fast paths for contiguous float32 runs.
// Not here: the formulas themselves, binary/ternary ops (elementwise-binary.cpp).
#include "elementwise-common.h"
#include "../../core/formulas.h"
#include "../../core/simd.h"
#if NT_X86
#include "elementwise-avx2.h"
#else
namespace nt_ew {  // no SIMD kernels off x86: the names exist so the table below stays one list
struct v_exp_op {}; struct v_sigmoid_op {}; struct v_tanh_op {}; struct v_relu_op {};
struct v_gelu_op {}; struct v_gelu_tanh_op {}; struct v_silu_op {}; struct v_erf_op {};
}  // namespace nt_ew
#endif

namespace nt_ew {
namespace {

// The AVX2 kernel for a float32 op when this CPU has AVX2+FMA, else null (portable loop).
template <class V> vec_unary_fn pick_vec() {
#if NT_X86
  return simd_enabled() ? &avx2_unary<V> : nullptr;
#else
  return nullptr;
#endif
}

// Checks dtypes against SET, then runs out = make(C())(in) with the storage types of in's dtype.
// make(C) returns the functor for compute type C (lets ops with parameters convert them once).
// Only the dtypes of SET are instantiated.
template <int SET, bool OUT_BOOL, class Make>
int unary_run(const nt_args* a, nt_error* e, const Make& make, int64_t grain, vec_unary_fn vec = nullptr) {
  const nt_view &in = a->v[0], &out = a->v[1];
  const int dt = in.dtype;
  if (!in_set(SET, dt))
    return nt_fail(e, "unsupported dtype %s (supported: %s)", nt_dtype_name(dt), set_list(SET));
  const int want = OUT_BOOL ? NT_BOOL : dt;
  if (out.dtype != want)
    return nt_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(out.dtype), nt_dtype_name(want));
#define NT_U_CASE(ENUM, S)                                                                        \
  case ENUM:                                                                                      \
    if constexpr (in_set(SET, ENUM))                                                              \
      unary_loop<S, typename std::conditional<OUT_BOOL, bool, S>::type>(in, out, make(nt_compute_t<S>()), grain, vec); \
    return 0;
  switch (dt) {
    NT_U_CASE(NT_F32, float)
    NT_U_CASE(NT_F64, double)
    NT_U_CASE(NT_F16, nt_half)
    NT_U_CASE(NT_BF16, nt_bf16)
    NT_U_CASE(NT_I32, int32_t)
    NT_U_CASE(NT_I64, int64_t)
    NT_U_CASE(NT_U8, uint8_t)
    NT_U_CASE(NT_BOOL, bool)
    default: break;
  }
#undef NT_U_CASE
  return nt_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
}

// Stateless formula F: the same functor for every compute type.
template <class F> struct same_f {
  template <class C> F operator()(C) const { return F(); }
};

template <class F, int SET, bool CHEAP>
int k_simple(const nt_args* a, nt_error* e) {
  return unary_run<SET, false>(a, e, same_f<F>(), CHEAP ? kGrainCheap : kGrainMath);
}
template <class F, class V, int SET, bool CHEAP>
int k_simd(const nt_args* a, nt_error* e) {
  return unary_run<SET, false>(a, e, same_f<F>(), CHEAP ? kGrainCheap : kGrainMath, pick_vec<V>());
}
template <class F>  // predicates: any dtype in, bool out
int k_pred(const nt_args* a, nt_error* e) {
  return unary_run<SET_ALL, true>(a, e, same_f<F>(), kGrainCheap);
}

int k_softplus(const nt_args* a, nt_error* e) {
  const double beta = a->f[0], threshold = a->f[1];
  auto make = [&](auto c) {
    typedef decltype(c) C;
    return ntf::softplus<C>{from_double<C>(beta), from_double<C>(threshold)};
  };
  return unary_run<SET_FLOAT, false>(a, e, make, kGrainMath);
}

int k_clamp(const nt_args* a, nt_error* e) {
  const double lo = a->f[0], hi = a->f[1];
  const int has = (int)(a->i[0] & 3);
  auto make = [&](auto c) {
    typedef decltype(c) C;
    return ntf::clamp<C>{bound_from_double<C>(lo), bound_from_double<C>(hi), has};
  };
  return unary_run<SET_NUMERIC, false>(a, e, make, kGrainCheap);
}

}  // namespace

void register_unary(nt_kernel_fn* s) {
  s[NT_OP_neg] = k_simple<ntf::neg, SET_NUMERIC, true>;
  s[NT_OP_abs] = k_simple<ntf::abs, SET_NUMERIC, true>;
  s[NT_OP_sign] = k_simple<ntf::sign, SET_NUMERIC, true>;
  s[NT_OP_exp] = k_simd<ntf::exp, v_exp_op, SET_FLOAT, false>;
  s[NT_OP_log] = k_simple<ntf::log, SET_FLOAT, false>;
  s[NT_OP_log1p] = k_simple<ntf::log1p, SET_FLOAT, false>;
  s[NT_OP_expm1] = k_simple<ntf::expm1, SET_FLOAT, false>;
  s[NT_OP_sqrt] = k_simd<ntf::sqrt, v_sqrt_op, SET_FLOAT, true>;
  s[NT_OP_rsqrt] = k_simd<ntf::rsqrt, v_rsqrt_op, SET_FLOAT, true>;
  s[NT_OP_square] = k_simple<ntf::square, SET_NUMERIC, true>;
  s[NT_OP_reciprocal] = k_simple<ntf::reciprocal, SET_FLOAT, true>;
  s[NT_OP_sin] = k_simple<ntf::sin, SET_FLOAT, false>;
  s[NT_OP_cos] = k_simple<ntf::cos, SET_FLOAT, false>;
  s[NT_OP_tan] = k_simple<ntf::tan, SET_FLOAT, false>;
  s[NT_OP_tanh] = k_simd<ntf::tanh, v_tanh_op, SET_FLOAT, false>;
  s[NT_OP_sigmoid] = k_simd<ntf::sigmoid, v_sigmoid_op, SET_FLOAT, false>;
  s[NT_OP_relu] = k_simd<ntf::relu, v_relu_op, SET_NUMERIC, true>;
  s[NT_OP_gelu] = k_simd<ntf::gelu, v_gelu_op, SET_FLOAT, false>;
  s[NT_OP_gelu_tanh] = k_simd<ntf::gelu_tanh, v_gelu_tanh_op, SET_FLOAT, false>;
  s[NT_OP_silu] = k_simd<ntf::silu, v_silu_op, SET_FLOAT, false>;
  s[NT_OP_softplus] = k_softplus;
  s[NT_OP_erf] = k_simd<ntf::erf, v_erf_op, SET_FLOAT, false>;
  s[NT_OP_floor] = k_simple<ntf::floor, SET_NUMERIC, true>;
  s[NT_OP_ceil] = k_simple<ntf::ceil, SET_NUMERIC, true>;
  s[NT_OP_round] = k_simple<ntf::round, SET_NUMERIC, true>;
  s[NT_OP_clamp] = k_clamp;
  s[NT_OP_logical_not] = k_pred<ntf::logical_not>;
  s[NT_OP_isnan] = k_pred<ntf::isnan>;
  s[NT_OP_isinf] = k_pred<ntf::isinf>;
}

}  // namespace nt_ew
