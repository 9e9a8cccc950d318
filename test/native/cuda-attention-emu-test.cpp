// cuda-attention-emu-test.cpp — the CUDA fused attention kernels themselves
// (csrc/backends/cuda/attention.cu and attention-backward.cu, compiled by g++ against the CPU
// stand-in in cuda-emu/), run through their op slots on small problems of every dtype and kernel
// path, with strided, misaligned and padded views, and checked against direct attention in double:
// out and lse, then dq, dk, dv. Inputs must come back untouched, and nothing may be written outside
// the output views. Each case also runs with threads scheduled last to first. Also: the
// shared-memory opt-in refusal and launch failures. Not here: timing, or the real GPU's memory
// model and tensor-core rounding (see cuda-emu/cuda_runtime.h for what the stand-in can show).
#include <cuda_runtime.h>

#include "backends/cuda/attention.cu"
#include "backends/cuda/attention-backward.cu"

#include <memory>
#include <random>

#include "check.h"

// The kernels' `extern __shared__ ... smem[]` (one buffer: the stand-in runs CTAs one at a time).
namespace ntc {
namespace {
alignas(128) unsigned char smem[256 << 10];
}  // namespace

static dev_ctx g_ctx;
dev_ctx* cur() { return &g_ctx; }
void* scratch_alloc(size_t n, nt_error*) {
  void* p = malloc(n ? n : 1);
  memset(p, 0xff, n);  // NaN: scratch that a kernel forgot to initialise shows in the results
  return p;
}
void scratch_free(void* p) { free(p); }
int cuda_fail(nt_error* err, cudaError_t e, const char* what) { return nt_cu_fail(err, "%s: %s", what, cudaGetErrorName(e)); }
int launch_check(nt_error* err) {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? 0 : cuda_fail(err, e, "kernel launch");
}
}  // namespace ntc

static std::mt19937_64 g_rng(11);

static double rndf() { return std::uniform_real_distribution<double>(-1, 1)(g_rng); }

// ---------------------------------------------------------------- tensors in host memory
// A storage with 8 canary elements after it (possibly shared with other tensors), and a view on it.
struct tensor {
  int dt = NT_F32;
  std::shared_ptr<std::vector<unsigned char>> store;
  nt_view v;
  int64_t elems = 0;
  double fill = 0;  // what an element outside the view holds (1e30 rounded to the dtype)
  std::vector<unsigned char>& buf() const { return *store; }
  double get(int64_t i) const {
    const unsigned char* p = store->data() + i * nt_dtype_size(dt);
    switch (dt) {
      case NT_F32: { float f; memcpy(&f, p, 4); return f; }
      case NT_F64: { double d; memcpy(&d, p, 8); return d; }
      case NT_F16: { uint16_t u; memcpy(&u, p, 2); return nt_half_to_float(u); }
      default: { uint16_t u; memcpy(&u, p, 2); return nt_bf16_to_float(u); }
    }
  }
  void put(int64_t i, double x) {
    unsigned char* p = store->data() + i * nt_dtype_size(dt);
    switch (dt) {
      case NT_F32: { float f = (float)x; memcpy(p, &f, 4); break; }
      case NT_F64: memcpy(p, &x, 8); break;
      case NT_F16: { uint16_t u = nt_float_to_half((float)x); memcpy(p, &u, 2); break; }
      default: { uint16_t u = nt_float_to_bf16((float)x); memcpy(p, &u, 2); break; }
    }
  }
  int64_t at(int64_t b, int64_t h, int64_t r, int64_t c) const {
    return v.offset + b * v.strides[0] + h * v.strides[1] + r * v.strides[2] + (v.ndim == 4 ? c * v.strides[3] : 0);
  }
};

// Layouts of a [B, H, R, C] view: 0 contiguous; 1 heads inside rows ([B, R, H, C] storage, as
// after a transpose(1, 2)); 2 one third of a fused qkv projection ([B, R, 3, H, C] storage, part
// `part`); 3 contiguous at an odd offset (rows not 16-byte aligned); 4 rows padded by 3 elements.
static tensor make(int dt, int64_t B, int64_t H, int64_t R, int64_t C, int layout, int part = 0,
                   std::shared_ptr<std::vector<unsigned char>> shared = nullptr) {
  tensor t;
  t.dt = dt;
  memset(&t.v, 0, sizeof t.v);
  t.v.dtype = dt;
  t.v.ndim = 4;
  t.v.shape[0] = B, t.v.shape[1] = H, t.v.shape[2] = R, t.v.shape[3] = C;
  t.v.strides[3] = 1;
  switch (layout) {
    case 1: t.v.strides[0] = R * H * C, t.v.strides[1] = C, t.v.strides[2] = H * C, t.elems = B * R * H * C; break;
    case 2:
      t.v.strides[0] = R * 3 * H * C, t.v.strides[1] = C, t.v.strides[2] = 3 * H * C, t.v.offset = part * H * C;
      t.elems = B * R * 3 * H * C;
      break;
    case 4: t.v.strides[0] = H * R * (C + 3), t.v.strides[1] = R * (C + 3), t.v.strides[2] = C + 3, t.elems = B * H * R * (C + 3); break;
    default:
      t.v.strides[0] = H * R * C, t.v.strides[1] = R * C, t.v.strides[2] = C;
      t.v.offset = layout == 3 ? 3 : 0;
      t.elems = B * H * R * C + t.v.offset;
  }
  if (shared) {
    t.store = shared;
  } else {
    t.store = std::make_shared<std::vector<unsigned char>>((size_t)((t.elems + 8) * nt_dtype_size(dt)));
    for (int64_t i = 0; i < t.elems + 8; i++) t.put(i, i < t.elems ? 1e30 : -7.0);  // 1e30: "never written here"
  }
  t.put(t.elems, 1e30);  // 1e30 as this dtype stores it (inf in float16), then the canary again
  t.fill = t.get(t.elems);
  t.put(t.elems, -7.0);
  t.v.data = t.store->data();
  return t;
}
// lse [B, H, L]: contiguous, or every other element of a twice-as-long buffer.
static tensor make_lse(int dt, int64_t B, int64_t H, int64_t L, bool strided) {
  tensor t;
  t.dt = dt;
  memset(&t.v, 0, sizeof t.v);
  t.v.dtype = dt;
  t.v.ndim = 3;
  t.v.shape[0] = B, t.v.shape[1] = H, t.v.shape[2] = L;
  const int64_t s = strided ? 2 : 1;
  t.v.strides[0] = H * L * s, t.v.strides[1] = L * s, t.v.strides[2] = s;
  t.elems = B * H * L * s;
  t.store = std::make_shared<std::vector<unsigned char>>((size_t)((t.elems + 8) * nt_dtype_size(dt)));
  for (int64_t i = 0; i < t.elems + 8; i++) t.put(i, i < t.elems ? 1e30 : -7.0);
  t.fill = t.get(0);
  t.v.data = t.store->data();
  return t;
}
static void fill_random(tensor& t, double amp) {
  for (int64_t b = 0; b < t.v.shape[0]; b++)
    for (int64_t h = 0; h < t.v.shape[1]; h++)
      for (int64_t r = 0; r < t.v.shape[2]; r++)
        for (int64_t c = 0; c < t.v.shape[3]; c++) t.put(t.at(b, h, r, c), amp * rndf());
}
// Elements outside the view (and the canary) unchanged?
static bool outside_untouched(const tensor& t) {
  std::vector<char> in((size_t)t.elems, 0);
  for (int64_t b = 0; b < t.v.shape[0]; b++)
    for (int64_t h = 0; h < t.v.shape[1]; h++)
      for (int64_t r = 0; r < t.v.shape[2]; r++)
        for (int64_t c = 0; c < (t.v.ndim == 4 ? t.v.shape[3] : 1); c++) in[(size_t)t.at(b, h, r, c)] = 1;
  for (int64_t i = 0; i < t.elems + 8; i++)
    if (i >= t.elems ? t.get(i) != -7.0 : (!in[(size_t)i] && t.get(i) != t.fill)) return false;
  return true;
}

// ---------------------------------------------------------------- reference (double)
struct ref_out {
  std::vector<double> out, lse, dq, dk, dv;  // contiguous [B, H, rows, cols]
};
static ref_out reference(const tensor& q, const tensor& k, const tensor& v, const tensor& dout, double scale, bool causal) {
  const int64_t B = q.v.shape[0], H = q.v.shape[1], L = q.v.shape[2], E = q.v.shape[3], S = k.v.shape[2], Ev = v.v.shape[3];
  ref_out r;
  r.out.assign((size_t)(B * H * L * Ev), 0), r.lse.assign((size_t)(B * H * L), 0);
  r.dq.assign((size_t)(B * H * L * E), 0), r.dk.assign((size_t)(B * H * S * E), 0), r.dv.assign((size_t)(B * H * S * Ev), 0);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++) {
      const int64_t bh = b * H + h;
      for (int64_t i = 0; i < L; i++) {
        std::vector<double> s((size_t)S, -INFINITY), p((size_t)S, 0), dp((size_t)S, 0);
        double mx = -INFINITY;
        for (int64_t j = 0; j < S; j++) {
          if (causal && j > i) continue;
          double d = 0;
          for (int64_t e = 0; e < E; e++) d += q.get(q.at(b, h, i, e)) * k.get(k.at(b, h, j, e));
          s[(size_t)j] = scale * d;
          mx = std::max(mx, s[(size_t)j]);
        }
        double l = 0;
        for (int64_t j = 0; j < S; j++) l += exp(s[(size_t)j] - mx);
        const double lse = mx + log(l);
        r.lse[(size_t)(bh * L + i)] = lse;
        double D = 0;
        for (int64_t j = 0; j < S; j++) {
          p[(size_t)j] = exp(s[(size_t)j] - lse);
          for (int64_t c = 0; c < Ev; c++) {
            r.out[(size_t)((bh * L + i) * Ev + c)] += p[(size_t)j] * v.get(v.at(b, h, j, c));
            dp[(size_t)j] += dout.get(dout.at(b, h, i, c)) * v.get(v.at(b, h, j, c));
          }
          D += p[(size_t)j] * dp[(size_t)j];
        }
        for (int64_t j = 0; j < S; j++) {
          const double ds = p[(size_t)j] * (dp[(size_t)j] - D);
          for (int64_t c = 0; c < Ev; c++) r.dv[(size_t)((bh * S + j) * Ev + c)] += p[(size_t)j] * dout.get(dout.at(b, h, i, c));
          for (int64_t e = 0; e < E; e++) {
            r.dq[(size_t)((bh * L + i) * E + e)] += scale * ds * k.get(k.at(b, h, j, e));
            r.dk[(size_t)((bh * S + j) * E + e)] += scale * ds * q.get(q.at(b, h, i, e));
          }
        }
      }
    }
  return r;
}

// max |got - want| over the view, relative to max |want| (or absolute below 1)
static double rel_err(const tensor& t, const std::vector<double>& want) {
  const int64_t R = t.v.shape[2], C = t.v.ndim == 4 ? t.v.shape[3] : 1;
  double m = 0, big = 1;
  for (double w : want) big = std::max(big, fabs(w));
  for (int64_t b = 0; b < t.v.shape[0]; b++)
    for (int64_t h = 0; h < t.v.shape[1]; h++)
      for (int64_t r = 0; r < R; r++)
        for (int64_t c = 0; c < C; c++) {
          const double g = t.get(t.at(b, h, r, c)), w = want[(size_t)(((b * t.v.shape[1] + h) * R + r) * C + c)];
          const double d = fabs(g - w);
          m = std::max(m, d == d ? d : INFINITY);
        }
  return m / big;
}

static nt_kernel_fn g_slots[NT_OP_COUNT];

struct spec {
  const char* what;
  int dt;
  int64_t B, H, L, S, E, Ev;
  bool causal;
  int lq, lk, lv, lo;  // layouts of q (and dout), k, v, out
  bool lse_strided;
};

static double tol_of(int dt) { return dt == NT_F64 ? 1e-9 : dt == NT_F32 ? 2e-5 : dt == NT_F16 ? 4e-3 : 3e-2; }

static void run_case(const spec& c, bool reverse) {
  nt_emu().reverse = reverse;
  nt_emu().faults.clear();
  const int lse_dt = c.dt == NT_F64 ? NT_F64 : NT_F32;
  // layout 2 on all three (needs L == S, E == Ev): q, k, v are thirds of one buffer, as a GPT
  // block's qkv projection split into heads
  const bool fused = c.lq == 2 && c.lk == 2 && c.lv == 2;
  tensor q = make(c.dt, c.B, c.H, c.L, c.E, c.lq, 0);
  tensor k = make(c.dt, c.B, c.H, c.S, c.E, c.lk, 1, fused ? q.store : nullptr);
  tensor v = make(c.dt, c.B, c.H, c.S, c.Ev, c.lv, 2, fused ? q.store : nullptr);
  tensor out = make(c.dt, c.B, c.H, c.L, c.Ev, c.lo), dout = make(c.dt, c.B, c.H, c.L, c.Ev, c.lq);
  tensor lse = make_lse(lse_dt, c.B, c.H, c.L, c.lse_strided);
  fill_random(q, 1.5), fill_random(k, 1.5), fill_random(v, 1.0), fill_random(dout, 1.0);
  const std::vector<unsigned char> q0 = q.buf(), k0 = k.buf(), v0 = v.buf(), d0 = dout.buf();
  const double scale = 1.0 / sqrt((double)(c.E > 0 ? c.E : 1));
  const ref_out want = reference(q, k, v, dout, scale, c.causal);
  char tag[200];
  snprintf(tag, sizeof tag, "%s (%s, B=%lld H=%lld L=%lld S=%lld E=%lld Ev=%lld%s%s)", c.what, nt_dtype_name(c.dt),
           (long long)c.B, (long long)c.H, (long long)c.L, (long long)c.S, (long long)c.E, (long long)c.Ev,
           c.causal ? ", causal" : "", reverse ? ", reverse schedule" : "");

  nt_args a;
  memset(&a, 0, sizeof a);
  a.op = NT_OP_attention;
  a.nviews = 5;
  a.v[0] = q.v, a.v[1] = k.v, a.v[2] = v.v, a.v[3] = out.v, a.v[4] = lse.v;
  a.f[0] = scale;
  a.i[0] = c.causal;
  nt_error err;
  err.msg[0] = 0;
  int launches = nt_emu().launches;
  int rc = g_slots[NT_OP_attention](&a, &err);
  CHECK(rc == 0 && nt_emu().faults.empty(), "%s forward: rc=%d '%s' %s", tag, rc, err.msg,
        nt_emu().faults.empty() ? "" : nt_emu().faults[0].c_str());
  if (rc || !nt_emu().faults.empty()) return;
  CHECK(nt_emu().launches == launches + 1, "%s: one forward launch", tag);
  const double eo = rel_err(out, want.out), el = rel_err(lse, want.lse), tol = tol_of(c.dt);
  CHECK(eo <= tol && el <= tol, "%s forward: out error %.3g, lse error %.3g (tolerance %.1g)", tag, eo, el, tol);
  CHECK(outside_untouched(out) && outside_untouched(lse), "%s forward: nothing written outside out and lse", tag);
  CHECK(q.buf() == q0 && k.buf() == k0 && v.buf() == v0, "%s forward: inputs untouched", tag);

  tensor dq = make(c.dt, c.B, c.H, c.L, c.E, 0), dk = make(c.dt, c.B, c.H, c.S, c.E, 0), dv = make(c.dt, c.B, c.H, c.S, c.Ev, 0);
  nt_args g;
  memset(&g, 0, sizeof g);
  g.op = NT_OP_attention_backward;
  g.nviews = 9;
  g.v[0] = q.v, g.v[1] = k.v, g.v[2] = v.v, g.v[3] = out.v, g.v[4] = dout.v, g.v[5] = lse.v;
  g.v[6] = dq.v, g.v[7] = dk.v, g.v[8] = dv.v;
  g.f[0] = scale;
  g.i[0] = c.causal;
  const std::vector<unsigned char> out0 = out.buf(), lse0 = lse.buf();
  launches = nt_emu().launches;
  rc = g_slots[NT_OP_attention_backward](&g, &err);
  CHECK(rc == 0 && nt_emu().faults.empty(), "%s backward: rc=%d '%s' %s", tag, rc, err.msg,
        nt_emu().faults.empty() ? "" : nt_emu().faults[0].c_str());
  if (rc || !nt_emu().faults.empty()) return;
  CHECK(nt_emu().launches == launches + (c.dt == NT_F16 || c.dt == NT_BF16 ? 3 : 2), "%s: backward launches", tag);
  const double eq = rel_err(dq, want.dq), ek = rel_err(dk, want.dk), ev = rel_err(dv, want.dv);
  CHECK(eq <= tol && ek <= tol && ev <= tol, "%s backward: dq error %.3g, dk %.3g, dv %.3g (tolerance %.1g)", tag, eq, ek, ev, tol);
  CHECK(outside_untouched(dq) && outside_untouched(dk) && outside_untouched(dv), "%s backward: canaries intact", tag);
  CHECK(q.buf() == q0 && k.buf() == k0 && v.buf() == v0 && dout.buf() == d0 && out.buf() == out0 && lse.buf() == lse0,
        "%s backward: inputs untouched", tag);
  if (getenv("NT_EMU_VERBOSE"))
    printf("%s: out %.2g lse %.2g dq %.2g dk %.2g dv %.2g\n", tag, eo, el, eq, ek, ev);
}

static const spec kSpecs[] = {
    // tensor cores, 64 tier (the benchmark's path: bf16, head dim 64, causal, q/k/v from one qkv buffer)
    {"wmma64 qkv-split", NT_BF16, 1, 2, 70, 70, 64, 64, true, 2, 2, 2, 1, false},
    {"wmma64 E != Ev, L < S", NT_F16, 2, 1, 33, 75, 32, 48, false, 1, 0, 1, 4, true},
    {"wmma64 misaligned rows", NT_BF16, 1, 1, 50, 50, 64, 64, true, 3, 3, 3, 0, false},
    {"wmma64 E=16", NT_F16, 1, 1, 17, 5, 16, 16, true, 0, 1, 0, 0, false},
    // tensor cores, 128 tier
    {"wmma128 L > S", NT_BF16, 1, 1, 65, 40, 128, 80, true, 0, 1, 0, 4, false},
    {"wmma128 L < S", NT_F16, 1, 2, 20, 90, 96, 96, true, 1, 0, 3, 0, true},
    // SIMT
    {"simt 16-bit odd head dims", NT_BF16, 1, 2, 37, 29, 24, 40, true, 1, 0, 4, 0, false},
    {"simt f16 tiny", NT_F16, 2, 1, 3, 4, 1, 1, false, 0, 0, 0, 4, false},
    {"simt f32", NT_F32, 1, 2, 50, 50, 64, 64, true, 1, 1, 1, 1, true},
    {"simt f32 head dim 128", NT_F32, 1, 1, 20, 40, 128, 128, false, 0, 0, 0, 0, false},
    {"simt f64", NT_F64, 2, 1, 9, 13, 5, 3, true, 0, 4, 1, 4, false},
    {"simt f64 head dim 128", NT_F64, 1, 1, 10, 35, 128, 100, true, 1, 0, 0, 0, false},
    {"simt f32 E=0", NT_F32, 1, 1, 6, 5, 0, 7, true, 0, 0, 0, 0, false},
    {"single query and key", NT_BF16, 1, 1, 1, 1, 64, 64, true, 0, 0, 0, 0, false},
};

static void test_errors() {
  // a device that cannot give the backward's 64000 bytes of shared memory
  nt_emu().optin = 49152;
  nt_emu().faults.clear();
  tensor q = make(NT_BF16, 1, 1, 8, 64, 0), k = make(NT_BF16, 1, 1, 8, 64, 0), v = make(NT_BF16, 1, 1, 8, 64, 0);
  tensor out = make(NT_BF16, 1, 1, 8, 64, 0), dout = make(NT_BF16, 1, 1, 8, 64, 0), lse = make_lse(NT_F32, 1, 1, 8, false);
  tensor dq = make(NT_BF16, 1, 1, 8, 64, 0), dk = make(NT_BF16, 1, 1, 8, 64, 0), dv = make(NT_BF16, 1, 1, 8, 64, 0);
  fill_random(q, 1), fill_random(k, 1), fill_random(v, 1), fill_random(dout, 1);
  nt_args a;
  memset(&a, 0, sizeof a);
  a.op = NT_OP_attention;
  a.nviews = 5;
  a.v[0] = q.v, a.v[1] = k.v, a.v[2] = v.v, a.v[3] = out.v, a.v[4] = lse.v;
  a.f[0] = 0.125;
  nt_error err;
  err.msg[0] = 0;
  CHECK(g_slots[NT_OP_attention](&a, &err) == 0, "forward fits in 48 KiB: runs without an opt-in ('%s')", err.msg);
  nt_args g;
  memset(&g, 0, sizeof g);
  g.op = NT_OP_attention_backward;
  g.nviews = 9;
  g.v[0] = q.v, g.v[1] = k.v, g.v[2] = v.v, g.v[3] = out.v, g.v[4] = dout.v, g.v[5] = lse.v, g.v[6] = dq.v, g.v[7] = dk.v, g.v[8] = dv.v;
  g.f[0] = 0.125;
  err.msg[0] = 0;
  CHECK(g_slots[NT_OP_attention_backward](&g, &err) != 0 &&
        strstr(err.msg, "needs 64000 bytes of shared memory per block; cuda:0 allows 49152"),
        "backward refused with the device's limit: '%s'", err.msg);
  nt_emu().optin = 232448;
  // a bad argument is reported by the op, before any launch
  const int launches = nt_emu().launches;
  g.v[7].shape[2] = 9;
  err.msg[0] = 0;
  CHECK(g_slots[NT_OP_attention_backward](&g, &err) != 0 && strstr(err.msg, "dk has shape [1, 1, 9, 64], expected [1, 1, 8, 64]") &&
        nt_emu().launches == launches, "bad dk shape: '%s'", err.msg);
  g.v[7].shape[2] = 8;
  // B * H = 0: nothing to launch
  a.v[0].shape[0] = a.v[1].shape[0] = a.v[2].shape[0] = a.v[3].shape[0] = a.v[4].shape[0] = 0;
  CHECK(g_slots[NT_OP_attention](&a, &err) == 0 && nt_emu().launches == launches, "B = 0: no launch");
}

int main() {
  ntc_register_attention(g_slots);
  nt_emu().smem = ntc::smem;
  nt_emu().smem_cap = sizeof ntc::smem;
  CHECK(g_slots[NT_OP_attention] && g_slots[NT_OP_attention_backward], "both attention slots registered");
  for (const spec& c : kSpecs) run_case(c, false);
  for (size_t i = 0; i < sizeof kSpecs / sizeof kSpecs[0]; i += 2) run_case(kSpecs[i], true);
  test_errors();
  return check_summary();
}
