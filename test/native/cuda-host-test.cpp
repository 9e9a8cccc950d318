// cuda-host-test.cpp — the CUDA backend's host-side logic, run with g++ (no GPU, no CUDA headers):
// index calculators, the core's reduction plans and lines (core/plans.h, which the CPU backend uses
// too) against brute force, the cast rules against the CPU backend's, sort keys, the bitonic
// schedule of sort.cu, the matmul layout plan (emulating the BLAS call it describes), the
// reductions' merge rules under random splits and the caching allocator.
// Not here: kernels (they need a GPU).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "backends/cpu/copy-cast.h"
#include "backends/cuda/allocator.h"
#include "backends/cuda/combine.h"
#include "backends/cuda/gemm-layout.h"
#include "backends/cuda/index-math.h"
#include "backends/cuda/values.h"
#include "core/plans.h"

#include "check.h"

static std::mt19937_64 g_rng(2024);

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)(g_rng() % (uint64_t)(hi - lo + 1)); }

// A random view: shape, then strides of a permuted, possibly stepped or broadcast layout.
static nt_view random_view(int nd, int64_t max_dim, bool allow_broadcast) {
  nt_view v;
  memset(&v, 0, sizeof v);
  v.ndim = nd;
  v.dtype = NT_F32;
  v.data = (void*)0x1000;
  for (int d = 0; d < nd; d++) v.shape[d] = rnd(1, max_dim);
  std::vector<int> perm(nd);
  for (int d = 0; d < nd; d++) perm[d] = d;
  std::shuffle(perm.begin(), perm.end(), g_rng);
  int64_t st = rnd(1, 2);
  for (int q = nd - 1; q >= 0; q--) {
    const int d = perm[q];
    v.strides[d] = (allow_broadcast && rnd(0, 5) == 0) ? 0 : st;
    st *= v.shape[d] + rnd(0, 1);
  }
  v.offset = rnd(0, 7);
  return v;
}

static void test_offcalc() {
  for (int t = 0; t < 400; t++) {
    const int nd = (int)rnd(0, 6);
    nt_view a = random_view(nd, 6, true), b = random_view(nd, 6, false);
    for (int d = 0; d < nd; d++) b.shape[d] = a.shape[d];
    const nt_view* vs[2] = {&a, &b};
    const nt_strided<2> it = nt_make_strided<2>(vs);
    const nt_offcalc<2> oc = nt_make_offcalc<2>(it);
    bool ok = true;
    for (int64_t i = 0; i < it.numel && ok; i++) {
      int64_t off[2];
      oc.get(i, off);
      ok = off[0] + it.base[0] == nt_view_offset_of(&a, i) && off[1] + it.base[1] == nt_view_offset_of(&b, i);
    }
    CHECK(ok, "offcalc matches nt_view_offset_of (nd %d, numel %lld)", nd, (long long)it.numel);
  }
  // 32-bit magic division: every divisor shape up to 2^31, dividends across the range
  for (uint32_t d : {1u, 2u, 3u, 5u, 7u, 10u, 255u, 256u, 1000u, 65535u, 65537u, 1u << 20, 999999937u, 2147483647u}) {
    nt_divmod32 dm;
    dm.init(d);
    bool ok = true;
    for (int k = 0; k < 20000 && ok; k++) {
      const uint32_t n = k < 1000 ? (uint32_t)k : (uint32_t)(g_rng() % 2147483648ull);
      ok = dm.div(n) == n / d;
    }
    CHECK(ok, "divmod32 by %u", d);
  }
  // the wide path (numel >= 2^31)
  int64_t shape[2] = {int64_t(1) << 20, int64_t(1) << 12}, st[1][NT_MAX_DIMS] = {{5, 3}};
  const nt_offcalc<1> w = nt_make_offcalc<1>(2, shape, st);
  int64_t off;
  w.get((int64_t(123456) << 12) + 77, &off);
  CHECK(w.wide && off == 123456 * 5 + 77 * 3, "wide offcalc");
}

// Brute force: the input offsets reduced into each output, and each output's offset.
static void test_red_plan() {
  for (int t = 0; t < 300; t++) {
    const int nd = (int)rnd(0, 5);
    nt_args a;
    memset(&a, 0, sizeof a);
    a.nviews = 2;
    a.v[0] = random_view(nd, 5, false);
    int64_t mask = nd ? (int64_t)(g_rng() % (1ull << nd)) : 0;
    const bool arg = t % 3 == 0 && nd > 0;
    if (arg) mask = int64_t(1) << rnd(0, nd - 1);
    a.i[0] = mask;
    nt_view& o = a.v[1];
    o = a.v[0];
    o.offset = 3;
    int64_t st = 1;
    for (int d = nd - 1; d >= 0; d--) {
      o.shape[d] = (mask >> d) & 1 ? 1 : a.v[0].shape[d];
      o.strides[d] = (mask >> d) & 1 ? 0 : st;
      st *= o.shape[d];
    }
    nt_red_plan p;
    nt_error err;
    if (nt_make_red_plan(&a, &p, !arg, &err)) { CHECK(false, "plan failed: %s", err.msg); continue; }
    int64_t kst[2][NT_MAX_DIMS], rst[1][NT_MAX_DIMS];
    for (int d = 0; d < p.nk; d++) kst[0][d] = p.kin[d], kst[1][d] = p.kout[d];
    for (int d = 0; d < p.nr; d++) rst[0][d] = p.rin[d];
    const nt_offcalc<2> koc = nt_make_offcalc<2>(p.nk, p.kshape, kst);
    const nt_offcalc<1> roc = nt_make_offcalc<1>(p.nr, p.rshape, rst);
    // expected: walk every input element, bucket by output
    std::vector<std::vector<int64_t>> want((size_t)p.m);
    std::vector<int64_t> want_out((size_t)p.m, -1);
    const int64_t n_in = nt_view_numel(&a.v[0]);
    for (int64_t e = 0; e < n_in; e++) {
      int64_t rem = e, oidx = 0, ooff = o.offset, mul = 1;
      for (int d = nd - 1; d >= 0; d--) {
        const int64_t c = rem % a.v[0].shape[d];
        rem /= a.v[0].shape[d];
        if (!((mask >> d) & 1)) { oidx += c * mul; mul *= a.v[0].shape[d]; ooff += c * o.strides[d]; }
      }
      want[(size_t)oidx].push_back(nt_view_offset_of(&a.v[0], e) - a.v[0].offset);
      want_out[(size_t)oidx] = ooff - o.offset;
    }
    bool ok = true;
    for (int64_t m = 0; m < p.m && ok; m++) {
      int64_t ko[2];
      koc.get(m, ko);
      std::vector<int64_t> got;
      for (int64_t j = 0; j < (p.nr ? p.n : std::min<int64_t>(p.n, 1)); j++) {
        int64_t r;
        roc.get(j, &r);
        got.push_back(ko[0] + r);
      }
      std::vector<int64_t> w = want[(size_t)m];
      if (!arg) { std::sort(got.begin(), got.end()); std::sort(w.begin(), w.end()); }
      ok = got == w && ko[1] == want_out[(size_t)m];
    }
    CHECK(ok, "reduction plan covers each output's elements (nd %d, mask %lld, %s)", nd, (long long)mask, arg ? "in order" : "any order");
  }
}

static void test_lines() {
  for (int t = 0; t < 200; t++) {
    const int nd = (int)rnd(1, 5);
    nt_view in = random_view(nd, 5, false), out = random_view(nd, 5, false);
    const int dim = (int)rnd(0, nd - 1);
    for (int d = 0; d < nd; d++) out.shape[d] = in.shape[d];
    const nt_view* vs[2] = {&in, &out};
    nt_lines<2> L;
    nt_error err;
    if (nt_make_lines<2>(vs, dim - (t % 2 ? nd : 0), &L, &err)) { CHECK(false, "lines failed: %s", err.msg); continue; }
    const nt_offcalc<2> oc = nt_make_offcalc<2>(L.nd, L.shape, L.st);
    bool ok = L.len[0] == in.shape[dim] && L.sd[0] == in.strides[dim] && L.sd[1] == out.strides[dim];
    int64_t line = 0;
    const int64_t n = nt_view_numel(&in);
    for (int64_t e = 0; e < n && ok; e++) {  // every element with coordinate 0 along dim starts the next line
      int64_t rem = e, c_dim = 0;
      for (int d = nd - 1; d >= 0; d--) { if (d == dim) c_dim = rem % in.shape[d]; rem /= in.shape[d]; }
      if (c_dim) continue;
      int64_t off[2];
      oc.get(line++, off);
      ok = off[0] + L.base[0] == nt_view_offset_of(&in, e) && off[1] + L.base[1] == nt_view_offset_of(&out, e);
    }
    CHECK(ok && line == L.count, "lines along dim %d of %d dims", dim, nd);
  }
}

template <class D, class S>
static void conv_pair(const std::vector<double>& vals) {
  bool ok = true;
  double bad = 0;
  for (double x : vals) {
    S s;
    nt_cast_store<S>(&s, x);             // the source value as the CPU stores it
    const auto c = nt_cpu_ld<S>(&s);     // its compute value
    D want;
    nt_cast_store<D>(&want, c);          // the CPU's conversion
    D got = nt_storage_from_double<D>(0);
    const auto r = nt_convert<D>(c);     // ours: compute value, then the store
    if constexpr (std::is_same<D, nt_half>::value) got.bits = nt_float_to_half(r);
    else if constexpr (std::is_same<D, nt_bf16>::value) got.bits = nt_float_to_bf16(r);
    else got = (D)r;
    if (memcmp(&got, &want, sizeof(D)) != 0 && !(nt_is_fp_storage<D>::value && nt_cpu_ld<D>(&got) != nt_cpu_ld<D>(&got))) { ok = false; bad = x; }
  }
  CHECK(ok, "cast %s -> %s matches the CPU backend (first difference at %g)", nt_dtype_name(nt_dtype_of<S>::value), nt_dtype_name(nt_dtype_of<D>::value), bad);
}
template <class S>
static void conv_from(const std::vector<double>& v) {
  conv_pair<float, S>(v); conv_pair<double, S>(v); conv_pair<nt_half, S>(v); conv_pair<nt_bf16, S>(v);
  conv_pair<int32_t, S>(v); conv_pair<int64_t, S>(v); conv_pair<uint8_t, S>(v); conv_pair<bool, S>(v);
}
static void test_casts() {
  std::vector<double> v = {0.0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 255, 256, 257, -129, 65504, 65520, 1e10, -1e10, 3e38,
                           -3e38, 1e300, -1e300, INFINITY, -INFINITY, NAN, 2147483647.0, 2147483648.0, -2147483649.0,
                           9.3e18, -9.3e18, 1e-8, 6e-8, 1e-40};
  for (int i = 0; i < 200; i++) v.push_back(std::uniform_real_distribution<double>(-1e6, 1e6)(g_rng));
  conv_from<float>(v); conv_from<double>(v); conv_from<nt_half>(v); conv_from<nt_bf16>(v);
  conv_from<int32_t>(v); conv_from<int64_t>(v); conv_from<uint8_t>(v); conv_from<bool>(v);
}

static void test_sort_keys() {
  std::vector<float> f = {-INFINITY, -1e30f, -2.5f, -1e-40f, -0.0f, 0.0f, 1e-40f, 1.0f, 3.5f, 1e30f, INFINITY};
  bool ok = true;
  for (size_t i = 0; i + 1 < f.size(); i++) {
    const uint64_t a = nt_sort_key(f[i]), b = nt_sort_key(f[i + 1]);
    ok = ok && (f[i] == f[i + 1] ? a == b : a < b);
    ok = ok && nt_sort_key((double)f[i]) <= nt_sort_key((double)f[i + 1]);
  }
  ok = ok && nt_sort_key(NAN) > nt_sort_key(INFINITY) && nt_sort_key((double)NAN) > nt_sort_key((double)INFINITY);
  CHECK(ok, "float keys: numeric order, -0 == +0, NaN above +inf");
  nt_half h1, h2, hn;
  h1.bits = nt_float_to_half(-2.0f), h2.bits = nt_float_to_half(65504.0f), hn.bits = 0x7e00;
  nt_bf16 b1, b2;
  b1.bits = nt_float_to_bf16(-3.0f), b2.bits = nt_float_to_bf16(-1.0f);
  CHECK(nt_sort_key(h1) < nt_sort_key(h2) && nt_sort_key(hn) > nt_sort_key(h2) && nt_sort_key(b1) < nt_sort_key(b2), "16-bit keys");
  CHECK(nt_sort_key((int32_t)-5) < nt_sort_key((int32_t)3) && nt_sort_key((int64_t)INT64_MIN) < nt_sort_key((int64_t)-1) &&
        nt_sort_key((uint8_t)2) < nt_sort_key((uint8_t)200), "integer keys");
}

// sort.cu's schedule: a full sort inside segments of S, then per stage k > S global steps for
// j >= S and the in-segment steps j < S; directions by position within the line.
static void test_bitonic_schedule() {
  for (int64_t P : {2, 4, 64, 2048, 4096, 16384}) {
    const int64_t lines = 3, S = std::min<int64_t>(P, 2048);
    std::vector<uint64_t> a((size_t)(lines * P));
    for (auto& x : a) x = g_rng() % 1000;
    std::vector<uint64_t> want = a;
    for (int64_t l = 0; l < lines; l++) std::sort(want.begin() + l * P, want.begin() + (l + 1) * P);
    auto swap_if = [&](int64_t base, int64_t i, int64_t j, bool asc) {
      uint64_t &x = a[(size_t)(base + i)], &y = a[(size_t)(base + i + j)];
      if (asc ? x > y : y > x) std::swap(x, y);
    };
    auto smem = [&](int64_t k) {  // k == 0: all stages up to S
      for (int64_t seg = 0; seg < lines * P / S; seg++) {
        const int64_t base = seg * S;
        for (int64_t kk = k ? k : 2; kk <= (k ? k : S); kk <<= 1)
          for (int64_t j = k ? S / 2 : kk / 2; j > 0; j >>= 1)
            for (int64_t q = 0; q < S / 2; q++) {
              const int64_t i = nt_bitonic_first(q, j);
              swap_if(base, i, j, (((base + i) & (P - 1)) & kk) == 0);
            }
      }
    };
    smem(0);
    for (int64_t k = 2 * S; k <= P; k <<= 1) {
      for (int64_t j = k / 2; j >= S; j >>= 1)
        for (int64_t t = 0; t < lines * P / 2; t++) {
          const int64_t line = t / (P / 2), i = nt_bitonic_first(t - line * (P / 2), j);
          swap_if(line * P, i, j, (i & k) == 0);
        }
      smem(k);
    }
    CHECK(a == want, "bitonic schedule sorts %lld lines of %lld", (long long)lines, (long long)P);
  }
}

// Emulates the column-major strided-batched GEMM a blas_plan describes and compares with C = A B.
static void test_gemm_plan() {
  for (int t = 0; t < 300; t++) {
    const int nb = (int)rnd(0, 2), nd = nb + 2;
    const int64_t m = rnd(1, 5), k = rnd(1, 5), n = rnd(1, 5);
    nt_view a, b, c;
    memset(&a, 0, sizeof a); memset(&b, 0, sizeof b); memset(&c, 0, sizeof c);
    a.ndim = b.ndim = c.ndim = nd;
    int64_t bs[2] = {rnd(1, 3), rnd(1, 3)};
    a.shape[nd - 2] = m, a.shape[nd - 1] = k, b.shape[nd - 2] = k, b.shape[nd - 1] = n, c.shape[nd - 2] = m, c.shape[nd - 1] = n;
    for (int d = 0; d < nb; d++) a.shape[d] = b.shape[d] = c.shape[d] = bs[d];
    auto lay = [&](nt_view& v, bool bcast) {  // row- or column-major matrices, batches outermost, maybe broadcast
      const int64_t r = v.shape[nd - 2], cc = v.shape[nd - 1];
      const int kind = (int)rnd(0, 2);
      if (kind == 0) v.strides[nd - 2] = cc + rnd(0, 1), v.strides[nd - 1] = 1;
      else if (kind == 1) v.strides[nd - 2] = 1, v.strides[nd - 1] = r + rnd(0, 1);
      else v.strides[nd - 2] = 2 * cc, v.strides[nd - 1] = 2;  // stepped: needs a copy
      int64_t st = (r + 1) * (cc + 1) * 2;
      for (int d = nb - 1; d >= 0; d--) { v.strides[d] = bcast && rnd(0, 2) == 0 ? 0 : st; st *= v.shape[d]; }
    };
    lay(a, true), lay(b, true), lay(c, false);
    const gemm_dims g = gemm_describe(&a, &b, &c);
    const blas_plan p = blas_plan_for(g);
    if (!(p.a.ok && p.b.ok && p.c.ok)) { CHECK(true, ""); continue; }  // matmul.cu copies such operands first
    // storage big enough for every view; values from the element offset
    std::vector<double> A(4096), B(4096), C(4096, 0.0), want(4096, 0.0);
    for (size_t i = 0; i < A.size(); i++) A[i] = (double)(i % 13) - 6, B[i] = (double)(i % 7) - 3;
    const int64_t batch = g.batch;
    for (int64_t e = 0; e < batch; e++) {
      int64_t oa = 0, ob = 0, oc = 0, rem = e;
      for (int d = nb - 1; d >= 0; d--) { const int64_t i = rem % bs[d]; rem /= bs[d]; oa += i * a.strides[d]; ob += i * b.strides[d]; oc += i * c.strides[d]; }
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
          double s = 0;
          for (int64_t l = 0; l < k; l++) s += A[(size_t)(oa + i * a.strides[nd - 2] + l * a.strides[nd - 1])] * B[(size_t)(ob + l * b.strides[nd - 2] + j * b.strides[nd - 1])];
          want[(size_t)(oc + i * c.strides[nd - 2] + j * c.strides[nd - 1])] = s;
        }
    }
    // the call: C'(M x N, col-major, ldc) = op(X) op(Y), X = (swapped ? A : B) storage, Y = the other
    const std::vector<double>& X = p.swapped ? A : B;
    const std::vector<double>& Y = p.swapped ? B : A;
    for (int64_t o = 0; o < p.outer; o++) {
      int64_t oa, ob, oc;
      p.outer_offsets(o, &oa, &ob, &oc);
      const int64_t ox = p.swapped ? oa : ob, oy = p.swapped ? ob : oa;
      for (int64_t bi = 0; bi < p.count; bi++)
        for (int64_t i = 0; i < p.M; i++)
          for (int64_t j = 0; j < p.N; j++) {
            double s = 0;
            for (int64_t l = 0; l < p.K; l++) {
              const double x = p.x.trans ? X[(size_t)(ox + bi * p.sx + l + i * p.x.ld)] : X[(size_t)(ox + bi * p.sx + i + l * p.x.ld)];
              const double y = p.y.trans ? Y[(size_t)(oy + bi * p.sy + j + l * p.y.ld)] : Y[(size_t)(oy + bi * p.sy + l + j * p.y.ld)];
              s += x * y;
            }
            C[(size_t)(oc + bi * p.sc + i + j * p.ldc)] = s;
          }
    }
    CHECK(C == want, "blas plan computes a @ b (m %lld k %lld n %lld, %d batch dims, %s)", (long long)m, (long long)k, (long long)n, nb,
          p.swapped ? "column-major out" : "row-major out");
  }
}

// Folds x in random chunks, then merges the partial results in a random tree: what a GPU may do.
template <class A, class Fold, class Merge>
static A random_tree(const std::vector<double>& x, A init, const Fold& fold, const Merge& merge) {
  std::vector<A> parts;
  for (size_t i = 0; i < x.size();) {
    const size_t len = (size_t)rnd(1, 7);
    A a = init;
    for (size_t j = i; j < std::min(x.size(), i + len); j++) a = fold(a, x[j], (int64_t)j);
    parts.push_back(a);
    i += len;
  }
  while (parts.size() > 1) {  // merge neighbours only (the order of elements is kept, as in a block tree)
    const size_t k = (size_t)rnd(0, (int64_t)parts.size() - 2);
    parts[k] = merge(parts[k], parts[k + 1]);
    parts.erase(parts.begin() + (long)k + 1);
  }
  return parts.empty() ? init : parts[0];
}

static void test_combine() {
  const double pool[] = {1, 2, 2, -3, 0.5, -0.0, 0.0, NAN, INFINITY, -INFINITY, 7, 7};
  for (int t = 0; t < 400; t++) {
    std::vector<double> x((size_t)rnd(1, 40));
    const bool nan_ok = t % 2 == 0;
    for (auto& v : x) { v = pool[rnd(0, 11)]; if (!nan_ok && v != v) v = 1; }
    for (bool mx : {true, false}) {  // argmax / argmin: first extreme, first NaN wins
      int64_t want = 0;
      for (size_t i = 0; i < x.size(); i++) {
        if (x[want] != x[want]) break;
        if (x[i] != x[i]) { want = (int64_t)i; break; }
        if (mx ? x[i] > x[want] : x[i] < x[want]) want = (int64_t)i;
      }
      const auto got = random_tree<nt_arg_pair<double>>(x, {0, -1},
          [&](nt_arg_pair<double> a, double v, int64_t j) { return nt_arg_merge(a, nt_arg_pair<double>{v, j}, mx); },
          [&](nt_arg_pair<double> a, nt_arg_pair<double> b) { return nt_arg_merge(a, b, mx); });
      CHECK(got.i == want, "arg%s of %zu values: %lld, expected %lld", mx ? "max" : "min", x.size(), (long long)got.i, (long long)want);
    }
    // online softmax against the two-pass form (max ignores NaN; sum of exp(x - max))
    double m = -INFINITY, sum = 0;
    for (double v : x) m = v > m ? v : m;
    for (double v : x) sum += exp(v - m);
    const auto ms = random_tree<nt_msum<double>>(x, {-INFINITY, 0},
        [](nt_msum<double> a, double v, int64_t) { nt_msum_add(a, v); return a; },
        [](nt_msum<double> a, nt_msum<double> b) { return nt_msum_merge(a, b); });
    bool same = true;
    for (double v : x) {
      const double want = exp(v - m) / sum, got = exp(v - ms.m) / ms.s;
      same = same && ((want != want && got != got) || fabs(want - got) <= 1e-12 * (1 + fabs(want)));
    }
    CHECK(same, "online softmax matches two-pass (%zu values, max %g)", x.size(), m);
  }
  for (int t = 0; t < 100; t++) {  // Welford: variance of random data, any split
    std::vector<double> x((size_t)rnd(1, 60));
    for (auto& v : x) v = std::normal_distribution<double>(rnd(-5, 5) * 1000.0, 3.0)(g_rng);
    double mean = 0, m2 = 0;
    for (double v : x) mean += v;
    mean /= (double)x.size();
    for (double v : x) m2 += (v - mean) * (v - mean);
    const nt_welford w = random_tree<nt_welford>(x, {0, 0, 0}, [](nt_welford a, double v, int64_t) { return nt_welford_add(a, v); },
                                                  [](nt_welford a, nt_welford b) { return nt_welford_merge(a, b); });
    CHECK(w.n == (double)x.size() && fabs(w.mean - mean) <= 1e-9 * (1 + fabs(mean)) && fabs(w.m2 - m2) <= 1e-7 * (1 + m2),
          "welford over %zu values: m2 %g, expected %g", x.size(), w.m2, m2);
  }
  const double nan = NAN;
  CHECK(nt_pick(1.0, nan, true) != nt_pick(1.0, nan, true) && nt_pick(nan, 5.0, true) != nt_pick(nan, 5.0, true) &&
        nt_pick(2.0, 5.0, false) == 2.0, "pick: NaN wins, else the extreme");
}

// ---- allocator: malloc-backed, with a budget to simulate running out of device memory
static size_t g_budget = 0, g_used = 0;
static int g_syncs = 0;
static void* t_alloc(void*, size_t n) { if (g_used + n > g_budget) return nullptr; g_used += n; return malloc(n); }
static void t_free(void*, void* p, size_t n) { g_used -= n; free(p); }
static void t_sync(void*) { g_syncs++; }

static void test_allocator() {
  g_budget = size_t(64) << 20;
  nt_caching_allocator A(t_alloc, t_free, t_sync, nullptr);
  CHECK(nt_caching_allocator::round(1) == 512 && nt_caching_allocator::round(513) == 1024 &&
        nt_caching_allocator::round(size_t(1) << 20) == (size_t(2) << 20) && nt_caching_allocator::round(0) == 512, "rounding");
  void* p = A.alloc(1000);
  CHECK(p && A.stats().allocated == 1024 && A.stats().raw_allocs == 1, "first allocation");
  A.free(p);
  CHECK(A.stats().cached == 1024 && A.stats().allocated == 0, "freed block is cached");
  void* q = A.alloc(900);
  CHECK(q == p && A.stats().hits == 1 && A.stats().raw_allocs == 1, "same size class reuses the block");
  void* r = A.alloc(3000);
  CHECK(r && r != q && A.stats().raw_allocs == 2, "another size class is a new block");
  A.free(q), A.free(r);
  void* big = A.alloc(size_t(22) << 20);
  A.free(big);
  void* big2 = A.alloc((size_t(20) << 20) + 100000);  // 22 MiB is within 1/8 of the 22 MiB it rounds to
  void* big3 = A.alloc(size_t(20) << 20);              // 22 MiB would be more than 1/8 too big: a new block
  CHECK(big2 == big && big3 != big, "a cached large block serves a request up to 1/8 smaller, not less");
  A.free(big2), A.free(big3);
  // out of memory: 3 x 24 MiB does not fit next to the cached blocks, until the cache is released
  const int syncs = g_syncs;
  void* x1 = A.alloc(size_t(24) << 20);
  void* x2 = A.alloc(size_t(24) << 20);
  CHECK(x1 && x2 && g_syncs > syncs && A.stats().releases >= 1, "allocation retried after releasing the cache (synchronized first)");
  void* x3 = A.alloc(size_t(24) << 20);
  CHECK(x3 == nullptr, "a request that cannot fit returns null");
  CHECK(A.stats().allocated == (size_t(48) << 20), "stats after a failed request");
  A.free(x1), A.free(x2);
  A.empty_cache();
  CHECK(A.stats().cached == 0 && A.stats().reserved == 0 && g_used == 0, "empty_cache returns everything");
  CHECK(!A.free((void*)0x1234), "unknown pointers are ignored");
}

int main() {
  test_offcalc();
  test_red_plan();
  test_lines();
  test_casts();
  test_sort_keys();
  test_bitonic_schedule();
  test_gemm_plan();
  test_combine();
  test_allocator();
  return check_summary();
}
