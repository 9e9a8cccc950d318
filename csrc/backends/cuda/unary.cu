// unary.cu — CUDA kernels for the UNARY ops of ops.def: the CPU backend's dtype checks, then the
// elementwise engine over the shared scalar formulas (core/formulas.h), 16-bit floats in float.
// Not here: binary/ternary ops (binary.cu), casts (copy.cu).
#include "../../core/formulas.h"
#include "elementwise.cuh"

namespace ntc {
namespace {

// Checks the dtypes against SET, then runs out = make(C())(in) for in's storage type.
template <int SET, bool OUT_BOOL, class Make>
int unary_run(const nt_args* a, nt_error* e, const Make& make) {
  const nt_view &in = a->v[0], &out = a->v[1];
  const int dt = in.dtype;
  if (a->nviews < 2) return nt_cu_fail(e, "expected 2 views (in, out), got %d", (int)a->nviews);
  if (!in_set(SET, dt)) return nt_cu_fail(e, "unsupported dtype %s (supported: %s)", nt_dtype_name(dt), set_list(SET));
  const int want = OUT_BOOL ? NT_BOOL : dt;
  if (out.dtype != want)
    return nt_cu_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(out.dtype), nt_dtype_name(want));
  if (!nt_cu_same_shape(&in, &out)) return nt_cu_fail(e, "input and output shapes differ");
  const nt_view* ins[1] = {&in};
#define NTC_U_CASE(ENUM, S)                                                                       \
  case ENUM:                                                                                      \
    if constexpr (in_set(SET, ENUM)) {                                                            \
      typedef typename std::conditional<OUT_BOOL, bool, S>::type D;                               \
      return launch_ew<1, S, D>(out, ins, ew_scalars<nt_compute_t<S>>{{}, 0}, make(nt_compute_t<S>()), e); \
    }                                                                                             \
    break;
  switch (dt) {
    NTC_U_CASE(NT_F32, float)
    NTC_U_CASE(NT_F64, double)
    NTC_U_CASE(NT_F16, nt_half)
    NTC_U_CASE(NT_BF16, nt_bf16)
    NTC_U_CASE(NT_I32, int32_t)
    NTC_U_CASE(NT_I64, int64_t)
    NTC_U_CASE(NT_U8, uint8_t)
    NTC_U_CASE(NT_BOOL, bool)
    default: break;
  }
#undef NTC_U_CASE
  return nt_cu_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
}

template <class F> struct same_f {
  template <class C> F operator()(C) const { return F(); }
};
template <class F, int SET> int k_simple(const nt_args* a, nt_error* e) { return unary_run<SET, false>(a, e, same_f<F>()); }
template <class F> int k_pred(const nt_args* a, nt_error* e) { return unary_run<SET_ALL, true>(a, e, same_f<F>()); }

int k_softplus(const nt_args* a, nt_error* e) {
  const double beta = a->f[0], threshold = a->f[1];
  auto make = [&](auto c) {
    typedef decltype(c) C;
    return ntf::softplus<C>{from_double<C>(beta), from_double<C>(threshold)};
  };
  return unary_run<SET_FLOAT, false>(a, e, make);
}

int k_clamp(const nt_args* a, nt_error* e) {
  const double lo = a->f[0], hi = a->f[1];
  const int has = (int)(a->i[0] & 3);
  auto make = [&](auto c) {
    typedef decltype(c) C;
    return ntf::clamp<C>{bound_from_double<C>(lo), bound_from_double<C>(hi), has};
  };
  return unary_run<SET_NUMERIC, false>(a, e, make);
}

}  // namespace
}  // namespace ntc

void ntc_register_unary(nt_kernel_fn* s) {
  using namespace ntc;
  s[NT_OP_neg] = k_simple<ntf::neg, SET_NUMERIC>;
  s[NT_OP_abs] = k_simple<ntf::abs, SET_NUMERIC>;
  s[NT_OP_sign] = k_simple<ntf::sign, SET_NUMERIC>;
  s[NT_OP_exp] = k_simple<ntf::exp, SET_FLOAT>;
  s[NT_OP_log] = k_simple<ntf::log, SET_FLOAT>;
  s[NT_OP_log1p] = k_simple<ntf::log1p, SET_FLOAT>;
  s[NT_OP_expm1] = k_simple<ntf::expm1, SET_FLOAT>;
  s[NT_OP_sqrt] = k_simple<ntf::sqrt, SET_FLOAT>;
  s[NT_OP_rsqrt] = k_simple<ntf::rsqrt, SET_FLOAT>;
  s[NT_OP_square] = k_simple<ntf::square, SET_NUMERIC>;
  s[NT_OP_reciprocal] = k_simple<ntf::reciprocal, SET_FLOAT>;
  s[NT_OP_sin] = k_simple<ntf::sin, SET_FLOAT>;
  s[NT_OP_cos] = k_simple<ntf::cos, SET_FLOAT>;
  s[NT_OP_tan] = k_simple<ntf::tan, SET_FLOAT>;
  s[NT_OP_tanh] = k_simple<ntf::tanh, SET_FLOAT>;
  s[NT_OP_sigmoid] = k_simple<ntf::sigmoid, SET_FLOAT>;
  s[NT_OP_relu] = k_simple<ntf::relu, SET_NUMERIC>;
  s[NT_OP_gelu] = k_simple<ntf::gelu, SET_FLOAT>;
  s[NT_OP_gelu_tanh] = k_simple<ntf::gelu_tanh, SET_FLOAT>;
  s[NT_OP_silu] = k_simple<ntf::silu, SET_FLOAT>;
  s[NT_OP_softplus] = k_softplus;
  s[NT_OP_erf] = k_simple<ntf::erf, SET_FLOAT>;
  s[NT_OP_floor] = k_simple<ntf::floor, SET_NUMERIC>;
  s[NT_OP_ceil] = k_simple<ntf::ceil, SET_NUMERIC>;
  s[NT_OP_round] = k_simple<ntf::round, SET_NUMERIC>;
  s[NT_OP_clamp] = k_clamp;
  s[NT_OP_logical_not] = k_pred<ntf::logical_not>;
  s[NT_OP_isnan] = k_pred<ntf::isnan>;
  s[NT_OP_isinf] = k_pred<ntf::isinf>;
}
