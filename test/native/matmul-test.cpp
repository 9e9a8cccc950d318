// matmul-test.cpp — standalone check of the CPU matmul kernel against a float64/int64 naive
// reference (every dtype, strided/transposed/broadcast views, alpha/beta, K = 0, errors), then a
// GFLOP/s table. Not a benchmark suite (bench/ is). Ends with `N passed, N failed`.
// Build: g++ -std=c++17 -O2 -Icsrc csrc/core/parallel.cpp
//   csrc/backends/cpu/blas-loader.cpp csrc/backends/cpu/gemm*.cpp csrc/backends/cpu/matmul.cpp
//   test/native/matmul-test.cpp -ldl -lpthread
// When a BLAS is found, the suite runs again in a child with NODETENSOR_BLAS=builtin.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "backends/cpu/blas-loader.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernels.h"
#include "core/dispatch.h"
#include "core/parallel.h"

#if defined(__SANITIZE_ADDRESS__)
#define NT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NT_TEST_SANITIZED 1
#endif
#endif
#ifndef NT_TEST_SANITIZED
#define NT_TEST_SANITIZED 0
#endif

static int g_pass = 0, g_fail = 0;
static nt_kernel_fn g_matmul = nullptr;
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static std::string g_mode = "";

static uint64_t next_u64() {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return g_rng;
}
static double uniform() { return (double)(next_u64() >> 11) / 9007199254740992.0 * 2 - 1; }

static void report(bool ok, const std::string& what) {
  if (ok) g_pass++;
  else {
    g_fail++;
    if (g_fail <= 40) printf("FAIL %s%s\n", g_mode.c_str(), what.c_str());
  }
}

// ---- tensors: a storage and one view on it ----

struct tensor {
  std::vector<uint64_t> store;  // 8-byte aligned bytes
  nt_view v;
};

// Matrix layouts for the last two dims (logical rows x cols).
// ROWBCAST (row stride 0: one row expanded) is only used for inputs, outside the NLAYOUTS loops.
enum layout { CONTIG, TRANSPOSED, STEPPED, PADDED, SCATTERED, NLAYOUTS, ROWBCAST = NLAYOUTS };
static const char* layout_name[] = {"contig", "transposed", "stepped", "padded", "scattered",
                                    "rowbcast"};

// shape: full logical shape (ndim >= 2); bcast: bitmask of batch dims given stride 0.
static tensor make(int dtype, const std::vector<int64_t>& shape, int lay, unsigned bcast,
                   bool int_full_range = false) {
  tensor t;
  nt_view& v = t.v;
  memset(&v, 0, sizeof v);
  v.dtype = dtype, v.ndim = (int)shape.size();
  for (int d = 0; d < v.ndim; d++) v.shape[d] = shape[d];
  const int nd = v.ndim;
  const int64_t r = shape[nd - 2], c = shape[nd - 1];
  int64_t foot;  // elements one matrix spans
  switch (lay) {
    case TRANSPOSED: v.strides[nd - 2] = 1, v.strides[nd - 1] = r; foot = r * c; break;
    case STEPPED: v.strides[nd - 2] = 2 * c + 3, v.strides[nd - 1] = 2; foot = r * (2 * c + 3); break;
    case PADDED: v.strides[nd - 2] = c + 5, v.strides[nd - 1] = 1; foot = r * (c + 5); break;
    case SCATTERED: v.strides[nd - 2] = 3, v.strides[nd - 1] = 3 * r + 1; foot = c * (3 * r + 1); break;
    case ROWBCAST: v.strides[nd - 2] = 0, v.strides[nd - 1] = 1; foot = c; break;
    default: v.strides[nd - 2] = c, v.strides[nd - 1] = 1; foot = r * c;
  }
  int64_t run = foot + 2;
  for (int d = nd - 3; d >= 0; d--) {
    v.strides[d] = (bcast >> d) & 1 ? 0 : run;
    if (!((bcast >> d) & 1)) run *= shape[d];
  }
  v.offset = lay == PADDED || lay == STEPPED ? 7 : 0;
  const int64_t elems = v.offset + run + 8;
  const int es = nt_dtype_size(dtype);
  t.store.assign((size_t)(elems * es + 7) / 8 + 1, 0);
  v.data = t.store.data();
  for (int64_t i = 0; i < elems; i++) {
    void* p = (char*)v.data + i * es;
    double x = uniform();
    switch (dtype) {
      case NT_F32: *(float*)p = (float)x; break;
      case NT_F64: *(double*)p = x; break;
      case NT_F16: ((nt_half*)p)->bits = nt_float_to_half((float)x); break;
      case NT_BF16: ((nt_bf16*)p)->bits = nt_float_to_bf16((float)x); break;
      case NT_I32: *(int32_t*)p = int_full_range ? (int32_t)next_u64() : (int32_t)(x * 20); break;
      case NT_I64: *(int64_t*)p = int_full_range ? (int64_t)next_u64() : (int64_t)(x * 20); break;
      case NT_U8: *(uint8_t*)p = (uint8_t)next_u64(); break;
      case NT_BOOL: *(bool*)p = x > 0; break;
    }
  }
  return t;
}

static void fill_nan(tensor& t) {  // garbage the kernel must not read when beta == 0
  const int es = nt_dtype_size(t.v.dtype);
  const size_t n = t.store.size() * 8 / es;
  for (size_t i = 0; i < n; i++) {
    void* p = (char*)t.store.data() + i * es;
    if (t.v.dtype == NT_F32) *(float*)p = NAN;
    else if (t.v.dtype == NT_F64) *(double*)p = NAN;
    else if (t.v.dtype == NT_F16) ((nt_half*)p)->bits = 0x7e00;
    else if (t.v.dtype == NT_BF16) ((nt_bf16*)p)->bits = 0x7fc0;
  }
}

static double get_d(const nt_view& v, int64_t off) {
  double r = 0;
  NT_DISPATCH_ALL(v.dtype, T, r = nt_to_double((const T*)v.data + off));
  return r;
}
static int64_t get_i(const nt_view& v, int64_t off) {
  switch (v.dtype) {
    case NT_I32: return ((const int32_t*)v.data)[off];
    case NT_I64: return ((const int64_t*)v.data)[off];
    case NT_U8: return ((const uint8_t*)v.data)[off];
  }
  return 0;
}

static int64_t offset_of(const nt_view& v, int64_t batch_idx, int64_t i, int64_t j) {
  int64_t off = v.offset;
  for (int d = v.ndim - 3; d >= 0; d--) {
    off += (batch_idx % v.shape[d]) * v.strides[d];
    batch_idx /= v.shape[d];
  }
  return off + i * v.strides[v.ndim - 2] + j * v.strides[v.ndim - 1];
}

static int call(const tensor& a, const tensor& b, tensor& c, double alpha, double beta,
                nt_error* err) {
  nt_args args;
  memset(&args, 0, sizeof args);
  args.op = NT_OP_matmul, args.nviews = 3;
  args.v[0] = a.v, args.v[1] = b.v, args.v[2] = c.v;
  args.f[0] = alpha, args.f[1] = beta;
  err->msg[0] = 0;
  return g_matmul(&args, err);
}

// Runs one case and compares every element of out with the reference.
static void check_case(int dtype, int64_t M, int64_t K, int64_t N, std::vector<int64_t> batch,
                       int la, int lb, int lc, unsigned bca, unsigned bcb, double alpha,
                       double beta, bool full_range = false) {
  std::vector<int64_t> sa = batch, sb = batch, sc = batch;
  sa.push_back(M), sa.push_back(K), sb.push_back(K), sb.push_back(N), sc.push_back(M), sc.push_back(N);
  tensor a = make(dtype, sa, la, bca, full_range), b = make(dtype, sb, lb, bcb, full_range);
  tensor c = make(dtype, sc, lc, 0, full_range);
  if (beta == 0) fill_nan(c);
  const tensor c0 = c;
  c.v.data = c.store.data();
  char what[256];
  snprintf(what, sizeof what, "%s M=%lld K=%lld N=%lld batch=%zu a=%s%s b=%s%s out=%s alpha=%g beta=%g",
           nt_dtype_name(dtype), (long long)M, (long long)K, (long long)N, batch.size(),
           layout_name[la], bca ? "(bcast)" : "", layout_name[lb], bcb ? "(bcast)" : "",
           layout_name[lc], alpha, beta);
  nt_error err;
  if (call(a, b, c, alpha, beta, &err)) return report(false, std::string(what) + ": " + err.msg);
  nt_view v0 = c0.v;
  v0.data = (void*)c0.store.data();
  int64_t count = 1;
  for (int64_t s : batch) count *= s;
  const bool is_int = !nt_dtype_is_float(dtype);
  const double u = dtype == NT_F64 ? 1.2e-16 : 6e-8;
  const double out_round = dtype == NT_F16 ? 4.9e-4 : dtype == NT_BF16 ? 3.9e-3 : 0;
  double worst = 0;
  for (int64_t e = 0; e < count; e++)
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        const int64_t oc = offset_of(c.v, e, i, j);
        if (is_int) {
          uint64_t acc = 0;
          for (int64_t p = 0; p < K; p++)
            acc += (uint64_t)get_i(a.v, offset_of(a.v, e, i, p)) *
                   (uint64_t)get_i(b.v, offset_of(b.v, e, p, j));
          uint64_t r = (uint64_t)(int64_t)alpha * acc;
          if (beta != 0) r += (uint64_t)(int64_t)beta * (uint64_t)get_i(v0, oc);
          int64_t want = dtype == NT_I32 ? (int64_t)(int32_t)(uint32_t)r
                         : dtype == NT_U8 ? (int64_t)(uint8_t)r : (int64_t)r;
          if (get_i(c.v, oc) != want) worst = INFINITY;
        } else {
          double s = 0, mag = 0;
          for (int64_t p = 0; p < K; p++) {
            double x = get_d(a.v, offset_of(a.v, e, i, p)) * get_d(b.v, offset_of(b.v, e, p, j));
            s += x, mag += fabs(x);
          }
          double want = alpha * s, bound = 8 * u * (K + 2) * fabs(alpha) * mag;
          if (beta != 0) {
            double old = get_d(v0, oc);
            want += beta * old, bound += 4 * u * fabs(beta * old);
          }
          bound += out_round * fabs(want) + 1e-300;
          double got = get_d(c.v, oc), excess = fabs(got - want) / bound;
          if (!(excess <= 1)) excess = excess > 1 ? excess : INFINITY;  // NaN counts as a failure
          if (excess > worst) worst = excess;
        }
      }
  // Elements of out's storage outside the view must be untouched.
  const int es = nt_dtype_size(dtype);
  const int64_t nelem = (int64_t)(c.store.size() * 8 / es);
  std::vector<char> mine((size_t)nelem, 0);
  for (int64_t e = 0; e < count; e++)
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) mine[(size_t)offset_of(c.v, e, i, j)] = 1;
  bool outside_ok = true;
  for (int64_t x = 0; x < nelem && outside_ok; x++)
    if (!mine[(size_t)x])
      outside_ok = memcmp((char*)c.store.data() + x * es, (char*)c0.store.data() + x * es, es) == 0;
  if (!(worst <= 1) || !outside_ok) {
    char buf[64];
    snprintf(buf, sizeof buf, ": error %.3g x tolerance%s", worst, outside_ok ? "" : ", wrote outside");
    return report(false, std::string(what) + buf);
  }
  report(true, what);
}

static void expect_error(const tensor& a, const tensor& b, tensor& c, const char* part1,
                         const char* part2, const char* what) {
  nt_error err;
  int rc = call(a, b, c, 1, 0, &err);
  bool ok = rc != 0 && strstr(err.msg, part1) && (!part2 || strstr(err.msg, part2));
  report(ok, std::string("error case ") + what + " -> rc " + std::to_string(rc) + " '" + err.msg + "'");
}

static void run_suite() {
  const int float_dtypes[] = {NT_F32, NT_F64};
  const int64_t shapes[][3] = {{1, 1, 1},   {3, 17, 5},   {17, 65, 3},  {65, 129, 17},
                               {1, 300, 65}, {129, 3, 1}, {64, 64, 64}, {7, 1, 33},
                               {300, 17, 129}, {2, 257, 1}};
  // Every pair of operand layouts x three out layouts, float32 and float64.
  for (int dt : float_dtypes)
    for (auto& s : shapes)
      for (int la = 0; la < NLAYOUTS; la++)
        for (int lb = 0; lb < NLAYOUTS; lb++) {
          const int lc = (la + lb) % 3 == 0 ? CONTIG : (la + lb) % 3 == 1 ? TRANSPOSED : STEPPED;
          const double ab[][2] = {{1, 0}, {0.5, -1.5}};
          const int pick = (la * 5 + lb) % 2;
          check_case(dt, s[0], s[1], s[2], {}, la, lb, lc, 0, 0, ab[pick][0], ab[pick][1]);
        }
  // Bigger matrices (several cache blocks, odd edges), a few layouts.
  const int64_t big[][3] = {{300, 300, 300}, {129, 517, 65}, {513, 129, 300}};
  const int nbig = NT_TEST_SANITIZED ? 1 : 3;
  for (int dt : float_dtypes)
    for (int i = 0; i < nbig; i++) {
      check_case(dt, big[i][0], big[i][1], big[i][2], {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
      check_case(dt, big[i][0], big[i][1], big[i][2], {}, TRANSPOSED, PADDED, CONTIG, 0, 0, 2, 1);
      check_case(dt, big[i][0], big[i][1], big[i][2], {}, PADDED, TRANSPOSED, TRANSPOSED, 0, 0, 1, 0);
    }
  // Big operands CBLAS cannot take as they are (scattered a, stepped out with beta != 0: copied),
  // a wide one (n > m), and a batch of two with a column-major out.
  for (int dt : float_dtypes) {
    check_case(dt, 300, 300, 300, {}, SCATTERED, CONTIG, STEPPED, 0, 0, 1, 1);
    check_case(dt, 65, 300, 700, {}, CONTIG, TRANSPOSED, CONTIG, 0, 0, 0.5, 0);
    check_case(dt, 200, 100, 150, {2}, TRANSPOSED, CONTIG, TRANSPOSED, 0, 1, 1, -1);
  }
  // One matrix of >= 2^28 multiply-adds: with a BLAS loaded it runs on the library's own threads
  // (raised around the call, then set back to one), the only path the cases above do not reach;
  // then a pooled call right after, which must not be disturbed by the thread count change.
  if (!NT_TEST_SANITIZED) {
    check_case(NT_F32, 700, 600, 700, {}, CONTIG, TRANSPOSED, CONTIG, 0, 0, 1, 0);
    check_case(NT_F64, 700, 600, 700, {}, SCATTERED, CONTIG, STEPPED, 0, 0, 1, 1);
    check_case(NT_F32, 300, 300, 300, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
  }
  // alpha/beta matrix.
  const double abs_[][2] = {{1, 0}, {2.5, 0}, {1, 1}, {0.5, -1.5}, {-1, 2}};
  for (int dt : float_dtypes)
    for (auto& ab : abs_) {
      check_case(dt, 17, 65, 33, {}, CONTIG, CONTIG, CONTIG, 0, 0, ab[0], ab[1]);
      check_case(dt, 33, 20, 17, {}, TRANSPOSED, STEPPED, PADDED, 0, 0, ab[0], ab[1]);
    }
  // Batches, with stride-0 broadcast of a or b, and a strided out.
  for (int dt : float_dtypes) {
    check_case(dt, 5, 7, 9, {3}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 5, 7, 9, {4}, CONTIG, TRANSPOSED, CONTIG, 0, 1, 1, 0);
    check_case(dt, 17, 33, 3, {2, 3}, TRANSPOSED, CONTIG, STEPPED, 2, 1, 1, 1);
    check_case(dt, 64, 64, 64, {16}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 64, 64, 64, {16}, TRANSPOSED, CONTIG, CONTIG, 1, 0, 2, 0.5);
    check_case(dt, 40, 100, 130, {3}, SCATTERED, PADDED, TRANSPOSED, 1, 0, 1, 0);
    check_case(dt, 3, 5, 4, {1, 1}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    // Matrix-vector shapes (M or N == 1), batched and big enough to be threaded.
    check_case(dt, 1, 1000, 700, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 1, 1000, 700, {}, STEPPED, TRANSPOSED, STEPPED, 0, 0, 2, 1);
    check_case(dt, 700, 1000, 1, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 700, 1000, 1, {}, TRANSPOSED, STEPPED, PADDED, 0, 0, 0.5, -1);
    check_case(dt, 1, 65, 129, {3, 2}, CONTIG, TRANSPOSED, CONTIG, 2, 1, 1, 0);
    check_case(dt, 129, 65, 1, {5}, PADDED, STEPPED, CONTIG, 1, 0, 1, 1);
    check_case(dt, 1, 700, 1, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    // An expanded row (row stride 0) as a or b.
    check_case(dt, 33, 17, 65, {}, ROWBCAST, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 33, 17, 65, {2}, CONTIG, ROWBCAST, STEPPED, 1, 0, 1, 1);
    check_case(dt, 1, 17, 65, {}, ROWBCAST, ROWBCAST, CONTIG, 0, 0, 1, 0);
  }
  // 16-bit floats and integers: fewer layouts, same reference.
  const int other[] = {NT_F16, NT_BF16, NT_I32, NT_I64, NT_U8};
  for (int dt : other) {
    const bool isf = nt_dtype_is_float(dt);
    const double ab1 = isf ? 0.5 : 3, ab2 = isf ? -1.5 : -2;
    for (auto& s : shapes) {
      check_case(dt, s[0], s[1], s[2], {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
      check_case(dt, s[0], s[1], s[2], {}, TRANSPOSED, STEPPED, PADDED, 0, 0, ab1, ab2);
      check_case(dt, s[0], s[1], s[2], {}, SCATTERED, TRANSPOSED, TRANSPOSED, 0, 0, 1, 1);
    }
    check_case(dt, 9, 13, 11, {2, 3}, PADDED, CONTIG, STEPPED, 1, 2, ab1, ab2);
    check_case(dt, 300, 129, 65, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    if (!isf) check_case(dt, 17, 65, 9, {}, CONTIG, TRANSPOSED, CONTIG, 0, 0, ab1, ab2, true);
  }
  // K == 0 (out = beta * out; zeros when beta == 0) and empty M / N / batch, every dtype.
  const int all[] = {NT_F32, NT_F64, NT_F16, NT_BF16, NT_I32, NT_I64, NT_U8};
  for (int dt : all) {
    check_case(dt, 4, 0, 5, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 4, 0, 5, {2}, CONTIG, CONTIG, STEPPED, 0, 0, 1, 2);
    check_case(dt, 0, 3, 5, {}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
    check_case(dt, 4, 3, 0, {}, CONTIG, TRANSPOSED, CONTIG, 0, 0, 1, 0);
    check_case(dt, 4, 3, 5, {0}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
  }
  // Errors: mixed dtypes, bad shapes, bool, too few dims.
  {
    tensor a = make(NT_F32, {2, 3}, CONTIG, 0), b = make(NT_F64, {3, 4}, CONTIG, 0);
    tensor c = make(NT_F32, {2, 4}, CONTIG, 0);
    expect_error(a, b, c, "float32", "float64", "mixed float32/float64");
    tensor bi = make(NT_I32, {3, 4}, CONTIG, 0), ci = make(NT_I32, {2, 4}, CONTIG, 0);
    expect_error(a, bi, ci, "float32", "int32", "mixed float32/int32");
    tensor b2 = make(NT_F32, {5, 4}, CONTIG, 0);
    expect_error(a, b2, c, "[2, 3]", "[5, 4]", "inner dims differ");
    tensor c2 = make(NT_F32, {2, 5}, CONTIG, 0), b3 = make(NT_F32, {3, 4}, CONTIG, 0);
    expect_error(a, b3, c2, "shapes do not match", nullptr, "out shape");
    tensor a3 = make(NT_F32, {2, 2, 3}, CONTIG, 0);
    expect_error(a3, b3, c, "shapes do not match", nullptr, "ndim differs");
    tensor ab = make(NT_BOOL, {2, 3}, CONTIG, 0), bb = make(NT_BOOL, {3, 4}, CONTIG, 0);
    tensor cb = make(NT_BOOL, {2, 4}, CONTIG, 0);
    expect_error(ab, bb, cb, "bool", nullptr, "bool");
    tensor a1 = make(NT_F32, {2, 3}, CONTIG, 0);
    a1.v.ndim = 1, a1.v.shape[0] = 3, a1.v.strides[0] = 1;
    expect_error(a1, b3, c, "shapes do not match", nullptr, "1-D a");
    tensor ai = make(NT_I32, {2, 3}, CONTIG, 0);
    nt_error err;
    int rc = call(ai, bi, ci, 0.5, 0, &err);
    report(rc != 0 && strstr(err.msg, "whole"), std::string("error case int alpha 0.5: ") + err.msg);
  }
}

// ---- timing ----

// GFLOP/s of the built-in GEMM (called directly) and of the kernel (BLAS when loaded), measured
// alternately so that load from other processes hits both alike; best of 5 rounds each.
template <typename T>
static void time_row(int64_t m, int64_t k, int64_t n, int64_t batch, double* builtin,
                     double* kernel) {
  const int dt = sizeof(T) == 4 ? NT_F32 : NT_F64;
  std::vector<int64_t> bs;
  if (batch > 1) bs.push_back(batch);
  auto shp = [&](int64_t r, int64_t c) {
    std::vector<int64_t> s = bs;
    s.push_back(r), s.push_back(c);
    return s;
  };
  tensor a = make(dt, shp(m, k), CONTIG, 0), b = make(dt, shp(k, n), CONTIG, 0);
  tensor c = make(dt, shp(m, n), CONTIG, 0);
  nt_cpu::gemm_args<T> g;
  g.m = m, g.n = n, g.k = k, g.a = (const T*)a.v.data, g.rsa = k, g.csa = 1;
  g.b = (const T*)b.v.data, g.rsb = n, g.csb = 1, g.c = (T*)c.v.data, g.rsc = n, g.csc = 1;
  if (batch > 1) {
    g.batch.nd = 1, g.batch.count = batch, g.batch.shape[0] = batch;
    g.batch.sa[0] = m * k, g.batch.sb[0] = k * n, g.batch.sc[0] = m * n;
  }
  const double flops = 2.0 * m * n * k * batch;
  const int reps = (int)std::max(1.0, std::min(5000.0, 1e9 / flops));
  nt_error err;
  auto measure = [&](bool direct) {
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; r++) {
      if (direct) nt_cpu::gemm(g);
      else call(a, b, c, 1, 0, &err);
    }
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return flops * reps / sec / 1e9;
  };
  measure(true);  // warm up (packing buffers, BLAS threads)
  if (kernel) measure(false), *kernel = 0;
  *builtin = 0;
  for (int round = 0; round < 5; round++) {
    *builtin = std::max(*builtin, measure(true));
    if (kernel) *kernel = std::max(*kernel, measure(false));
  }
}

static void timing_table() {
  const bool have_blas = nt_cpu::blas() != nullptr;
  printf("\nGFLOP/s, %d threads, best of 5: built-in GEMM (%s)%s\n", nt::num_threads(),
         nt_cpu::gemm_simd_name(), have_blas ? " and the kernel with BLAS" : "");
  printf("%-28s %10s %10s\n", "case", "built-in", have_blas ? "BLAS" : "");
  struct row { const char* name; int64_t m, k, n, batch; bool f64; };
  const row rows[] = {{"f32 16x16x16", 16, 16, 16, 1, false},
                      {"f32 64x64x64", 64, 64, 64, 1, false},
                      {"f32 128^3", 128, 128, 128, 1, false},
                      {"f32 128x784 @ 784x256", 128, 784, 256, 1, false},
                      {"f32 bmm 64 x 64^3", 64, 64, 64, 64, false},
                      {"f32 512^3", 512, 512, 512, 1, false},
                      {"f32 1024^3", 1024, 1024, 1024, 1, false},
                      {"f32 2048^3", 2048, 2048, 2048, 1, false},
                      {"f64 1024^3", 1024, 1024, 1024, 1, true}};
  for (const row& r : rows) {
    if (NT_TEST_SANITIZED && r.m * r.k * r.n > 256 * 256 * 256) continue;
    double x = 0, y = 0;
    if (r.f64) time_row<double>(r.m, r.k, r.n, r.batch, &x, have_blas ? &y : nullptr);
    else time_row<float>(r.m, r.k, r.n, r.batch, &x, have_blas ? &y : nullptr);
    if (have_blas) printf("%-28s %10.1f %10.1f\n", r.name, x, y);
    else printf("%-28s %10.1f\n", r.name, x);
  }
}

int main(int argc, char** argv) {
  const bool child = argc > 1 && strcmp(argv[1], "--child") == 0;
  nt_kernel_fn slots[NT_OP_COUNT] = {};
  nt_cpu_register_matmul(slots);
  g_matmul = slots[NT_OP_matmul];
  printf("blas: %s\n", nt_cpu_blas_info_json());
  report(g_matmul != nullptr, "matmul slot registered");
  const bool have_blas = nt_cpu::blas() != nullptr;
  g_mode = have_blas ? "[blas] " : "[builtin] ";
  run_suite();
  if (!have_blas || child) {  // the portable micro-kernels too
    nt_cpu::gemm_force_portable(true);
    g_mode = "[portable] ";
    run_suite();
    nt_cpu::gemm_force_portable(false);
  }
  g_mode = "";
  // Thread counts other than the default.
  const int nth = nt::num_threads();
  nt::set_num_threads(1);
  check_case(NT_F32, 129, 65, 300, {}, TRANSPOSED, CONTIG, CONTIG, 0, 0, 1, 0);
  nt::set_num_threads(3);
  check_case(NT_F32, 129, 65, 300, {}, CONTIG, CONTIG, STEPPED, 0, 0, 1, 0);
  check_case(NT_F64, 17, 65, 9, {5}, CONTIG, CONTIG, CONTIG, 0, 0, 1, 0);
  nt::set_num_threads(nth);
#if defined(__linux__)
  if (have_blas && !child && !getenv("NODETENSOR_BLAS")) {
    // The same suite on the built-in GEMM, in a child (the BLAS choice is made once per process).
    fflush(stdout);
    std::string cmd = "NODETENSOR_BLAS=builtin /proc/" + std::to_string(getpid()) + "/exe --child";
    FILE* p = popen(cmd.c_str(), "r");
    char line[1024];
    int cp = 0, cf = 0;
    while (p && fgets(line, sizeof line, p)) {
      if (sscanf(line, "%d passed, %d failed", &cp, &cf) == 2) continue;
      printf("  child: %s", line);
    }
    int st = p ? pclose(p) : -1;
    g_pass += cp, g_fail += cf;
    report(st == 0 || cf > 0, "built-in child ran (" + cmd + ")");
  }
#endif
  if (!child) timing_table();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
