// reduce-test-support.h — helpers of the native reduce-family test: test tensors in several layouts,
// value access through views, kernel calls and the pass/fail counter. Not a test by itself.
#pragma once
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/dispatch.h"
#include "core/iter.h"

#include "check.h"

static nt_kernel_fn g_k[NT_OP_COUNT];
static std::mt19937_64 g_rng(12345);


// ---- tensors ------------------------------------------------------------------------------------
enum layout { CONTIG, TRANSPOSED, STEPPED };
static const char* lay_name[] = {"contig", "transposed", "stepped"};

struct tensor {
  std::vector<uint64_t> store;  // 8-byte aligned storage
  nt_view v;
  tensor() = default;
  tensor(const tensor& o) : store(o.store), v(o.v) { v.data = store.data(); }
  tensor& operator=(const tensor& o) { store = o.store; v = o.v; v.data = store.data(); return *this; }
  int64_t numel() const { return nt_view_numel(&v); }
};

static tensor make(int dt, std::vector<int64_t> shape, layout lay = CONTIG) {
  tensor t;
  memset(&t.v, 0, sizeof(t.v));
  t.v.dtype = dt;
  t.v.ndim = (int)shape.size();
  const int nd = t.v.ndim;
  for (int d = 0; d < nd; d++) t.v.shape[d] = shape[d];
  int64_t st = 1, extent = 1;
  if (lay == TRANSPOSED) {
    for (int d = 0; d < nd; d++) { t.v.strides[d] = st; st *= shape[d]; }
  } else if (lay == STEPPED) {
    t.v.offset = 5;
    for (int d = nd - 1; d >= 0; d--) { int64_t s = d == nd - 1 ? 2 : 1; t.v.strides[d] = st * s; st *= shape[d] * s + (d == 0 ? 1 : 0); }
  } else {
    for (int d = nd - 1; d >= 0; d--) { t.v.strides[d] = st; st *= shape[d]; }
  }
  for (int d = 0; d < nd; d++) if (shape[d] > 0) extent += (shape[d] - 1) * t.v.strides[d];
  extent += t.v.offset + 8;
  t.store.assign((size_t)((extent * nt_dtype_size(dt) + 7) / 8 + 1), 0);
  t.v.data = t.store.data();
  return t;
}

// Output of a reduction: in's ndim, reduced dims size 1 stride 0.
static tensor make_red_out(int dt, const tensor& in, int64_t mask, layout lay = CONTIG) {
  std::vector<int64_t> s(in.v.shape, in.v.shape + in.v.ndim);
  for (int d = 0; d < in.v.ndim; d++) if (mask >> d & 1) s[d] = 1;
  tensor t = make(dt, s, lay);
  for (int d = 0; d < in.v.ndim; d++) if (mask >> d & 1) t.v.strides[d] = 0;
  return t;
}

static double get(const tensor& t, int64_t i) {
  int64_t o = nt_view_offset_of(&t.v, i);
  double r = 0;
  NT_DISPATCH_ALL(t.v.dtype, T, { r = nt_to_double((const T*)t.v.data + o); });
  return r;
}
static uint64_t get_bits(const tensor& t, int64_t i) {
  int64_t o = nt_view_offset_of(&t.v, i);
  uint64_t u = 0;
  memcpy(&u, (const char*)t.v.data + o * nt_dtype_size(t.v.dtype), nt_dtype_size(t.v.dtype));
  return u;
}
static void set(tensor& t, int64_t i, double x) {
  int64_t o = nt_view_offset_of(&t.v, i);
  switch (t.v.dtype) {
    case NT_F32: ((float*)t.v.data)[o] = (float)x; break;
    case NT_F64: ((double*)t.v.data)[o] = x; break;
    case NT_F16: ((nt_half*)t.v.data)[o].bits = nt_float_to_half((float)x); break;
    case NT_BF16: ((nt_bf16*)t.v.data)[o].bits = nt_float_to_bf16((float)x); break;
    case NT_I32: ((int32_t*)t.v.data)[o] = (int32_t)x; break;
    case NT_I64: ((int64_t*)t.v.data)[o] = (int64_t)x; break;
    case NT_U8: ((uint8_t*)t.v.data)[o] = (uint8_t)x; break;
    case NT_BOOL: ((uint8_t*)t.v.data)[o] = x != 0; break;
  }
}
// Fills with values that suit the dtype and returns them (after rounding to the dtype).
static std::vector<double> fill(tensor& t, double lo = -3, double hi = 3) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> vals((size_t)t.numel());
  for (int64_t i = 0; i < t.numel(); i++) {
    double x = u(g_rng);
    if (t.v.dtype == NT_BOOL) x = x > (lo + hi) / 2;
    else if (t.v.dtype == NT_U8) x = floor((x - lo) / (hi - lo) * 10);
    else if (!nt_dtype_is_float(t.v.dtype)) x = floor(x * 3);
    set(t, i, x);
    vals[(size_t)i] = get(t, i);
  }
  return vals;
}

static nt_args args1(int op, std::initializer_list<const tensor*> ts) {
  nt_args a;
  memset(&a, 0, sizeof(a));
  a.op = op;
  for (const tensor* t : ts) a.v[a.nviews++] = t->v;
  return a;
}
static int call(nt_args& a, std::string* msg = nullptr) {
  nt_error e;
  e.msg[0] = 0;
  int r = g_k[a.op](&a, &e);
  if (msg) *msg = e.msg;
  else if (r) printf("  kernel %s failed: %s\n", nt_op_name(a.op), e.msg);
  return r;
}

static std::vector<int64_t> unravel(int64_t i, const nt_view& v) {
  std::vector<int64_t> idx((size_t)v.ndim);
  for (int d = v.ndim - 1; d >= 0; d--) { idx[(size_t)d] = i % v.shape[d]; i /= v.shape[d]; }
  return idx;
}
static int64_t ravel(const std::vector<int64_t>& idx, const nt_view& v) {
  int64_t i = 0;
  for (int d = 0; d < v.ndim; d++) i = i * v.shape[d] + idx[(size_t)d];
  return i;
}

static bool close(double got, double ref, double rtol, double atol) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  return fabs(got - ref) <= atol + rtol * fabs(ref);
}
// x rounded to dtype dt (what a kernel storing the exact value would produce).
static double round_to(int dt, double x) {
  if (dt == NT_F32) return (float)x;
  if (dt == NT_F16) return nt_half_to_float(nt_float_to_half((float)x));
  if (dt == NT_BF16) return nt_bf16_to_float(nt_float_to_bf16((float)x));
  return x;
}
static double rtol_of(int dt) {
  switch (dt) {
    case NT_F64: return 1e-12;
    case NT_F32: return 1e-5;
    case NT_F16: return 2e-3;
    case NT_BF16: return 1e-2;
    default: return 0;
  }
}
