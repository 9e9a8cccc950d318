// reduce-test.cpp — standalone test of the CPU reduce, dim and sort kernels against float64
// references, on contiguous, transposed and stepped views; prints timings. Not part of the addon.
// Build: g++ -std=c++17 -O2 -Icsrc csrc/core/parallel.cpp
//   csrc/backends/cpu/reduce.cpp csrc/backends/cpu/reduce-plan.cpp csrc/backends/cpu/reduce-arg.cpp
//   csrc/backends/cpu/softmax.cpp csrc/backends/cpu/sort.cpp test/native/reduce-test.cpp -lpthread
// Run with --no-bench to skip the timings; add -DNT_NO_AVX2 to test the portable paths.
#include "reduce-test-support.h"

// ---- reductions ---------------------------------------------------------------------------------
enum red_kind { R_SUM, R_MEAN, R_PROD, R_AMAX, R_AMIN, R_ARGMAX, R_ARGMIN, R_VAR, R_STD, R_ALL, R_ANY };
static const char* red_name[] = {"sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "var", "std", "all", "any"};

static double ref_reduce(red_kind k, const std::vector<double>& g, double corr, bool is_int) {
  size_t n = g.size();
  switch (k) {
    case R_SUM: case R_MEAN: {
      if (is_int) { uint64_t s = 0; for (double x : g) s += (uint64_t)(int64_t)x; return (double)(int64_t)s; }
      double s = 0; for (double x : g) s += x; return k == R_MEAN ? s / n : s;
    }
    case R_PROD: {
      if (is_int) { uint64_t p = 1; for (double x : g) p *= (uint64_t)(int64_t)x; return (double)(int64_t)p; }
      double p = 1; for (double x : g) p *= x; return p;
    }
    case R_AMAX: case R_AMIN: {
      double m = g[0];
      for (double x : g) { if (std::isnan(x)) return NAN; m = k == R_AMAX ? std::max(m, x) : std::min(m, x); }
      return m;
    }
    case R_ARGMAX: case R_ARGMIN: {
      size_t b = 0;
      for (size_t i = 0; i < n; i++) {
        if (std::isnan(g[i])) return (double)i;
        if (k == R_ARGMAX ? g[i] > g[b] : g[i] < g[b]) b = i;
      }
      return (double)b;
    }
    case R_VAR: case R_STD: {
      double m = 0; for (double x : g) m += x; m /= n;
      double s = 0; for (double x : g) s += (x - m) * (x - m);
      double v = s / std::max(0.0, n - corr);
      return k == R_STD ? sqrt(v) : v;
    }
    case R_ALL: for (double x : g) if (x == 0) return 0; return 1;
    case R_ANY: for (double x : g) if (x != 0) return 1; return 0;
  }
  return 0;
}

static int red_op(red_kind k) {
  switch (k) {
    case R_SUM: case R_MEAN: return NT_OP_sum;
    case R_PROD: return NT_OP_prod;
    case R_AMAX: return NT_OP_amax;
    case R_AMIN: return NT_OP_amin;
    case R_ARGMAX: return NT_OP_argmax;
    case R_ARGMIN: return NT_OP_argmin;
    case R_VAR: case R_STD: return NT_OP_var;
    case R_ALL: return NT_OP_all;
    default: return NT_OP_any;
  }
}
static int red_out_dtype(red_kind k, int dt) {
  switch (k) {
    case R_SUM: case R_PROD: return nt_dtype_is_float(dt) ? dt : NT_I64;
    case R_ARGMAX: case R_ARGMIN: return NT_I64;
    case R_ALL: case R_ANY: return NT_BOOL;
    default: return dt;
  }
}

// Runs reduction k of `in` (values `vals`) over `mask` and compares every output with the reference.
static void check_reduce(red_kind k, tensor& in, const std::vector<double>& vals, int64_t mask,
                         layout out_lay = CONTIG, const char* note = "") {
  const int dt = in.v.dtype;
  tensor out = make_red_out(red_out_dtype(k, dt), in, mask, out_lay);
  nt_args a = args1(red_op(k), {&in, &out});
  a.i[0] = mask;
  int64_t n = 1;
  for (int d = 0; d < in.v.ndim; d++) if (mask >> d & 1) n *= in.v.shape[d];
  a.f[0] = k == R_MEAN ? 1.0 / n : 1.0;
  double corr = 1;
  if (k == R_VAR || k == R_STD) { a.f[0] = corr; a.i[1] = k == R_STD; }
  if (call(a)) { CHECK(false, "%s %s mask %lld returned an error", red_name[k], nt_dtype_name(dt), (long long)mask); return; }
  // Group the input by output position, in row-major order of the reduced dims.
  std::vector<std::vector<double>> groups((size_t)out.numel());
  for (int64_t i = 0; i < in.numel(); i++) {
    std::vector<int64_t> idx = unravel(i, in.v);
    for (int d = 0; d < in.v.ndim; d++) if (mask >> d & 1) idx[(size_t)d] = 0;
    groups[(size_t)ravel(idx, out.v)].push_back(vals[(size_t)i]);
  }
  double rtol = rtol_of(out.v.dtype);
  if (k == R_VAR || k == R_STD) rtol = std::max(rtol, 1e-5);
  int bad = 0;
  for (int64_t o = 0; o < out.numel(); o++) {
    const std::vector<double>& g = groups[(size_t)o];
    double ref = ref_reduce(k, g, corr, !nt_dtype_is_float(dt));
    if (nt_dtype_is_float(out.v.dtype)) ref = round_to(out.v.dtype, ref);
    double got = get(out, o);
    double atol = 0;
    if (k == R_SUM || k == R_MEAN) { for (double x : g) atol += fabs(x); atol *= rtol; if (k == R_MEAN) atol /= g.size(); }
    if (k == R_PROD && out.v.dtype == NT_F16) atol = 1e-6;  // long products underflow float16
    if (!close(got, ref, rtol, atol)) {
      if (bad++ < 3) CHECK(false, "%s %s out %s mask %lld %s: out[%lld] = %.9g, expected %.9g", red_name[k],
                           nt_dtype_name(dt), nt_dtype_name(out.v.dtype), (long long)mask, note,
                           (long long)o, got, ref);
    }
  }
  if (!bad) g_pass++;
}

static bool accepts(red_kind k, int dt) {
  if (k == R_MEAN || k == R_VAR || k == R_STD) return nt_dtype_is_float(dt);
  return true;
}

static void test_reductions() {
  struct cs { std::vector<int64_t> shape; std::vector<int64_t> masks; };
  std::vector<cs> cases = {
      {{5, 6, 7}, {4, 1, 2, 5, 7, 3, 6, 0}},
      {{67, 300}, {1, 2, 3}},
      {{3000, 5}, {1, 2}},
      {{40000}, {1}},
      {{2, 3, 4, 5}, {10, 5, 15, 6}},
      {{}, {0}},
      {{1, 9, 1}, {5, 2}},
  };
  const int dts[] = {NT_F32, NT_F64, NT_F16, NT_BF16, NT_I32, NT_I64, NT_U8, NT_BOOL};
  for (const cs& c : cases)
    for (int lay = 0; lay < 3; lay++)
      for (int dt : dts) {
        tensor in = make(dt, c.shape, (layout)lay);
        std::vector<double> vals = fill(in);
        for (int64_t mask : c.masks)
          for (int ki = 0; ki <= R_ANY; ki++) {
            red_kind k = (red_kind)ki;
            if (!accepts(k, dt)) continue;
            if ((k == R_ARGMAX || k == R_ARGMIN) && __builtin_popcountll(mask) != 1 && !c.shape.empty()) continue;
            if (k == R_PROD) {  // values near 1 so products stay in range
              tensor pin = make(dt, c.shape, (layout)lay);
              std::vector<double> pv = nt_dtype_is_float(dt) ? fill(pin, 0.9, 1.1) : fill(pin, -1, 1);
              check_reduce(k, pin, pv, mask, CONTIG, lay_name[lay]);
              continue;
            }
            check_reduce(k, in, vals, mask, CONTIG, lay_name[lay]);
          }
      }
  // strided outputs
  for (int dt : {NT_F32, NT_I32}) {
    tensor in = make(dt, {9, 33}, TRANSPOSED);
    std::vector<double> vals = fill(in);
    for (red_kind k : {R_SUM, R_AMAX, R_ARGMAX, R_ANY}) check_reduce(k, in, vals, 2, STEPPED, "stepped out");
  }
}

static void test_reduce_special() {
  // Large float32 sum accuracy: 16M values, float64 reference, rtol 1e-5.
  {
    tensor in = make(NT_F32, {1 << 24});
    std::vector<double> vals((size_t)in.numel());
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (int64_t i = 0; i < in.numel(); i++) { float x = u(g_rng); ((float*)in.v.data)[i] = x; vals[(size_t)i] = x; }
    check_reduce(R_SUM, in, vals, 1, CONTIG, "16M");
    tensor in2 = in;
    in2.v.ndim = 2; in2.v.shape[0] = 1 << 20; in2.v.shape[1] = 16; in2.v.strides[0] = 16; in2.v.strides[1] = 1;
    check_reduce(R_SUM, in2, vals, 1, CONTIG, "16M columns");
    check_reduce(R_VAR, in2, vals, 1, CONTIG, "16M columns");
  }
  // NaN propagation and NaN-wins for argmax/argmin; NaN is truthy.
  for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16}) {
    for (int lay = 0; lay < 3; lay++) {
      tensor in = make(dt, {6, 50}, (layout)lay);
      std::vector<double> vals = fill(in);
      int pos[][2] = {{1, 3}, {1, 40}, {3, 0}, {3, 49}, {4, 17}};
      for (auto& p : pos) { set(in, p[0] * 50 + p[1], NAN); vals[(size_t)(p[0] * 50 + p[1])] = NAN; }
      for (red_kind k : {R_SUM, R_PROD, R_AMAX, R_AMIN, R_ARGMAX, R_ARGMIN, R_VAR, R_ALL, R_ANY})
        for (int64_t mask : {1, 2}) check_reduce(k, in, vals, mask, CONTIG, "with NaN");
    }
  }
  // Empty reductions: identities, and errors for the extremes.
  for (int dt : {NT_F32, NT_I32, NT_BOOL}) {
    tensor in = make(dt, {0, 4});
    for (red_kind k : {R_SUM, R_PROD, R_ALL, R_ANY}) {
      tensor out = make_red_out(red_out_dtype(k, dt), in, 1);
      nt_args a = args1(red_op(k), {&in, &out});
      a.i[0] = 1; a.f[0] = 1;
      int r = call(a);
      double want = k == R_SUM ? 0 : 1;
      if (k == R_ANY) want = 0;
      bool ok = r == 0;
      for (int64_t o = 0; o < 4; o++) ok = ok && get(out, o) == want;
      CHECK(ok, "empty %s %s", red_name[k], nt_dtype_name(dt));
    }
    for (red_kind k : {R_AMAX, R_AMIN, R_ARGMAX, R_ARGMIN}) {
      tensor out = make_red_out(red_out_dtype(k, dt), in, 1);
      nt_args a = args1(red_op(k), {&in, &out});
      a.i[0] = 1;
      std::string msg;
      int r = call(a, &msg);
      CHECK(r != 0 && msg.find("empty") != std::string::npos, "empty %s should fail, got '%s'", red_name[k], msg.c_str());
      // Reducing the other dim: zero outputs, nothing to do.
      tensor out2 = make_red_out(red_out_dtype(k, dt), in, 2);
      nt_args b = args1(red_op(k), {&in, &out2});
      b.i[0] = 2;
      CHECK(call(b) == 0, "%s over a non-empty dim of an empty tensor", red_name[k]);
    }
  }
  // Error paths.
  auto expect_err = [](nt_args a, const char* want, const char* what) {
    std::string msg;
    int r = call(a, &msg);
    CHECK(r != 0 && msg.find(want) != std::string::npos, "%s: expected error containing '%s', got %d '%s'", what, want, r, msg.c_str());
  };
  {
    tensor in = make(NT_F32, {4, 5}), out = make_red_out(NT_I64, in, 3), o1 = make_red_out(NT_F32, in, 1);
    fill(in);
    nt_args a = args1(NT_OP_argmax, {&in, &out}); a.i[0] = 3;
    expect_err(a, "exactly one", "argmax over two dims");
    tensor ii = make(NT_I32, {4, 5}), io = make_red_out(NT_I32, ii, 1);
    nt_args b = args1(NT_OP_var, {&ii, &io}); b.i[0] = 1;
    expect_err(b, "int32", "var of int32");
    nt_args c = args1(NT_OP_sum, {&in, &o1}); c.i[0] = 4;
    expect_err(c, "mask", "mask out of range");
    nt_args d = args1(NT_OP_sum, {&in, &o1}); d.i[0] = 2;
    expect_err(d, "output dim 0", "output shape mismatch");
    nt_args e = args1(NT_OP_sum, {&in, &o1}); e.i[0] = 1; e.v[0].dtype = 99;
    expect_err(e, "dtype", "unknown dtype");
  }
}

// ---- softmax / log_softmax / cumsum / cumprod ---------------------------------------------------
static void ref_along(const tensor& in, const std::vector<double>& vals, int dim,
                      const std::function<std::vector<double>(const std::vector<double>&)>& f,
                      std::vector<double>& out) {
  out.assign(vals.size(), 0);
  const nt_view& v = in.v;
  if (v.ndim == 0) { out = f(vals); return; }
  for (int64_t i = 0; i < in.numel(); i++) {
    std::vector<int64_t> idx = unravel(i, v);
    if (idx[(size_t)dim] != 0) continue;
    std::vector<double> line;
    std::vector<int64_t> pos;
    for (int64_t k = 0; k < v.shape[dim]; k++) { idx[(size_t)dim] = k; int64_t j = ravel(idx, v); pos.push_back(j); line.push_back(vals[(size_t)j]); }
    std::vector<double> r = f(line);
    for (size_t k = 0; k < pos.size(); k++) out[(size_t)pos[k]] = r[k];
  }
}

static std::vector<double> ref_softmax(const std::vector<double>& l, bool lg) {
  double m = -INFINITY;
  for (double x : l) m = std::max(m, x);
  double s = 0;
  for (double x : l) s += exp(x - m);
  std::vector<double> r;
  for (double x : l) r.push_back(lg ? (x - m) - log(s) : exp(x - m) / s);
  for (double x : l) if (std::isnan(x)) { for (double& y : r) y = NAN; break; }
  return r;
}

static void check_dim(int op, tensor& in, const std::vector<double>& vals, int dim, int out_dt, layout out_lay, const char* note) {
  std::vector<int64_t> shape(in.v.shape, in.v.shape + in.v.ndim);
  tensor out = make(out_dt, shape, out_lay);
  nt_args a = args1(op, {&in, &out});
  a.i[0] = dim;
  if (call(a)) { CHECK(false, "%s %s dim %d failed", nt_op_name(op), nt_dtype_name(in.v.dtype), dim); return; }
  std::vector<double> ref;
  const bool is_int = !nt_dtype_is_float(in.v.dtype);
  ref_along(in, vals, dim, [&](const std::vector<double>& l) {
    std::vector<double> r;
    if (op == NT_OP_softmax || op == NT_OP_log_softmax) return ref_softmax(l, op == NT_OP_log_softmax);
    double acc = op == NT_OP_cumprod ? 1 : 0;
    uint64_t iacc = op == NT_OP_cumprod ? 1 : 0;
    for (double x : l) {
      if (is_int) { iacc = op == NT_OP_cumprod ? iacc * (uint64_t)(int64_t)x : iacc + (uint64_t)(int64_t)x; r.push_back((double)(int64_t)iacc); }
      else { acc = op == NT_OP_cumprod ? acc * x : acc + x; r.push_back(acc); }
    }
    return r;
  }, ref);
  double rtol = std::max(rtol_of(out_dt), rtol_of(in.v.dtype));
  int bad = 0;
  for (int64_t i = 0; i < out.numel(); i++) {
    double atol = (op == NT_OP_softmax ? 1e-7 : 0) + (op == NT_OP_cumsum ? rtol * 3 * (1 + i % (in.v.ndim ? in.v.shape[dim] : 1)) : 0);
    if (op == NT_OP_log_softmax) atol += in.v.dtype == NT_F64 ? 1e-13 : 1e-6;  // log(sum) near 0
    if (in.v.dtype == NT_F16 || in.v.dtype == NT_BF16) atol += op == NT_OP_softmax ? 1e-3 : 1e-2;
    if (!close(get(out, i), ref[(size_t)i], rtol, atol) && bad++ < 3)
      CHECK(false, "%s %s dim %d %s: out[%lld] = %.9g, expected %.9g", nt_op_name(op), nt_dtype_name(in.v.dtype), dim, note,
            (long long)i, get(out, i), ref[(size_t)i]);
  }
  if (!bad) g_pass++;
}

static void test_dim_ops() {
  std::vector<std::vector<int64_t>> shapes = {{7, 33}, {4, 5, 37}, {3, 1029}, {300, 40}, {40}, {}};
  for (auto& s : shapes)
    for (int lay = 0; lay < 3; lay++)
      for (int dim = 0; dim < std::max<int>(1, (int)s.size()); dim++) {
        for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16}) {
          tensor in = make(dt, s, (layout)lay);
          std::vector<double> vals = fill(in, -20, 20);
          for (int op : {NT_OP_softmax, NT_OP_log_softmax, NT_OP_cumsum})
            for (int olay : {CONTIG, TRANSPOSED}) check_dim(op, in, vals, dim, dt, (layout)olay, lay_name[lay]);
          tensor pin = make(dt, s, (layout)lay);
          std::vector<double> pv = fill(pin, 0.9, 1.1);
          check_dim(NT_OP_cumprod, pin, pv, dim, dt, CONTIG, lay_name[lay]);
        }
        for (int dt : {NT_I32, NT_I64, NT_U8, NT_BOOL}) {
          tensor in = make(dt, s, (layout)lay);
          std::vector<double> vals = fill(in);
          check_dim(NT_OP_cumsum, in, vals, dim, NT_I64, CONTIG, lay_name[lay]);
          check_dim(NT_OP_cumprod, in, vals, dim, NT_I64, TRANSPOSED, lay_name[lay]);
        }
        tensor h = make(NT_F16, s, (layout)lay);
        std::vector<double> hv = fill(h, -2, 2);
        check_dim(NT_OP_cumsum, h, hv, dim, NT_F32, CONTIG, "f16 -> f32");
      }
  // Special rows: -inf entries, an all -inf row (NaN like torch), NaN, huge values.
  for (int dt : {NT_F32, NT_F64}) {
    for (int lay = 0; lay < 2; lay++) {
      tensor in = make(dt, {5, 21}, (layout)lay);
      std::vector<double> vals = fill(in, -5, 5);
      auto put = [&](int r, int c, double x) { set(in, r * 21 + c, x); vals[(size_t)(r * 21 + c)] = x; };
      put(0, 3, -INFINITY); put(0, 20, -INFINITY);
      for (int c = 0; c < 21; c++) put(1, c, -INFINITY);
      put(2, 7, NAN);
      put(3, 0, 1000); put(3, 1, 999);
      for (int op : {NT_OP_softmax, NT_OP_log_softmax})
        for (int dim : {0, 1}) check_dim(op, in, vals, dim, dt, CONTIG, "special rows");
    }
  }
  // Long columns (rows split across threads, partial results combined) with the same specials.
  for (int dt : {NT_F32, NT_F64}) {
    tensor in = make(dt, {260, 24});
    std::vector<double> vals = fill(in, -5, 5);
    auto put = [&](int r, int c, double x) { set(in, r * 24 + c, x); vals[(size_t)(r * 24 + c)] = x; };
    for (int r = 0; r < 260; r++) {
      if (r < 150) put(r, 0, -INFINITY);  // the first split sees only -inf
      put(r, 1, -INFINITY);
      if (r > 100) put(r, 4, -INFINITY);
    }
    put(200, 2, NAN);
    put(10, 3, INFINITY);
    put(250, 5, 1000);
    put(3, 6, 1000);
    for (int op : {NT_OP_softmax, NT_OP_log_softmax})
      for (int olay : {CONTIG, TRANSPOSED}) check_dim(op, in, vals, 0, dt, (layout)olay, "long columns");
  }
  // exp accuracy: softmax([x, 0])[0] == exp(x) exactly in float for x < -17; check ulps.
  {
    const int n = 20000;
    tensor in = make(NT_F32, {n, 2}), out = make(NT_F32, {n, 2});
    for (int i = 0; i < n; i++) { ((float*)in.v.data)[2 * i] = -17.f - 86.f * i / n; ((float*)in.v.data)[2 * i + 1] = 0; }
    nt_args a = args1(NT_OP_softmax, {&in, &out});
    a.i[0] = 1;
    call(a);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      float x = ((float*)in.v.data)[2 * i], got = ((float*)out.v.data)[2 * i];
      float want = (float)exp((double)x);
      if (want < 1.17549435e-38f) continue;  // subnormal results: absolute check below
      double ulp = fabs((double)got - exp((double)x)) / (nextafterf(want, INFINITY) - want);
      worst = std::max(worst, ulp);
    }
    CHECK(worst <= 2.0, "exp approximation: worst error %.2f ulp", worst);
    printf("  exp approximation: worst error %.2f ulp over [-103, -17]\n", worst);
  }
  // Errors.
  {
    tensor in = make(NT_I32, {3, 4}), out = make(NT_I32, {3, 4});
    nt_args a = args1(NT_OP_softmax, {&in, &out});
    std::string msg;
    CHECK(call(a, &msg) != 0 && msg.find("int32") != std::string::npos, "softmax of int32: '%s'", msg.c_str());
    tensor f = make(NT_F32, {3, 4}), fo = make(NT_F32, {3, 4});
    nt_args b = args1(NT_OP_cumsum, {&f, &fo});
    b.i[0] = 2;
    CHECK(call(b, &msg) != 0 && msg.find("out of range") != std::string::npos, "cumsum dim 2: '%s'", msg.c_str());
  }
}

// ---- sort / topk ---------------------------------------------------------------------------------
static bool sort_less(double a, double b) {  // NaN above everything
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

static void check_sort(tensor& in, const std::vector<double>& vals, int dim, bool desc, int64_t k, bool topk, const char* note) {
  std::vector<int64_t> shape(in.v.shape, in.v.shape + in.v.ndim);
  if (!shape.empty()) shape[(size_t)dim] = k;
  tensor ov = make(in.v.dtype, shape, TRANSPOSED), oi = make(NT_I64, shape);
  nt_args a = args1(topk ? NT_OP_topk : NT_OP_sort, {&in, &ov, &oi});
  a.i[0] = dim; a.i[1] = desc; a.i[2] = 1;
  if (call(a)) { CHECK(false, "sort failed"); return; }
  std::vector<double> ref_idx;
  ref_along(in, vals, dim, [&](const std::vector<double>& l) {
    std::vector<int64_t> order(l.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
      return desc ? sort_less(l[(size_t)y], l[(size_t)x]) : sort_less(l[(size_t)x], l[(size_t)y]);
    });
    return std::vector<double>(order.begin(), order.end());
  }, ref_idx);
  int bad = 0;
  const int64_t len = in.v.ndim ? in.v.shape[dim] : 1;
  for (int64_t i = 0; i < oi.numel() && bad < 3; i++) {
    std::vector<int64_t> idx = unravel(i, oi.v);
    int64_t want = (int64_t)ref_idx[(size_t)(in.v.ndim ? ravel(idx, in.v) : 0)];  // k-th of the full order
    int64_t got = (int64_t)get(oi, i);
    bool ok = got == want && got >= 0 && got < len;
    if (ok) {
      std::vector<int64_t> at = idx;
      if (!at.empty()) at[(size_t)dim] = got;
      ok = get_bits(ov, i) == get_bits(in, in.v.ndim ? ravel(at, in.v) : 0);
    }
    if (!ok) { bad++; CHECK(false, "%s %s dim %d desc %d k %lld %s: index[%lld] = %lld, expected %lld", topk ? "topk" : "sort",
                            nt_dtype_name(in.v.dtype), dim, desc, (long long)k, note, (long long)i, (long long)got, (long long)want); }
  }
  if (!bad) g_pass++;
}

static void test_sort() {
  std::vector<std::vector<int64_t>> shapes = {{1000}, {7, 300}, {5, 20}, {3, 4, 70}, {}};
  for (auto& s : shapes)
    for (int lay = 0; lay < 3; lay++)
      for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16, NT_I32, NT_I64, NT_U8, NT_BOOL}) {
        tensor in = make(dt, s, (layout)lay);
        std::vector<double> vals = fill(in);
        if (nt_dtype_is_float(dt) && in.numel() > 10) {  // NaN, infinities, signed zeros, ties
          double sp[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1.5, 1.5, NAN};
          for (int j = 0; j < 8; j++) { int64_t p = (j * 7919) % in.numel(); set(in, p, sp[j]); vals[(size_t)p] = sp[j]; }
        }
        for (int dim = 0; dim < std::max<int>(1, (int)s.size()); dim++)
          for (bool desc : {false, true}) {
            int64_t len = s.empty() ? 1 : s[(size_t)dim];
            check_sort(in, vals, dim, desc, len, false, lay_name[lay]);
            for (int64_t k : {int64_t(1), len / 3, len}) check_sort(in, vals, dim, desc, k, true, lay_name[lay]);
          }
      }
  // topk reaching into the top key bucket (NaN keys): most of a long line is NaN.
  for (int dt : {NT_F32, NT_F64, NT_F16}) {
    tensor nan_in = make(dt, {3000});
    std::vector<double> nv = fill(nan_in);
    for (int64_t i = 0; i < 3000; i++) if (i % 4) { set(nan_in, i, NAN); nv[(size_t)i] = NAN; }
    for (bool desc : {false, true})
      for (int64_t k : {int64_t(10), int64_t(1500), int64_t(2999)}) check_sort(nan_in, nv, 0, desc, k, true, "mostly NaN");
  }
  tensor in = make(NT_F32, {4, 6}), ov = make(NT_F32, {4, 7}), oi = make(NT_I64, {4, 7});
  nt_args a = args1(NT_OP_topk, {&in, &ov, &oi});
  a.i[0] = 1; a.i[1] = 1;
  std::string msg;
  CHECK(call(a, &msg) != 0 && msg.find("larger") != std::string::npos, "topk k > n: '%s'", msg.c_str());
  tensor ov2 = make(NT_F32, {4, 6}), oi2 = make(NT_I32, {4, 6});
  nt_args b = args1(NT_OP_sort, {&in, &ov2, &oi2});
  b.i[0] = 1;
  CHECK(call(b, &msg) != 0 && msg.find("int64") != std::string::npos, "sort int32 indices: '%s'", msg.c_str());
}

// ---- timings --------------------------------------------------------------------------------------
static double time_ms(const std::function<void()>& f, int reps) {
  f();
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

static void timings() {
  tensor x = make(NT_F32, {4096, 4096});
  std::normal_distribution<float> nd;
  for (int64_t i = 0; i < x.numel(); i++) ((float*)x.v.data)[i] = nd(g_rng);
  auto red = [&](int64_t mask) {
    tensor out = make_red_out(NT_F32, x, mask);
    return [=, &x]() mutable { nt_args a = args1(NT_OP_sum, {&x, &out}); a.i[0] = mask; a.f[0] = 1; call(a); };
  };
  printf("timings (best of 10, %s):\n", "ms");
  printf("  sum all 4096x4096 f32     %8.3f\n", time_ms(red(3), 10));
  printf("  row sum (dim 1)           %8.3f\n", time_ms(red(2), 10));
  printf("  column sum (dim 0)        %8.3f\n", time_ms(red(1), 10));
  tensor y = make(NT_F32, {4096, 4096});
  for (int op : {NT_OP_softmax, NT_OP_log_softmax})
    for (int dim : {1, 0}) {
      double t = time_ms([&] { nt_args a = args1(op, {&x, &y}); a.i[0] = dim; call(a); }, 5);
      printf("  %-11s dim %d           %8.3f\n", nt_op_name(op), dim, t);
    }
  tensor s = make(NT_F32, {1 << 20}), sv = make(NT_F32, {1 << 20}), si = make(NT_I64, {1 << 20});
  for (int64_t i = 0; i < s.numel(); i++) ((float*)s.v.data)[i] = nd(g_rng);
  printf("  sort 1M f32               %8.3f\n", time_ms([&] { nt_args a = args1(NT_OP_sort, {&s, &sv, &si}); call(a); }, 5));
}

int main(int argc, char** argv) {
  nt_cpu_register_reduce(g_k);
  for (int op : {NT_OP_sum, NT_OP_prod, NT_OP_amax, NT_OP_amin, NT_OP_argmax, NT_OP_argmin, NT_OP_var, NT_OP_all,
                 NT_OP_any, NT_OP_softmax, NT_OP_log_softmax, NT_OP_cumsum, NT_OP_cumprod, NT_OP_sort, NT_OP_topk})
    CHECK(g_k[op] != nullptr, "op %s is registered", nt_op_name(op));
  test_reductions();
  test_reduce_special();
  test_dim_ops();
  test_sort();
  bool bench = !(argc > 1 && strcmp(argv[1], "--no-bench") == 0);
  if (bench) timings();
  return check_summary();
}
