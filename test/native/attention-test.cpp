// attention-test.cpp — standalone check of the CPU fused attention kernels (forward: out and lse;
// backward: dq, dk, dv) against a float64 naive reference: every float dtype, causal or not, L != S,
// Ev != E, L or S = 1, partial tiles, transposed / padded-row / head-broadcast (stride 0) inputs,
// 1 and 2 threads (the backward's one-pass and two-pass schedules), AVX2 and portable paths.
// Then a small timing line. Not here: lib's rules (test/conformance/attention.test.ts).
// Ends with `N passed, N failed`.
// Build: g++ -std=c++17 -O2 -Icsrc csrc/core/parallel.cpp csrc/backends/cpu/util.cpp
//   csrc/backends/cpu/attention.cpp test/native/attention-test.cpp -lpthread
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <chrono>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/simd.h"

static int g_pass = 0, g_fail = 0;
static nt_kernel_fn g_fwd = nullptr, g_bwd = nullptr;
static uint64_t g_rng = 0x2545f4914f6cdd1dull;

static double uniform() {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (double)(g_rng >> 11) / 9007199254740992.0 * 2 - 1;
}

static void report(bool ok, const std::string& what) {
  if (ok) g_pass++;
  else if (++g_fail <= 40) printf("FAIL %s\n", what.c_str());
}

// A [B, H, R, C] tensor: storage of doubles converted to the dtype, plus its view.
enum layout { CONTIG, BLHE, PADDED, HBCAST };  // BLHE: a transpose of [B, R, H, C]
struct tensor {
  std::vector<uint64_t> store;
  nt_view v;
  std::vector<double> val;  // logical values, [B, H, R, C] row-major (as stored, rounded)
};

static void put(int dt, void* base, int64_t i, double x) {
  switch (dt) {
    case NT_F32: ((float*)base)[i] = (float)x; break;
    case NT_F64: ((double*)base)[i] = x; break;
    case NT_F16: ((uint16_t*)base)[i] = nt_float_to_half((float)x); break;
    case NT_BF16: ((uint16_t*)base)[i] = nt_float_to_bf16((float)x); break;
  }
}
static double get(int dt, const void* base, int64_t i) {
  switch (dt) {
    case NT_F32: return ((const float*)base)[i];
    case NT_F64: return ((const double*)base)[i];
    case NT_F16: return nt_half_to_float(((const uint16_t*)base)[i]);
    case NT_BF16: return nt_bf16_to_float(((const uint16_t*)base)[i]);
  }
  return NAN;
}

static tensor make(int dt, int64_t B, int64_t H, int64_t R, int64_t C, layout lay, bool fill = true) {
  tensor t;
  nt_view& v = t.v;
  memset(&v, 0, sizeof v);
  v.dtype = dt, v.ndim = 4;
  v.shape[0] = B, v.shape[1] = H, v.shape[2] = R, v.shape[3] = C;
  int64_t n;
  switch (lay) {
    case BLHE: v.strides[3] = 1, v.strides[1] = C, v.strides[2] = H * C, v.strides[0] = R * H * C; n = B * R * H * C; break;
    case PADDED: v.strides[3] = 1, v.strides[2] = C + 3, v.strides[1] = R * (C + 3) + 5, v.strides[0] = H * v.strides[1]; n = B * v.strides[0]; break;
    case HBCAST: v.strides[3] = 1, v.strides[2] = C, v.strides[1] = 0, v.strides[0] = R * C; n = B * R * C; break;
    default: v.strides[3] = 1, v.strides[2] = C, v.strides[1] = R * C, v.strides[0] = H * R * C; n = B * H * R * C; break;
  }
  v.offset = lay == PADDED ? 2 : 0;
  t.store.assign((size_t)(n + v.offset + 8), 0);
  v.data = t.store.data();
  t.val.resize((size_t)(B * H * R * C));
  if (fill) for (int64_t i = 0; i < n + v.offset; i++) put(dt, v.data, i, uniform() * 1.5);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t r = 0; r < R; r++)
        for (int64_t c = 0; c < C; c++)
          t.val[(size_t)(((b * H + h) * R + r) * C + c)] =
              get(dt, v.data, v.offset + b * v.strides[0] + h * v.strides[1] + r * v.strides[2] + c);
  return t;
}
static void refresh(tensor& t) {  // re-read val after a kernel wrote the storage
  const nt_view& v = t.v;
  for (int64_t b = 0; b < v.shape[0]; b++)
    for (int64_t h = 0; h < v.shape[1]; h++)
      for (int64_t r = 0; r < v.shape[2]; r++)
        for (int64_t c = 0; c < v.shape[3]; c++)
          t.val[(size_t)(((b * v.shape[1] + h) * v.shape[2] + r) * v.shape[3] + c)] =
              get(v.dtype, v.data, v.offset + b * v.strides[0] + h * v.strides[1] + r * v.strides[2] + c);
}

struct problem { int64_t B, H, L, S, E, Ev; bool causal; };

// The float64 reference: out, lse, and for a given dout: dq, dk, dv.
struct reference { std::vector<double> out, lse, dq, dk, dv; };
static reference ref(const problem& p, double scale, const tensor& q, const tensor& k, const tensor& v, const tensor* dout) {
  reference r;
  const int64_t B = p.B, H = p.H, L = p.L, S = p.S, E = p.E, Ev = p.Ev;
  r.out.assign((size_t)(B * H * L * Ev), 0), r.lse.assign((size_t)(B * H * L), 0);
  r.dq.assign((size_t)(B * H * L * E), 0), r.dk.assign((size_t)(B * H * S * E), 0), r.dv.assign((size_t)(B * H * S * Ev), 0);
  std::vector<double> P((size_t)S), dP((size_t)S);
  for (int64_t bh = 0; bh < B * H; bh++) {
    const double *Q = &q.val[(size_t)(bh * L * E)], *K = &k.val[(size_t)(bh * S * E)], *V = &v.val[(size_t)(bh * S * Ev)];
    for (int64_t i = 0; i < L; i++) {
      double mx = -INFINITY;
      for (int64_t j = 0; j < S; j++) {
        double s = 0;
        for (int64_t e = 0; e < E; e++) s += Q[i * E + e] * K[j * E + e];
        P[(size_t)j] = (p.causal && j > i) ? -INFINITY : s * scale;
        mx = std::max(mx, P[(size_t)j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < S; j++) sum += (P[(size_t)j] = exp(P[(size_t)j] - mx));
      for (int64_t j = 0; j < S; j++) P[(size_t)j] /= sum;
      r.lse[(size_t)(bh * L + i)] = mx + log(sum);
      double* O = &r.out[(size_t)((bh * L + i) * Ev)];
      for (int64_t j = 0; j < S; j++)
        for (int64_t c = 0; c < Ev; c++) O[c] += P[(size_t)j] * V[j * Ev + c];
      if (!dout) continue;
      const double* G = &dout->val[(size_t)((bh * L + i) * Ev)];
      double D = 0;
      for (int64_t c = 0; c < Ev; c++) D += G[c] * O[c];
      for (int64_t j = 0; j < S; j++) {
        double s = 0;
        for (int64_t c = 0; c < Ev; c++) s += G[c] * V[j * Ev + c];
        const double ds = P[(size_t)j] * (s - D) * scale;
        for (int64_t e = 0; e < E; e++) {
          r.dq[(size_t)((bh * L + i) * E + e)] += ds * K[j * E + e];
          r.dk[(size_t)((bh * S + j) * E + e)] += ds * Q[i * E + e];
        }
        for (int64_t c = 0; c < Ev; c++) r.dv[(size_t)((bh * S + j) * Ev + c)] += P[(size_t)j] * G[c];
      }
    }
  }
  return r;
}

// |got - want| <= tol * (1 + max|want|) everywhere.
static bool close(const std::vector<double>& got, const std::vector<double>& want, double tol, std::string* why) {
  double mx = 0;
  for (double w : want) mx = std::max(mx, fabs(w));
  for (size_t i = 0; i < want.size(); i++) {
    if (!(fabs(got[i] - want[i]) <= tol * (1 + mx))) {
      char b[160];
      snprintf(b, sizeof b, " at %zu: got %.9g, want %.9g (tol %.2g)", i, got[i], want[i], tol * (1 + mx));
      *why = b;
      return false;
    }
  }
  return true;
}

static void run_case(int dt, const problem& p, layout lq, layout lkv, const char* mode) {
  const double scale = 1 / sqrt((double)std::max<int64_t>(p.E, 1)) * 1.3;
  tensor q = make(dt, p.B, p.H, p.L, p.E, lq), k = make(dt, p.B, p.H, p.S, p.E, lkv), v = make(dt, p.B, p.H, p.S, p.Ev, lkv);
  tensor o = make(dt, p.B, p.H, p.L, p.Ev, CONTIG, false), g = make(dt, p.B, p.H, p.L, p.Ev, lq);
  tensor lse = make(dt == NT_F64 ? NT_F64 : NT_F32, p.B, p.H, p.L, 1, CONTIG, false);
  lse.v.ndim = 3;
  nt_args a;
  memset(&a, 0, sizeof a);
  a.f[0] = scale, a.i[0] = p.causal;
  a.nviews = 5;
  a.v[0] = q.v, a.v[1] = k.v, a.v[2] = v.v, a.v[3] = o.v, a.v[4] = lse.v;
  nt_error err;
  err.msg[0] = 0;
  char name[200];
  snprintf(name, sizeof name, "%s %s B%lld H%lld L%lld S%lld E%lld Ev%lld%s q:%d kv:%d thr%d", mode, nt_dtype_name(dt),
           (long long)p.B, (long long)p.H, (long long)p.L, (long long)p.S, (long long)p.E, (long long)p.Ev,
           p.causal ? " causal" : "", (int)lq, (int)lkv, nt::num_threads());
  if (g_fwd(&a, &err)) { report(false, std::string(name) + ": forward failed: " + err.msg); return; }
  refresh(o);
  std::vector<double> lsev((size_t)(p.B * p.H * p.L));
  for (size_t i = 0; i < lsev.size(); i++) lsev[i] = get(lse.v.dtype, lse.v.data, (int64_t)i);
  reference r = ref(p, scale, q, k, v, &g);
  const double tol = dt == NT_F64 ? 1e-12 : dt == NT_F32 ? 2e-6 : dt == NT_F16 ? 4e-3 : 3e-2;
  std::string why;
  report(close(o.val, r.out, tol, &why), std::string(name) + ": out" + why);
  report(close(lsev, r.lse, dt == NT_F64 ? 1e-12 : 2e-6, &why), std::string(name) + ": lse" + why);

  tensor dq = make(dt, p.B, p.H, p.L, p.E, CONTIG, false), dk = make(dt, p.B, p.H, p.S, p.E, CONTIG, false);
  tensor dv = make(dt, p.B, p.H, p.S, p.Ev, CONTIG, false);
  for (tensor* t : {&dq, &dk, &dv}) for (auto& w : t->store) w = ~0ull;  // NaN garbage: every element must be written
  a.nviews = 9;
  a.v[3] = o.v, a.v[4] = g.v, a.v[5] = lse.v, a.v[6] = dq.v, a.v[7] = dk.v, a.v[8] = dv.v;
  if (g_bwd(&a, &err)) { report(false, std::string(name) + ": backward failed: " + err.msg); return; }
  refresh(dq), refresh(dk), refresh(dv);
  const double gtol = dt == NT_F64 ? 1e-11 : dt == NT_F32 ? 1e-5 : dt == NT_F16 ? 1e-2 : 6e-2;
  report(close(dq.val, r.dq, gtol, &why), std::string(name) + ": dq" + why);
  report(close(dk.val, r.dk, gtol, &why), std::string(name) + ": dk" + why);
  report(close(dv.val, r.dv, gtol, &why), std::string(name) + ": dv" + why);
}

static void suite(const char* mode) {
  const problem shapes[] = {
      {2, 3, 5, 7, 8, 8, false}, {2, 3, 5, 7, 8, 8, true}, {1, 2, 130, 70, 33, 17, false},
      {1, 2, 130, 70, 33, 17, true}, {1, 2, 70, 130, 16, 24, true}, {1, 1, 1, 1, 4, 3, false},
      {2, 2, 1, 9, 5, 6, true}, {1, 3, 9, 1, 5, 6, true}, {1, 1, 200, 150, 64, 64, true},
      {1, 1, 64, 64, 1, 1, false}, {3, 1, 65, 129, 20, 40, false},
  };
  for (int dt : {NT_F32, NT_F64, NT_F16, NT_BF16})
    for (const problem& p : shapes)
      for (int l = 0; l < 3; l++) {
        const layout lq = l == 0 ? CONTIG : l == 1 ? BLHE : PADDED;
        const layout lkv = l == 0 ? BLHE : l == 1 ? PADDED : HBCAST;
        if ((dt == NT_F16 || dt == NT_BF16) && p.L * p.S > 5000 && l) continue;  // keep it quick
        run_case(dt, p, lq, lkv, mode);
      }
}

static void bad_layout() {
  tensor q = make(NT_F32, 1, 1, 4, 8, CONTIG), k = make(NT_F32, 1, 1, 5, 8, CONTIG), v = make(NT_F32, 1, 1, 5, 8, CONTIG);
  tensor o = make(NT_F32, 1, 1, 4, 8, CONTIG, false), lse = make(NT_F64, 1, 1, 4, 1, CONTIG, false);
  lse.v.ndim = 3;
  nt_args a;
  memset(&a, 0, sizeof a);
  a.nviews = 5;
  a.v[0] = q.v, a.v[1] = k.v, a.v[2] = v.v, a.v[3] = o.v, a.v[4] = lse.v;
  nt_error err;
  err.msg[0] = 0;
  report(g_fwd(&a, &err) != 0 && strstr(err.msg, "dtype float64, expected float32"), std::string("float64 lse for float32 is refused: ") + err.msg);
  a.v[4].dtype = NT_F32;
  a.v[1].strides[3] = 2;
  report(g_fwd(&a, &err) != 0 && strstr(err.msg, "last-dim stride 2"), std::string("last-dim stride 2 is refused: ") + err.msg);
  a.v[1].strides[3] = 1;
  a.v[2].shape[2] = 6;
  report(g_fwd(&a, &err) != 0 && strstr(err.msg, "view 2 has size 6 at dim 2, expected 5"), std::string("v/k length mismatch is refused: ") + err.msg);
}

static void timing() {
  for (bool causal : {false, true}) {
    problem p = {4, 12, 1024, 1024, 64, 64, causal};
    tensor q = make(NT_F32, p.B, p.H, p.L, p.E, CONTIG), k = make(NT_F32, p.B, p.H, p.S, p.E, CONTIG), v = make(NT_F32, p.B, p.H, p.S, p.Ev, CONTIG);
    tensor o = make(NT_F32, p.B, p.H, p.L, p.Ev, CONTIG, false), lse = make(NT_F32, p.B, p.H, p.L, 1, CONTIG, false);
    tensor dq = make(NT_F32, p.B, p.H, p.L, p.E, CONTIG, false), dk = make(NT_F32, p.B, p.H, p.S, p.E, CONTIG, false), dv = make(NT_F32, p.B, p.H, p.S, p.Ev, CONTIG, false);
    lse.v.ndim = 3;
    nt_args a;
    memset(&a, 0, sizeof a);
    a.f[0] = 0.125, a.i[0] = causal, a.nviews = 5;
    a.v[0] = q.v, a.v[1] = k.v, a.v[2] = v.v, a.v[3] = o.v, a.v[4] = lse.v;
    nt_error err;
    auto t0 = std::chrono::steady_clock::now();
    g_fwd(&a, &err);
    auto t1 = std::chrono::steady_clock::now();
    a.nviews = 9;
    a.v[4] = q.v /* dout: any values */, a.v[5] = lse.v, a.v[6] = dq.v, a.v[7] = dk.v, a.v[8] = dv.v;
    a.v[4].shape[3] = p.Ev;
    g_bwd(&a, &err);
    auto t2 = std::chrono::steady_clock::now();
    const double flops = 4.0 * p.B * p.H * p.L * p.S * p.E * (causal ? 0.5 : 1);
    const double fm = std::chrono::duration<double, std::milli>(t1 - t0).count(), bm = std::chrono::duration<double, std::milli>(t2 - t1).count();
    printf("timing [4,12,1024,64] float32%s, %d threads: forward %.1f ms (%.1f GFLOP/s), backward %.1f ms (%.1f GFLOP/s)\n",
           causal ? " causal" : "", nt::num_threads(), fm, flops / fm / 1e6, bm, 2.5 * flops / bm / 1e6);
  }
}

int main(int argc, char** argv) {
  nt_kernel_fn slots[NT_OP_COUNT] = {};
  nt_cpu_register_attention(slots);
  g_fwd = slots[NT_OP_attention], g_bwd = slots[NT_OP_attention_backward];
  if (!g_fwd || !g_bwd) { printf("FAIL attention kernels not registered\n0 passed, 1 failed\n"); return 1; }
  const int saved = nt::num_threads();
  for (int threads : {1, 2}) {
    nt::set_num_threads(threads);
    suite(nt_cpu_has_avx2() ? "avx2" : "portable");
    if (nt_cpu_has_avx2()) {
      nt_cpu_attention_force_portable(true);
      suite("portable");
      nt_cpu_attention_force_portable(false);
    }
  }
  nt::set_num_threads(saved);
  bad_layout();
  if (!(argc > 1 && !strcmp(argv[1], "--no-bench"))) timing();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
