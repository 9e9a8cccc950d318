// elementwise-test.cpp — standalone check of the CPU elementwise kernels (ops.def UNARY, BINARY,
// TERNARY) against a double-precision reference, on contiguous, transposed, stepped and stride-0
// views of every dtype each op takes; error paths; SIMD accuracy; 16M-element timings.
// Not the cross-device conformance suite (that is TypeScript). Build and run from the repo root:
//   g++ -std=c++17 -O2 -Icsrc csrc/core/parallel.cpp
//       csrc/backends/cpu/elementwise*.cpp test/native/elementwise-test.cpp -lpthread -o /tmp/ew
//   /tmp/ew
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/elementwise-common.h"  // nt_ew::set_simd
#include "backends/cpu/kernels.h"
#include "core/parallel.h"
#include "elementwise-test-support.h"

using namespace ewt;

// ---------------------------------------------------------------- references (double)
static double r_sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }  // torch: sign(NaN) = 0
static double r_sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double r_gelu(double x) { return x < 0 ? 0.5 * x * erfc(-x / sqrt(2.0)) : 0.5 * x * (1 + erf(x / sqrt(2.0))); }
// 0.5 (1 + tanh(u)) == 1 / (1 + e^{-2u}): the form without cancellation for negative x
static double r_gelu_tanh(double x) { return x / (1 + exp(-2 * sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }
static double r_max(double a, double b) { return a != a || b != b ? NAN : a > b ? a : b; }
static double r_min(double a, double b) { return a != a || b != b ? NAN : a < b ? a : b; }

static double unary_ref(int op, double x, const nt_args& a) {
  switch (op) {
    case NT_OP_neg: return -x;
    case NT_OP_abs: return fabs(x);
    case NT_OP_sign: return r_sign(x);
    case NT_OP_exp: return exp(x);
    case NT_OP_log: return log(x);
    case NT_OP_log1p: return log1p(x);
    case NT_OP_expm1: return expm1(x);
    case NT_OP_sqrt: return sqrt(x);
    case NT_OP_rsqrt: return 1 / sqrt(x);
    case NT_OP_square: return x * x;
    case NT_OP_reciprocal: return 1 / x;
    case NT_OP_sin: return sin(x);
    case NT_OP_cos: return cos(x);
    case NT_OP_tan: return tan(x);
    case NT_OP_tanh: return tanh(x);
    case NT_OP_sigmoid: return r_sigmoid(x);
    case NT_OP_relu: return x != x ? x : x < 0 ? 0 : x;
    case NT_OP_gelu: return r_gelu(x);
    case NT_OP_gelu_tanh: return r_gelu_tanh(x);
    case NT_OP_silu: return x * r_sigmoid(x);
    case NT_OP_softplus: return x * a.f[0] > a.f[1] ? x : log1p(exp(a.f[0] * x)) / a.f[0];
    case NT_OP_erf: return erf(x);
    case NT_OP_floor: return floor(x);
    case NT_OP_ceil: return ceil(x);
    case NT_OP_round: return nearbyint(x);
    case NT_OP_clamp: {
      if (a.i[0] & 1) x = r_max(x, a.f[0]);
      if (a.i[0] & 2) x = r_min(x, a.f[1]);
      return x;
    }
    case NT_OP_logical_not: return x == 0;
    case NT_OP_isnan: return x != x;
    case NT_OP_isinf: return isinf(x) ? 1 : 0;
  }
  return NAN;
}

static double binary_ref(int op, double x, double y, const nt_args& a) {
  switch (op) {
    case NT_OP_add: return x + a.f[1] * y;
    case NT_OP_sub: return x - a.f[1] * y;
    case NT_OP_mul: return x * y;
    case NT_OP_div:
      if (a.i[1] == 1) return trunc(x / y);
      if (a.i[1] == 2) return y == 0 ? x / y : floor(x / y);
      return x / y;
    case NT_OP_pow: return pow(x, y);
    case NT_OP_maximum: return r_max(x, y);
    case NT_OP_minimum: return r_min(x, y);
    case NT_OP_eq: return x == y;
    case NT_OP_ne: return x != y;
    case NT_OP_lt: return x < y;
    case NT_OP_le: return x <= y;
    case NT_OP_gt: return x > y;
    case NT_OP_ge: return x >= y;
    case NT_OP_logical_and: return x != 0 && y != 0;
    case NT_OP_logical_or: return x != 0 || y != 0;
  }
  return NAN;
}

#include "elementwise-test-cases.h"  // uses unary_ref / binary_ref

// ---------------------------------------------------------------- op tables
enum { D_GENERAL, D_MODERATE, D_DIVISOR, D_EXPONENT, D_BASE };
struct UnarySpec { int op; int set; bool out_bool; Tol tol; int domain; };
static const UnarySpec kUnary[] = {
    {NT_OP_neg, S_NUM, false, T_EXACT, D_GENERAL},       {NT_OP_abs, S_NUM, false, T_EXACT, D_GENERAL},
    {NT_OP_sign, S_NUM, false, T_EXACT, D_GENERAL},      {NT_OP_exp, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_log, S_FLOAT, false, T_TRANSC, D_GENERAL},    {NT_OP_log1p, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_expm1, S_FLOAT, false, T_TRANSC, D_GENERAL},  {NT_OP_sqrt, S_FLOAT, false, T_SIMPLE, D_GENERAL},
    {NT_OP_rsqrt, S_FLOAT, false, T_SIMPLE, D_GENERAL},  {NT_OP_square, S_NUM, false, T_SIMPLE, D_GENERAL},
    {NT_OP_reciprocal, S_FLOAT, false, T_SIMPLE, D_GENERAL}, {NT_OP_sin, S_FLOAT, false, T_TRANSC, D_MODERATE},
    {NT_OP_cos, S_FLOAT, false, T_TRANSC, D_MODERATE},   {NT_OP_tan, S_FLOAT, false, T_TRANSC, D_MODERATE},
    {NT_OP_tanh, S_FLOAT, false, T_TRANSC, D_GENERAL},   {NT_OP_sigmoid, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_relu, S_NUM, false, T_EXACT, D_GENERAL},      {NT_OP_gelu, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_gelu_tanh, S_FLOAT, false, T_TRANSC, D_GENERAL}, {NT_OP_silu, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_softplus, S_FLOAT, false, T_TRANSC, D_GENERAL}, {NT_OP_erf, S_FLOAT, false, T_TRANSC, D_GENERAL},
    {NT_OP_floor, S_NUM, false, T_EXACT, D_GENERAL},     {NT_OP_ceil, S_NUM, false, T_EXACT, D_GENERAL},
    {NT_OP_round, S_NUM, false, T_EXACT, D_GENERAL},     {NT_OP_clamp, S_NUM, false, T_EXACT, D_GENERAL},
    {NT_OP_logical_not, S_ALL, true, T_EXACT, D_GENERAL}, {NT_OP_isnan, S_ALL, true, T_EXACT, D_GENERAL},
    {NT_OP_isinf, S_ALL, true, T_EXACT, D_GENERAL},
};

struct BinarySpec { int op; int set; bool out_bool; Tol tol; int domain_b; double alpha; int rounding; };
static const BinarySpec kBinary[] = {
    {NT_OP_add, S_NUM, false, T_SIMPLE, D_GENERAL, 1, 0},   {NT_OP_add, S_NUM, false, T_SIMPLE, D_GENERAL, 2, 0},
    {NT_OP_add, S_NUM, false, T_SIMPLE, D_GENERAL, 0.5, 0}, {NT_OP_sub, S_NUM, false, T_SIMPLE, D_GENERAL, 1, 0},
    {NT_OP_sub, S_NUM, false, T_SIMPLE, D_GENERAL, 3, 0},   {NT_OP_mul, S_NUM, false, T_SIMPLE, D_GENERAL, 1, 0},
    {NT_OP_div, S_FLOAT, false, T_SIMPLE, D_GENERAL, 1, 0}, {NT_OP_div, S_NUM, false, T_EXACT, D_DIVISOR, 1, 1},
    {NT_OP_div, S_NUM, false, T_EXACT, D_DIVISOR, 1, 2},    {NT_OP_pow, S_NUM, false, T_TRANSC, D_EXPONENT, 1, 0},
    {NT_OP_maximum, S_NUM, false, T_EXACT, D_GENERAL, 1, 0}, {NT_OP_minimum, S_NUM, false, T_EXACT, D_GENERAL, 1, 0},
    {NT_OP_eq, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},      {NT_OP_ne, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},
    {NT_OP_lt, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},      {NT_OP_le, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},
    {NT_OP_gt, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},      {NT_OP_ge, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},
    {NT_OP_logical_and, S_ALL, true, T_EXACT, D_GENERAL, 1, 0}, {NT_OP_logical_or, S_ALL, true, T_EXACT, D_GENERAL, 1, 0},
};

// Fills a view's whole storage with values of `domain` for its dtype (specials only in floats).
static void fill(Tensor& t, int domain, std::mt19937& rng, bool specials) {
  static const double kSpecial[] = {0, -0.0, INFINITY, -INFINITY, NAN, 0.5, 1.5, 2.5, -0.5, -2.5, 1e-30, 88, -88, 100, -100, 1e-8};
  const int dt = t.v.dtype;
  std::normal_distribution<double> nd(0, 1);
  for (int64_t k = 0; k < t.size; k++) {
    double x;
    const int r = (int)(rng() % 64);
    if (!nt_dtype_is_float(dt)) {
      const int lo = dt == NT_BOOL ? 0 : dt == NT_U8 ? 0 : -20, hi = dt == NT_BOOL ? 1 : dt == NT_U8 ? 30 : 20;
      x = lo + (int)(rng() % (unsigned)(hi - lo + 1));
      if (domain == D_DIVISOR && dt != NT_BOOL && x == 0) x = (dt == NT_U8 ? 3 : -3);
      if (domain == D_EXPONENT) x = (double)(rng() % 6);
    } else if (domain == D_DIVISOR) {
      static const double kDiv[] = {1, -1, 2, -2, 3, -3, 4, 5, -7, 0.5, -0.25, 0};
      x = kDiv[rng() % 12];
    } else if (domain == D_EXPONENT) {
      x = (double)((int)(rng() % 9) - 3) * 0.5;
    } else if (specials && r < 8) {
      x = kSpecial[rng() % 16];
    } else {
      x = nd(rng) * (domain == D_MODERATE ? 2.0 : r < 16 ? 20.0 : 3.0);
      if (domain == D_GENERAL && r == 63) x = (double)(int)(x * 2) / 2;  // exact halves
    }
    store_raw(t, k, x);
  }
}

static void fill_div_numerators(Tensor& t, std::mt19937& rng) {  // floats: multiples of 1/4
  for (int64_t k = 0; k < t.size; k++) store_raw(t, k, ((int)(rng() % 161) - 80) * 0.25);
}

// ---------------------------------------------------------------- the sweeps
static const int R = 9, C = 37;  // 333 elements: 32-wide blocks, 8-wide blocks and tails

static void check_output(const char* what, const Tensor& out, const std::vector<double>& want, Tol tol,
                         const std::vector<double>* scale = nullptr) {
  for (int64_t i = 0; i < (int64_t)want.size(); i++) {
    const double g = get(out, i), w = round_to(out.v.dtype, want[i]);
    if (!close(g, w, out.v.dtype, tol, scale ? (*scale)[i] : 0)) {
      fail("%s: element %lld got %.9g want %.9g (ref %.12g)", what, (long long)i, g, w, want[i]);
      return;
    }
  }
  pass();
}

static void unary_sweep(std::mt19937& rng) {
  for (const UnarySpec& s : kUnary) {
    for (int dt = 0; dt < NT_DTYPE_COUNT; dt++) {
      nt_args a = {};
      a.op = s.op;
      a.nviews = 2;
      if (s.op == NT_OP_softplus) { a.f[0] = dt == NT_F64 ? 2 : 1; a.f[1] = dt == NT_F64 ? 5 : 20; }
      if (s.op == NT_OP_clamp) { a.f[0] = -2; a.f[1] = 3; }
      if (!in_set(s.set, dt)) {  // error path: the dtype is refused with its name
        Tensor in = make(dt, R, C, L_CONTIG), out = make(s.out_bool ? NT_BOOL : dt, R, C, L_CONTIG);
        expect_error(a, in, out, nt_dtype_name(dt));
        continue;
      }
      for (int li = 0; li < L_COUNT; li++) {
        for (int lo = 0; lo < 3; lo++) {
          Tensor in = make(dt, R, C, li), out = make(s.out_bool ? NT_BOOL : dt, R, C, lo);
          fill(in, s.domain, rng, true);
          if (s.op == NT_OP_clamp) a.i[0] = 1 + (li + lo) % 3;  // min only, max only, both
          std::vector<double> want(R * C);
          for (int i = 0; i < R * C; i++) want[i] = unary_ref(s.op, get(in, i), a);
          a.v[0] = in.v;
          a.v[1] = out.v;
          std::string what = std::string(nt_op_name(s.op)) + " " + nt_dtype_name(dt) + " in:" + kLayoutName[li] +
                             " out:" + kLayoutName[lo];
          if (run(a, what.c_str())) check_output(what.c_str(), out, want, s.tol);
        }
      }
    }
  }
}

static void binary_sweep(std::mt19937& rng) {
  for (const BinarySpec& s : kBinary) {
    for (int dt = 0; dt < NT_DTYPE_COUNT; dt++) {
      nt_args a = {};
      a.op = s.op;
      a.nviews = 3;
      a.f[1] = s.alpha;
      a.i[1] = s.rounding;
      const int odt = s.out_bool ? NT_BOOL : dt;
      if (s.alpha != (double)(int64_t)s.alpha && !nt_dtype_is_float(dt)) continue;  // fractional alpha: floats only
      if (!in_set(s.set, dt)) {
        Tensor x = make(dt, R, C, L_CONTIG), y = make(dt, R, C, L_CONTIG), out = make(odt, R, C, L_CONTIG);
        a.v[0] = x.v;
        a.v[1] = y.v;
        a.v[2] = out.v;
        expect_error_args(a, nt_dtype_name(dt), nt_op_name(s.op));
        continue;
      }
      for (int mode = 0; mode < 3; mode++) {
        for (int la = 0; la < L_COUNT; la++) {
          for (int lb = 0; lb < L_COUNT; lb++) {
            if (mode != 0 && lb > 0) continue;
            const int lo = (la + lb) % 3;
            Tensor x = make(dt, R, C, la), y = make(dt, R, C, lb), out = make(odt, R, C, lo);
            // in mode 2 the tensor operand x is the divisor / exponent
            fill(x, s.domain_b == D_EXPONENT ? D_BASE : mode == 2 ? s.domain_b : D_GENERAL, rng, s.domain_b != D_DIVISOR);
            if (s.domain_b == D_DIVISOR && nt_dtype_is_float(dt) && mode != 2) fill_div_numerators(x, rng);
            fill(y, s.domain_b, rng, s.domain_b == D_GENERAL);
            if (s.domain_b == D_EXPONENT && !nt_dtype_is_float(dt)) {  // small bases so powers stay exact
              for (int64_t k = 0; k < x.size; k++) store_raw(x, k, dt == NT_U8 ? (double)(rng() % 7) : (double)((int)(rng() % 13) - 6));
            }
            double scalar = s.domain_b == D_DIVISOR ? (nt_dtype_is_float(dt) ? -4 : 3)
                            : s.domain_b == D_EXPONENT ? 3
                            : dt == NT_BOOL ? 1 : nt_dtype_is_float(dt) ? 1.75 : 7;
            if (mode == 2) scalar = s.domain_b == D_EXPONENT ? 2 : scalar;
            a.i[0] = mode;
            a.f[0] = scalar;
            a.v[0] = x.v;
            a.v[1] = y.v;
            a.v[2] = out.v;
            if (mode == 1) memset(&a.v[1], 0, sizeof(nt_view));  // unused: must not be read
            if (mode == 2) memset(&a.v[0], 0, sizeof(nt_view));
            if (mode == 2) a.v[1] = x.v;                         // the tensor operand is b
            std::vector<double> want(R * C), scale(R * C);
            for (int i = 0; i < R * C; i++) {
              const double xa = mode == 2 ? scalar : get(x, i);
              const double xb = mode == 1 ? scalar : mode == 2 ? get(x, i) : get(y, i);
              want[i] = binary_ref(s.op, xa, xb, a);
              scale[i] = (s.op == NT_OP_add || s.op == NT_OP_sub) ? fabs(xa) + fabs(s.alpha * xb) : 0;
            }
            std::string what = std::string(nt_op_name(s.op)) + " " + nt_dtype_name(dt) + " mode " + std::to_string(mode) +
                               " alpha " + std::to_string(s.alpha) + " round " + std::to_string(s.rounding) + " a:" +
                               kLayoutName[la] + " b:" + kLayoutName[lb] + " out:" + kLayoutName[lo];
            if (run(a, what.c_str())) check_output(what.c_str(), out, want, s.tol, &scale);
          }
        }
      }
    }
  }
}

static void where_sweep(std::mt19937& rng) {
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++) {
    for (int sc = 0; sc < 4; sc++) {
      for (int lc = 0; lc < L_COUNT; lc++) {
        const int la = (lc + 1) % L_COUNT, lb = (lc + 3) % L_COUNT, lo = lc % 3;
        Tensor c = make(NT_BOOL, R, C, lc), x = make(dt, R, C, la), y = make(dt, R, C, lb), out = make(dt, R, C, lo);
        fill(c, D_GENERAL, rng, false);
        fill(x, D_GENERAL, rng, true);
        fill(y, D_GENERAL, rng, true);
        nt_args a = {};
        a.op = NT_OP_where;
        a.nviews = 4;
        a.i[0] = sc;
        a.f[0] = dt == NT_BOOL ? 1 : 5;
        a.f[1] = dt == NT_BOOL ? 0 : -3;
        a.v[0] = c.v;
        a.v[1] = x.v;
        a.v[2] = y.v;
        a.v[3] = out.v;
        if (sc & 1) memset(&a.v[1], 0, sizeof(nt_view));
        if (sc & 2) memset(&a.v[2], 0, sizeof(nt_view));
        std::vector<double> want(R * C);
        for (int i = 0; i < R * C; i++)
          want[i] = get(c, i) != 0 ? ((sc & 1) ? a.f[0] : get(x, i)) : ((sc & 2) ? a.f[1] : get(y, i));
        std::string what = std::string("where ") + nt_dtype_name(dt) + " scalars " + std::to_string(sc) + " cond:" +
                           kLayoutName[lc] + " a:" + kLayoutName[la] + " b:" + kLayoutName[lb];
        if (run(a, what.c_str())) check_output(what.c_str(), out, want, T_EXACT);
      }
    }
  }
}

int main() {
  nt_cpu_register_elementwise(g_slots);
  for (int op = 0; op < NT_OP_COUNT; op++) {
    const int k = nt_op_kind_of(op);
    if (k == NT_KIND_UNARY || k == NT_KIND_BINARY || k == NT_KIND_TERNARY) {
      if (g_slots[op]) pass(); else fail("op %s has no CPU kernel", nt_op_name(op));
    }
  }
  std::mt19937 rng(1234);
  // every check twice: with the AVX2 kernels (when this CPU has them), then the portable loops only
  for (bool simd : {true, false}) {
    nt_ew::set_simd(simd);
    if (simd && !nt_ew::simd_enabled()) continue;
    printf("-- %s kernels\n", simd ? "AVX2" : "portable");
    unary_sweep(rng);
    binary_sweep(rng);
    where_sweep(rng);
    special_cases();
    error_cases();
    large_and_inplace(rng);
    simd_accuracy();
  }
  nt_ew::set_simd(true);
  timings();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
