// elementwise-test-cases.h — the hand-written cases of elementwise-test.cpp: wrapping, rounding,
// torch's special values, error paths, 0-d/empty/large/in-place views, SIMD accuracy sweeps and the
// 16M-element timings. Not standalone: included by elementwise-test.cpp after its references.
#pragma once
#include <chrono>
#include <initializer_list>
#include <random>

#include "backends/cpu/elementwise-common.h"
#include "elementwise-test-support.h"

namespace ewt {

inline Tensor vals(int dt, std::initializer_list<double> xs) {
  Tensor t = make1d(dt, (int64_t)xs.size());
  int64_t k = 0;
  for (double x : xs) store_raw(t, k++, x);
  return t;
}
inline Tensor vals_i64(std::initializer_list<int64_t> xs) {
  Tensor t = make1d(NT_I64, (int64_t)xs.size());
  int64_t k = 0;
  for (int64_t x : xs) ((int64_t*)t.v.data)[k++] = x;
  return t;
}
inline int64_t i64_at(const Tensor& t, int64_t k) { return ((const int64_t*)t.v.data)[t.v.offset + k]; }

inline Tensor un(int op, const Tensor& in, int odt, double f0 = 0, double f1 = 0, int64_t i0 = 0) {
  Tensor out = make1d(odt, in.v.shape[0]);  // 1-D inputs only
  nt_args a = {};
  a.op = op; a.nviews = 2; a.v[0] = in.v; a.v[1] = out.v; a.f[0] = f0; a.f[1] = f1; a.i[0] = i0;
  run(a, nt_op_name(op));
  return out;
}
// mode 0: x op y; 1: x op s; 2: s op x
inline Tensor bin(int op, const Tensor& x, const Tensor* y, int odt, int mode = 0, double s = 0, int64_t rounding = 0,
                  double alpha = 1) {
  Tensor out = make1d(odt, x.v.shape[0]);
  nt_args a = {};
  a.op = op; a.nviews = 3; a.i[0] = mode; a.i[1] = rounding; a.f[0] = s; a.f[1] = alpha;
  a.v[mode == 2 ? 1 : 0] = x.v;
  if (mode == 0) a.v[1] = y->v;
  a.v[2] = out.v;
  run(a, nt_op_name(op));
  return out;
}

// Exact element check; NaN equals NaN; with `signs`, zeros must match in sign too.
inline void expect(const char* what, const Tensor& t, std::initializer_list<double> want, bool signs = false) {
  int64_t k = 0;
  for (double w : want) {
    const double g = get(t, k);
    const bool ok = (w != w) ? g != g : (g == w && (!signs || signbit(g) == signbit(w)));
    if (!ok) { fail("%s: element %lld got %.9g want %.9g", what, (long long)k, g, w); return; }
    k++;
  }
  pass();
}

inline void special_cases() {
  // integer wrapping (torch wraps silently)
  { Tensor a = vals(NT_U8, {250, 1, 128, 255}); expect("uint8 + 10 wraps", bin(NT_OP_add, a, nullptr, NT_U8, 1, 10), {4, 11, 138, 9}); }
  { Tensor a = vals(NT_I32, {2147483647.0, -2147483648.0}); expect("int32 +1 wraps", bin(NT_OP_add, a, nullptr, NT_I32, 1, 1), {-2147483648.0, -2147483647.0}); }
  { Tensor a = vals(NT_I32, {65536, -2147483648.0}); expect("int32 square wraps", un(NT_OP_square, a, NT_I32), {0, 0}); }
  { Tensor a = vals(NT_I32, {-2147483648.0}); expect("abs(INT32_MIN)", un(NT_OP_abs, a, NT_I32), {-2147483648.0}); }
  {
    Tensor a = vals_i64({INT64_MIN, INT64_MAX, -7, 7});
    Tensor t = bin(NT_OP_div, a, nullptr, NT_I64, 1, -1, 1);
    if (i64_at(t, 0) == INT64_MIN && i64_at(t, 1) == -INT64_MAX && i64_at(t, 2) == 7) pass(); else fail("int64 trunc / -1");
    Tensor f = bin(NT_OP_div, a, nullptr, NT_I64, 1, -1, 2);
    if (i64_at(f, 0) == INT64_MIN && i64_at(f, 3) == -7) pass(); else fail("int64 floor / -1");
    Tensor n = un(NT_OP_neg, a, NT_I64);
    if (i64_at(n, 0) == INT64_MIN && i64_at(n, 1) == -INT64_MAX) pass(); else fail("neg(INT64_MIN)");
    Tensor s = bin(NT_OP_sub, a, nullptr, NT_I64, 1, 1);
    if (i64_at(s, 0) == INT64_MAX) pass(); else fail("INT64_MIN - 1 wraps");
    Tensor b = vals_i64({3});
    Tensor p = bin(NT_OP_pow, b, nullptr, NT_I64, 1, 40);
    uint64_t want = 1;
    for (int k = 0; k < 40; k++) want *= 3;
    if ((uint64_t)i64_at(p, 0) == want) pass(); else fail("int64 3**40 wraps");
  }
  // integer division rounding
  {
    Tensor a = vals(NT_I32, {-7, 7, -7, 7, 0}), b = vals(NT_I32, {2, -2, -2, 2, -3});
    expect("int32 floor div", bin(NT_OP_div, a, &b, NT_I32, 0, 0, 2), {-4, -4, 3, 3, 0});
    expect("int32 trunc div", bin(NT_OP_div, a, &b, NT_I32, 0, 0, 1), {-3, -3, 3, 3, 0});
  }
  // float floor division is Python's (exact), trunc divides in the dtype first (as torch)
  {
    Tensor a = vals(NT_F32, {1, -1, 7.5, -0.0, 5}), b = vals(NT_F32, {0.1, 0.1, -2, 3, 0});
    expect("f32 floor div", bin(NT_OP_div, a, &b, NT_F32, 0, 0, 2), {9, -10, -4, -0.0, INFINITY});
    expect("f32 trunc div", bin(NT_OP_div, a, &b, NT_F32, 0, 0, 1), {10, -10, -3, -0.0, INFINITY});
  }
  // int pow with negative tensor exponents: torch's 1 / +-1 / 0 rule (only a scalar exponent raises)
  {
    Tensor a = vals(NT_I64, {2, 1, -1, -1, 5, 0}), b = vals(NT_I64, {-1, -3, -3, -2, 0, 0});
    expect("int64 pow negative exponents", bin(NT_OP_pow, a, &b, NT_I64), {0, 1, -1, 1, 1, 1});
  }
  // pow with a scalar exponent: torch's special cases
  {
    Tensor a = vals(NT_F32, {-INFINITY, -0.0, 4, -2});
    expect("f32 ** 0.5 (sqrt)", bin(NT_OP_pow, a, nullptr, NT_F32, 1, 0.5), {NAN, -0.0, 2, NAN}, true);
    expect("f32 ** 2", bin(NT_OP_pow, a, nullptr, NT_F32, 1, 2), {INFINITY, 0, 16, 4});
    expect("f32 ** -1", bin(NT_OP_pow, a, nullptr, NT_F32, 1, -1), {-0.0, -INFINITY, 0.25, -0.5}, true);
    expect("f32 ** 0", bin(NT_OP_pow, a, nullptr, NT_F32, 1, 0), {1, 1, 1, 1});
    Tensor e = vals(NT_F64, {0, 1, 3});
    expect("2 ** f64", bin(NT_OP_pow, e, nullptr, NT_F64, 2, 2), {1, 2, 8});
  }
  // rounding half to even, every float dtype and the SIMD-free ints
  for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16}) {
    Tensor a = vals(dt, {0.5, 1.5, 2.5, -0.5, -2.5, 3.5, -3.7});
    expect("round half even", un(NT_OP_round, a, dt), {0, 2, 2, -0.0, -2, 4, -4}, true);
  }
  {
    Tensor a = vals(NT_F32, {NAN, -0.0, 0, -3, 2, INFINITY});
    expect("sign (NaN -> 0, as torch)", un(NT_OP_sign, a, NT_F32), {0, 0, 0, -1, 1, 1});
    expect("relu NaN", un(NT_OP_relu, a, NT_F32), {NAN, 0, 0, 0, 2, INFINITY});
    Tensor c = vals(NT_F32, {NAN, 5, -5, 2});
    expect("clamp NaN x", un(NT_OP_clamp, c, NT_F32, 0, 1, 3), {NAN, 1, 0, 1});
    expect("clamp NaN bound", un(NT_OP_clamp, c, NT_F32, NAN, 1, 3), {NAN, NAN, NAN, NAN});
    expect("clamp lo > hi gives hi", un(NT_OP_clamp, c, NT_F32, 3, 1, 3), {NAN, 1, 1, 1});
    expect("clamp max only", un(NT_OP_clamp, c, NT_F32, 0, 1, 2), {NAN, 1, -5, 1});
    Tensor i = vals(NT_I64, {-5, 0, 7});
    expect("int64 clamp", un(NT_OP_clamp, i, NT_I64, -2, 3, 3), {-2, 0, 3});
    Tensor u = vals(NT_U8, {0, 5, 255});
    expect("uint8 clamp, bounds beyond the range saturate", un(NT_OP_clamp, u, NT_U8, -2, 300, 3), {0, 5, 255});
    expect("uint8 - 1 wraps (scalars wrap like a cast)", bin(NT_OP_add, u, nullptr, NT_U8, 1, -1), {255, 4, 254});
    Tensor s = vals(NT_F32, {3, 2, -50});
    const double want = log1p(exp(4.0)) / 2;
    Tensor sp = un(NT_OP_softplus, s, NT_F32, 2, 5);
    if (get(sp, 0) == 3 && fabs(get(sp, 1) - want) < 1e-6 && get(sp, 2) >= 0 && get(sp, 2) < 1e-40) pass();
    else fail("softplus beta=2 threshold=5: %g %g %g", get(sp, 0), get(sp, 1), get(sp, 2));
  }
  for (int dt : {NT_F32, NT_F64}) {  // NaN propagation in max/min from both sides (SIMD and scalar paths)
    Tensor a = vals(dt, {NAN, 1, NAN, -0.0, 3}), b = vals(dt, {1, NAN, NAN, 0, -3});
    expect("maximum NaN", bin(NT_OP_maximum, a, &b, dt), {NAN, NAN, NAN, 0, 3});
    expect("minimum NaN", bin(NT_OP_minimum, a, &b, dt), {NAN, NAN, NAN, 0, -3});
    expect("eq NaN", bin(NT_OP_eq, a, &b, NT_BOOL), {0, 0, 0, 1, 0});
    expect("ne NaN", bin(NT_OP_ne, a, &b, NT_BOOL), {1, 1, 1, 0, 1});
    expect("logical_and NaN truthy", bin(NT_OP_logical_and, a, &b, NT_BOOL), {1, 1, 1, 0, 1});
  }
  {  // float16 + scalar computes in float with the scalar unrounded (torch's opmath)
    Tensor a = vals(NT_F16, {1, 0.333, -2048, 65504});
    Tensor t = bin(NT_OP_add, a, nullptr, NT_F16, 1, 1.1);
    bool ok = true;
    for (int k = 0; k < 4; k++)
      ok = ok && get(t, k) == nt_half_to_float(nt_float_to_half((float)get(a, k) + 1.1f));
    if (ok) pass(); else fail("float16 + 1.1");
  }
  {  // 0-d views and empty views
    int64_t none = 0;
    Tensor x0 = make_raw(NT_F32, 0, nullptr, nullptr, 3), y0 = make_raw(NT_F32, 0, nullptr, nullptr, 0);
    store_raw(x0, 3, 2.0);
    nt_args a = {};
    a.op = NT_OP_exp; a.v[0] = x0.v; a.v[1] = y0.v;
    if (run(a, "exp 0-d")) expect("exp 0-d", y0, {exp(2.0f)});
    Tensor e = make1d(NT_F32, 0), eo = make1d(NT_F32, 0), eb = make1d(NT_BOOL, 0);
    a.op = NT_OP_add; a.f[1] = 1; a.v[0] = e.v; a.v[1] = e.v; a.v[2] = eo.v;
    if (run(a, "add empty")) pass();
    a.op = NT_OP_where; a.v[0] = eb.v; a.v[1] = e.v; a.v[2] = e.v; a.v[3] = eo.v;
    if (run(a, "where empty")) pass();
    (void)none;
  }
}

inline void error_cases() {
  nt_args a = {};
  Tensor fi = make1d(NT_F32, 5), fo = make1d(NT_F32, 5), ii = make1d(NT_I32, 5), io = make1d(NT_I32, 5);
  Tensor bi = make1d(NT_BOOL, 5), bo = make1d(NT_BOOL, 5), lo = make1d(NT_I64, 5), uo = make1d(NT_U8, 5);
  a.op = NT_OP_exp; a.v[0] = ii.v; a.v[1] = io.v;
  expect_error_args(a, "int32", "exp int32");
  a.op = NT_OP_relu; a.v[0] = bi.v; a.v[1] = bo.v;
  expect_error_args(a, "bool", "relu bool");
  a.op = NT_OP_neg; a.v[0] = fi.v; a.v[1] = io.v;
  expect_error_args(a, "output dtype", "neg f32 -> int32");
  a.op = NT_OP_isnan; a.v[0] = fi.v; a.v[1] = fo.v;
  expect_error_args(a, "output dtype", "isnan into float32");
  Tensor bad = make1d(NT_F32, 5);
  bad.v.dtype = 99;
  a.op = NT_OP_sigmoid; a.v[0] = bad.v; a.v[1] = bad.v;
  expect_error_args(a, "unsupported dtype", "sigmoid dtype 99");
  a.op = NT_OP_isinf;
  expect_error_args(a, "unsupported dtype", "isinf dtype 99");
  // binary
  a = {};
  a.op = NT_OP_add; a.f[1] = 1; a.v[0] = bi.v; a.v[1] = bi.v; a.v[2] = bo.v;
  expect_error_args(a, "bool", "add bool");
  a.v[0] = fi.v; a.v[1] = ii.v; a.v[2] = fo.v;
  expect_error_args(a, "differ", "add f32 + int32");
  a.op = NT_OP_div; a.v[0] = ii.v; a.v[1] = ii.v; a.v[2] = io.v;
  expect_error_args(a, "int32", "true div int32");
  for (int dt : {NT_I32, NT_I64, NT_U8}) {
    Tensor x = vals(dt, {4, 6, 8}), z = vals(dt, {2, 0, 1}), o = make1d(dt, 3);
    for (int r = 1; r <= 2; r++) {
      a = {};
      a.op = NT_OP_div; a.i[1] = r; a.v[0] = x.v; a.v[1] = z.v; a.v[2] = o.v;
      expect_error_args(a, "division by zero", "int div by a zero element");
      a.i[0] = 1; a.f[0] = 0;
      expect_error_args(a, "division by zero", "int div by scalar 0");
      a.i[0] = 2; a.f[0] = 5; a.v[1] = z.v;
      expect_error_args(a, "division by zero", "scalar / int tensor with 0");
    }
  }
  a = {};
  a.op = NT_OP_pow; a.i[0] = 1; a.f[0] = -2; a.v[0] = lo.v; a.v[2] = lo.v;
  expect_error_args(a, "Integers to negative integer powers are not allowed", "int64 ** -2");
  a.op = NT_OP_add; a.i[0] = 7; a.v[0] = fi.v; a.v[1] = fi.v; a.v[2] = fo.v;
  expect_error_args(a, "mode", "bad scalar mode");
  a.op = NT_OP_lt; a.i[0] = 0; a.v[2] = fo.v;
  expect_error_args(a, "output dtype", "lt into float32");
  // where
  a = {};
  a.op = NT_OP_where; a.v[0] = fi.v; a.v[1] = fi.v; a.v[2] = fi.v; a.v[3] = fo.v;
  expect_error_args(a, "bool", "where with float condition");
  a.v[0] = bi.v; a.v[1] = ii.v;
  expect_error_args(a, "int32", "where operand dtype mismatch");
  (void)uo;
}

// Large (parallel, SIMD with chunk boundaries), 1-D stepped, and in-place (out aliases an input).
inline void large_and_inplace(std::mt19937& rng) {
  const int64_t n = 100003;
  std::normal_distribution<double> nd(0, 4);
  for (int step : {1, 3}) {
    Tensor x = make1d(NT_F32, n, step, 1), y = make1d(NT_F32, n, step, 2), c = make1d(NT_BOOL, n);
    for (int64_t k = 0; k < x.size; k++) store_raw(x, k, nd(rng));
    for (int64_t k = 0; k < y.size; k++) store_raw(y, k, nd(rng));
    for (int64_t k = 0; k < n; k++) store_raw(c, k, rng() & 1);
    for (int op : {NT_OP_exp, NT_OP_sigmoid, NT_OP_tanh, NT_OP_gelu, NT_OP_silu, NT_OP_relu, NT_OP_erf}) {
      Tensor o = un(op, x, NT_F32);
      nt_args a = {};
      bool ok = true;
      for (int64_t i = 0; i < n && ok; i++) ok = close(get(o, i), round_to(NT_F32, unary_ref(op, get(x, i), a)), NT_F32, T_TRANSC);
      if (ok) pass(); else fail("large %s step %d", nt_op_name(op), step);
    }
    for (int op : {NT_OP_add, NT_OP_mul, NT_OP_lt, NT_OP_maximum}) {
      const int odt = op == NT_OP_lt ? NT_BOOL : NT_F32;
      Tensor o = bin(op, x, &y, odt);
      nt_args a = {};
      a.f[1] = 1;
      bool ok = true;
      for (int64_t i = 0; i < n && ok; i++)
        ok = close(get(o, i), round_to(odt, binary_ref(op, get(x, i), get(y, i), a)), odt, T_SIMPLE);
      if (ok) pass(); else fail("large %s step %d", nt_op_name(op), step);
    }
    {
      Tensor o = make1d(NT_F32, n);
      nt_args a = {};
      a.op = NT_OP_where; a.v[0] = c.v; a.v[1] = x.v; a.v[2] = y.v; a.v[3] = o.v;
      run(a, "large where");
      bool ok = true;
      for (int64_t i = 0; i < n && ok; i++) ok = get(o, i) == (get(c, i) != 0 ? get(x, i) : get(y, i));
      if (ok) pass(); else fail("large where step %d", step);
    }
    {  // in place: out is the same view as a
      Tensor keep = x;
      keep.v.data = keep.mem.data();  // a copy of the values, not of the pointer
      nt_args a = {};
      a.op = NT_OP_add; a.f[1] = 1; a.v[0] = x.v; a.v[1] = y.v; a.v[2] = x.v;
      run(a, "in-place add");
      bool ok = true;
      for (int64_t i = 0; i < n && ok; i++) ok = get(x, i) == (double)((float)get(keep, i) + (float)get(y, i));
      if (ok) pass(); else fail("in-place add step %d", step);
      a = {};
      a.op = NT_OP_relu; a.v[0] = x.v; a.v[1] = x.v;
      run(a, "in-place relu");
      ok = true;
      for (int64_t i = 0; i < n && ok; i++) ok = get(x, i) >= 0;
      if (ok) pass(); else fail("in-place relu step %d", step);
    }
  }
}

// Max error of the float32 kernels (SIMD when this CPU has AVX2) over a dense sweep, in ulps of the
// correctly rounded result; fails above 1e-5 relative.
inline void simd_accuracy() {
  const int64_t n = 1 << 20;
  Tensor x = make1d(NT_F32, n);
  for (int64_t k = 0; k < n; k++) {
    const double u = (double)k / n;
    double v = k % 2 ? -60 + 120 * u : pow(10.0, -20 + 22 * u) * ((k / 2) % 2 ? 1 : -1);
    store_raw(x, k, v);
  }
  printf("float32 accuracy over %lld points in [-60, 60] (%s path), max ulp where |f| >= 1e-6:", (long long)n, nt_ew::simd_enabled() ? "AVX2" : "portable");
  for (int op : {NT_OP_exp, NT_OP_tanh, NT_OP_sigmoid, NT_OP_silu, NT_OP_gelu, NT_OP_gelu_tanh, NT_OP_erf}) {
    Tensor o = un(op, x, NT_F32);
    nt_args a = {};
    double worst_ulp = 0, worst_rel = 0;
    for (int64_t i = 0; i < n; i++) {
      const double r = unary_ref(op, get(x, i), a), w = round_to(NT_F32, r), g = get(o, i);
      if (isinf(w) || w != w) { if (!(g == w || (g != g && w != w))) worst_rel = INFINITY; continue; }
      // relative error beyond an absolute floor (results ~1e-30 are noise next to any atol);
      // ulps where results matter (|r| >= 1e-6)
      worst_rel = fmax(worst_rel, fmax(fabs(g - r) - 1e-28, 0) / fabs(r));
      if (fabs(r) < 1e-6) continue;
      const float wf = (float)w;
      const double ulp = (double)nextafterf(fabsf(wf), INFINITY) - fabs(wf);
      worst_ulp = fmax(worst_ulp, fabs(g - r) / ulp);
    }
    printf(" %s %.1f ulp;", nt_op_name(op), worst_ulp);
    if (worst_rel <= 1e-5) pass(); else fail("%s accuracy: worst relative error %g", nt_op_name(op), worst_rel);
  }
  printf("\n");
}

template <class F> double best_ms(int reps, const F& f) {
  f();
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = fmin(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

inline void timings() {
  const int64_t n = 16 << 20;
  Tensor x = make1d(NT_F32, n), y = make1d(NT_F32, n), o = make1d(NT_F32, n), c = make1d(NT_BOOL, n);
  for (int64_t k = 0; k < n; k++) { store_raw(x, k, (double)(k % 1000) / 100 - 5); store_raw(y, k, 1 + k % 7); }
  for (int64_t k = 0; k < n; k++) store_raw(c, k, k & 1);
  nt_args a = {};
  a.f[1] = 1;
  printf("timings, 16M float32, %d threads, best of 5:", nt::num_threads());
  auto time_op = [&](const char* name, int op, int nv, const nt_view* v, int mode = 0, double s = 0) {
    a.op = op; a.nviews = nv; a.i[0] = mode; a.f[0] = s;
    for (int k = 0; k < nv; k++) a.v[k] = v[k];
    nt_error err;
    const double ms = best_ms(5, [&] { g_slots[op](&a, &err); });
    printf(" %s %.2f ms;", name, ms);
  };
  const nt_view add_v[3] = {x.v, y.v, o.v};
  time_op("add", NT_OP_add, 3, add_v);
  bool ok = true;  // the streaming-store path checked on the full 16M
  for (int64_t k = 0; k < n && ok; k++) ok = ((float*)o.v.data)[k] == ((float*)x.v.data)[k] + ((float*)y.v.data)[k];
  if (ok) pass(); else fail("16M add values");
  const nt_view mul_v[3] = {x.v, x.v, o.v};
  time_op("mul-by-scalar", NT_OP_mul, 3, mul_v, 1, 2.5);
  const nt_view un_v[2] = {x.v, o.v};
  for (int op : {NT_OP_relu, NT_OP_exp, NT_OP_sigmoid, NT_OP_tanh, NT_OP_gelu}) time_op(nt_op_name(op), op, 2, un_v);
  const nt_view lt_v[3] = {x.v, y.v, c.v};
  time_op("lt", NT_OP_lt, 3, lt_v);
  const nt_view wh_v[4] = {c.v, x.v, y.v, o.v};
  time_op("where", NT_OP_where, 4, wh_v);
  printf("\n");
  // fixed overhead: tiny tensors
  Tensor t1 = make1d(NT_F32, 4), t2 = make1d(NT_F32, 4), t3 = make1d(NT_F32, 4);
  a = {};
  a.op = NT_OP_add; a.f[1] = 1; a.v[0] = t1.v; a.v[1] = t2.v; a.v[2] = t3.v;
  nt_error err;
  const int calls = 1000000;
  auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < calls; k++) g_slots[NT_OP_add](&a, &err);
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / calls;
  printf("tiny add (4 elements): %.0f ns per kernel call\n", ns);
}

}  // namespace ewt
