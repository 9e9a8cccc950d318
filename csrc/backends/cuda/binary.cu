// binary.cu — CUDA kernels for the BINARY ops and `where` (TERNARY) of ops.def: scalar-operand
// modes, the CPU backend's dtype checks and its integer errors (division by zero, negative integer
// powers), over the elementwise engine and the shared formulas. Not here: unary ops (unary.cu).
#include "../../core/formulas.h"
#include "elementwise.cuh"

namespace ntc {
namespace {

// Checks dtypes against SET and the scalar mode (i[0]: 1 = b is f[0], 2 = a is f[0]), then runs
// make(C()) over the operands.
template <int SET, bool OUT_BOOL, class Make>
int binary_run(const nt_args* a, nt_error* e, const Make& make) {
  const int mode = (int)a->i[0];
  if (a->nviews < 3) return nt_cu_fail(e, "expected 3 views (a, b, out), got %d", (int)a->nviews);
  if (mode < 0 || mode > 2) return nt_cu_fail(e, "invalid scalar-operand mode %d (expected 0, 1 or 2)", mode);
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  if (mode == 0 && a->v[1].dtype != dt)
    return nt_cu_fail(e, "operand dtypes differ: %s and %s", nt_dtype_name(dt), nt_dtype_name(a->v[1].dtype));
  if (!in_set(SET, dt)) return nt_cu_fail(e, "unsupported dtype %s (supported: %s)", nt_dtype_name(dt), set_list(SET));
  const int want = OUT_BOOL ? NT_BOOL : dt;
  if (a->v[2].dtype != want)
    return nt_cu_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(a->v[2].dtype), nt_dtype_name(want));
  for (int k = 0; k < 2; k++) {
    const bool scalar = (k == 0 && mode == 2) || (k == 1 && mode == 1);
    if (!scalar && !nt_cu_same_shape(&a->v[k], &a->v[2])) return nt_cu_fail(e, "operand %d does not have the output's shape", k);
  }
  const nt_view* ins[2] = {&a->v[0], &a->v[1]};
  const unsigned mask = mode == 1 ? 2u : mode == 2 ? 1u : 0u;
#define NTC_B_CASE(ENUM, S)                                                            \
  case ENUM:                                                                           \
    if constexpr (in_set(SET, ENUM)) {                                                 \
      typedef nt_compute_t<S> C;                                                       \
      typedef typename std::conditional<OUT_BOOL, bool, S>::type D;                    \
      const C s = from_double<C>(a->f[0]);                                             \
      return launch_ew<2, S, D>(a->v[2], ins, ew_scalars<C>{{s, s}, mask}, make(C()), e); \
    }                                                                                  \
    break;
  switch (dt) {
    NTC_B_CASE(NT_F32, float)
    NTC_B_CASE(NT_F64, double)
    NTC_B_CASE(NT_F16, nt_half)
    NTC_B_CASE(NT_BF16, nt_bf16)
    NTC_B_CASE(NT_I32, int32_t)
    NTC_B_CASE(NT_I64, int64_t)
    NTC_B_CASE(NT_U8, uint8_t)
    NTC_B_CASE(NT_BOOL, bool)
    default: break;
  }
#undef NTC_B_CASE
  return nt_cu_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
}

template <class F> struct same_f {
  template <class C> F operator()(C) const { return F(); }
};

template <template <class> class OP>
int k_add_sub(const nt_args* a, nt_error* e) {
  const double alpha = a->f[1];
  auto make = [&](auto c) { typedef decltype(c) C; return OP<C>{from_double<C>(alpha)}; };
  return binary_run<SET_NUMERIC, false>(a, e, make);
}
template <class F> int k_arith(const nt_args* a, nt_error* e) { return binary_run<SET_NUMERIC, false>(a, e, same_f<F>()); }
template <class F> int k_cmp(const nt_args* a, nt_error* e) { return binary_run<SET_ALL, true>(a, e, same_f<F>()); }

// Integer division: a zero divisor sets a flag (the element gets 0, never a trap); the op then fails.
template <class F, class C>
struct zero_checked {
  unsigned long long* flag;
  __device__ C operator()(C x, C y) const {
    if (y == C(0)) { atomicOr(flag, 1ull); return C(0); }
    return F()(x, y);
  }
};
template <class F>
struct div_maker {
  unsigned long long* flag;
  template <class C> auto operator()(C) const {
    if constexpr (std::is_integral<C>::value) return zero_checked<F, C>{flag};
    else return F();
  }
};

int k_div(const nt_args* a, nt_error* e) {
  const int64_t rounding = a->i[1];
  if (rounding == 0) return binary_run<SET_FLOAT, false>(a, e, same_f<ntf::div_true>());
  if (rounding != 1 && rounding != 2) return nt_cu_fail(e, "invalid rounding mode %lld (expected 0, 1 or 2)", (long long)rounding);
  const int mode = (int)a->i[0];
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  const bool ints = in_set(SET_NUMERIC, dt) && !nt_dtype_is_float(dt);
  if (mode == 1 && ints && from_double<int64_t>(a->f[0]) == 0) return nt_cu_fail(e, "division by zero");
  unsigned long long* flag = cur()->slot + 1;
  const int rc = rounding == 1 ? binary_run<SET_NUMERIC, false>(a, e, div_maker<ntf::div_trunc>{flag})
                               : binary_run<SET_NUMERIC, false>(a, e, div_maker<ntf::div_floor>{flag});
  if (rc || !ints) return rc;
  unsigned long long pos, flags;
  if (take_slot(&pos, &flags, e)) return 1;
  return flags & 1 ? nt_cu_fail(e, "division by zero") : 0;
}

int k_pow(const nt_args* a, nt_error* e) {
  const int mode = (int)a->i[0];
  const int dt = mode == 2 ? a->v[1].dtype : a->v[0].dtype;
  if (mode == 1 && in_set(SET_NUMERIC, dt)) {
    const double ex = a->f[0];
    if (!nt_dtype_is_float(dt)) {
      if (ex < 0) return nt_cu_fail(e, "Integers to negative integer powers are not allowed");
    } else {  // a scalar exponent on floats: torch's special cases (x*x, sqrt, ...) as one unary formula
      const nt_view &in = a->v[0], &out = a->v[2];
      if (out.dtype != dt)
        return nt_cu_fail(e, "output dtype %s does not match the expected %s", nt_dtype_name(out.dtype), nt_dtype_name(dt));
      const nt_view* ins[1] = {&in};
      NTC_DISPATCH_FLOAT(dt, S, {
        typedef nt_compute_t<S> C;
        return launch_ew<1, S, S>(out, ins, ew_scalars<C>{{}, 0}, ntf::pow_scalar<C>{(C)ex}, e);
      });
    }
  }
  return binary_run<SET_NUMERIC, false>(a, e, same_f<ntf::pow>());
}

// ---------------------------------------------------------------- where
// v0 = cond (bool), v1 = a, v2 = b, v3 = out; i[0] bit0: a is f[0], bit1: b is f[1]. Data moves as bits.
template <class U>
struct where_args {
  const uint8_t* c;
  const U* x;
  const U* y;
  U* o;
  U sx, sy;
  int scalars;
  nt_offcalc<4> oc;
  int64_t n;
};

template <class U>
__global__ void __launch_bounds__(256) k_where_t(where_args<U> w) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n; i += step) {
    int64_t off[4];
    w.oc.get(i, off);
    const U x = (w.scalars & 1) ? w.sx : w.x[off[2]];
    const U y = (w.scalars & 2) ? w.sy : w.y[off[3]];
    w.o[off[0]] = w.c[off[1]] ? x : y;
  }
}

template <class S>
int where_typed(const nt_args* a, int scalars, nt_error* e) {
  typedef typename std::conditional<sizeof(S) == 1, uint8_t, typename std::conditional<sizeof(S) == 2, uint16_t,
          typename std::conditional<sizeof(S) == 4, uint32_t, uint64_t>::type>::type>::type U;
  const nt_view &cv = a->v[0], &out = a->v[3];
  const nt_view& va = (scalars & 1) ? out : a->v[1];
  const nt_view& vb = (scalars & 2) ? out : a->v[2];
  const nt_view* vs[4] = {&out, &cv, &va, &vb};
  const nt_strided<4> it = nt_make_strided<4>(vs);
  if (it.numel == 0) return 0;
  where_args<U> w;
  w.o = (U*)out.data + it.base[0];
  w.c = (const uint8_t*)cv.data + it.base[1];
  w.x = (const U*)va.data + it.base[2];
  w.y = (const U*)vb.data + it.base[3];
  S sx = S(), sy = S();
  typedef nt_compute_t<S> C;
  const C cx = from_double<C>(a->f[0]), cy = from_double<C>(a->f[1]);
  if constexpr (std::is_same<S, nt_half>::value) { sx.bits = nt_float_to_half(cx); sy.bits = nt_float_to_half(cy); }
  else if constexpr (std::is_same<S, nt_bf16>::value) { sx.bits = nt_float_to_bf16(cx); sy.bits = nt_float_to_bf16(cy); }
  else { sx = (S)cx; sy = (S)cy; }
  memcpy(&w.sx, &sx, sizeof(U));
  memcpy(&w.sy, &sy, sizeof(U));
  w.scalars = scalars;
  w.oc = nt_make_offcalc<4>(it);
  w.n = it.numel;
  k_where_t<U><<<grid_for(w.n, 256), 256, 0, cur()->stream>>>(w);
  return launch_check(e);
}

int k_where(const nt_args* a, nt_error* e) {
  const int scalars = (int)(a->i[0] & 3);
  if (a->nviews < 4) return nt_cu_fail(e, "expected 4 views (cond, a, b, out), got %d", (int)a->nviews);
  const int dt = a->v[3].dtype;
  if (a->v[0].dtype != NT_BOOL) return nt_cu_fail(e, "condition must be bool, got %s", nt_dtype_name(a->v[0].dtype));
  for (int k = 1; k <= 2; k++)
    if (!(scalars & k) && a->v[k].dtype != dt)
      return nt_cu_fail(e, "operand dtype %s does not match the output dtype %s", nt_dtype_name(a->v[k].dtype), nt_dtype_name(dt));
  for (int k = 0; k <= 2; k++)
    if ((k == 0 || !(scalars & k)) && !nt_cu_same_shape(&a->v[k], &a->v[3]))
      return nt_cu_fail(e, "operand %d does not have the output's shape", k);
  NTC_DISPATCH(dt, S, return where_typed<S>(a, scalars, e));
  return nt_cu_fail(e, "unsupported dtype %s", nt_dtype_name(dt));
}

}  // namespace
}  // namespace ntc

void ntc_register_binary(nt_kernel_fn* s) {
  using namespace ntc;
  s[NT_OP_add] = k_add_sub<ntf::add>;
  s[NT_OP_sub] = k_add_sub<ntf::sub>;
  s[NT_OP_mul] = k_arith<ntf::mul>;
  s[NT_OP_div] = k_div;
  s[NT_OP_pow] = k_pow;
  s[NT_OP_maximum] = k_arith<ntf::maximum>;
  s[NT_OP_minimum] = k_arith<ntf::minimum>;
  s[NT_OP_eq] = k_cmp<ntf::eq>;
  s[NT_OP_ne] = k_cmp<ntf::ne>;
  s[NT_OP_lt] = k_cmp<ntf::lt>;
  s[NT_OP_le] = k_cmp<ntf::le>;
  s[NT_OP_gt] = k_cmp<ntf::gt>;
  s[NT_OP_ge] = k_cmp<ntf::ge>;
  s[NT_OP_logical_and] = k_cmp<ntf::logical_and>;
  s[NT_OP_logical_or] = k_cmp<ntf::logical_or>;
  s[NT_OP_where] = k_where;
}
