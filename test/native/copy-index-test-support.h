// copy-index-test-support.h — the harness of copy-index-test.cpp: owned views in several layouts,
// exact element read/write, the pass/fail counter, and the slow references for casts and index ops.
// Not tests themselves; the references are written from the contract, not from the kernels' code.
#pragma once
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/iter.h"

typedef long double ld;
static nt_kernel_fn g_slots[NT_OP_COUNT];
static int g_pass = 0, g_fail = 0, g_threads = 1;

static void check(bool ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char* fmt, ...) {
  if (ok) { g_pass++; return; }
  g_fail++;
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}

// ---- owned storage + views in several layouts ----
const uint8_t kSentinel = 0xA5;
struct TV {
  std::shared_ptr<std::vector<uint8_t>> store;
  nt_view v;
  int64_t numel() const { return nt_view_numel(&v); }
};
enum Layout { CONTIG, TRANSPOSED, STEPPED, REVERSED };
static const char* kLayoutName[] = {"contig", "transposed", "stepped", "reversed"};

static std::vector<int64_t> contig_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> st(shape.size());
  int64_t s = 1;
  for (int d = (int)shape.size() - 1; d >= 0; d--) { st[d] = s; s *= shape[d]; }
  return st;
}

// A view of `shape` laid out as asked; storage bytes outside the view hold kSentinel.
static TV make(int dt, std::vector<int64_t> shape, Layout lay = CONTIG) {
  TV t;
  memset(&t.v, 0, sizeof t.v);
  int nd = (int)shape.size();
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> st = contig_strides(shape);
  int64_t offset = 0, size = n;
  if (lay == TRANSPOSED && nd >= 2) {
    std::vector<int64_t> sh2 = shape;
    std::swap(sh2[nd - 1], sh2[nd - 2]);
    st = contig_strides(sh2);
    std::swap(st[nd - 1], st[nd - 2]);
  } else if (lay == REVERSED) {
    std::vector<int64_t> rs(shape.rbegin(), shape.rend());
    std::vector<int64_t> rst = contig_strides(rs);
    for (int d = 0; d < nd; d++) st[d] = rst[nd - 1 - d];
  } else if (lay == STEPPED) {
    for (auto& s : st) s *= 2;
    offset = 3;
    size = 2 * n + 3;
  }
  t.store = std::make_shared<std::vector<uint8_t>>((size_t)(size * nt_dtype_size(dt)), kSentinel);
  t.v.data = t.store->data();
  t.v.dtype = dt;
  t.v.ndim = nd;
  t.v.offset = offset;
  for (int d = 0; d < nd; d++) { t.v.shape[d] = shape[d]; t.v.strides[d] = st[d]; }
  return t;
}

static uint8_t* elem_ptr(const nt_view& v, int64_t e) {
  return (uint8_t*)v.data + nt_view_offset_of(&v, e) * nt_dtype_size(v.dtype);
}

// Reads logical element e exactly (long double holds every value of every dtype).
static ld rd(const nt_view& v, int64_t e) {
  const uint8_t* p = elem_ptr(v, e);
  switch (v.dtype) {
    case NT_F32: { float f; memcpy(&f, p, 4); return f; }
    case NT_F64: { double f; memcpy(&f, p, 8); return f; }
    case NT_F16: { uint16_t h; memcpy(&h, p, 2); return nt_half_to_float(h); }
    case NT_BF16: { uint16_t h; memcpy(&h, p, 2); return nt_bits_to_float((uint32_t)h << 16); }
    case NT_I32: { int32_t i; memcpy(&i, p, 4); return i; }
    case NT_I64: { int64_t i; memcpy(&i, p, 8); return (ld)i; }
    case NT_U8: return *p;
    default: return *p != 0;
  }
}

// Test-setup writer: floats by hardware rounding, ints wrap from an int64 (huge/NaN -> 0).
static void wr(const nt_view& v, int64_t e, ld x) {
  uint8_t* p = elem_ptr(v, e);
  int64_t i = (isnan(x) || fabsl(x) > 9.2e18L) ? 0 : (int64_t)x;
  switch (v.dtype) {
    case NT_F32: { float f = (float)x; memcpy(p, &f, 4); break; }
    case NT_F64: { double f = (double)x; memcpy(p, &f, 8); break; }
    case NT_F16: { uint16_t h = nt_float_to_half((float)x); memcpy(p, &h, 2); break; }
    case NT_BF16: { uint16_t h = nt_float_to_bf16((float)x); memcpy(p, &h, 2); break; }
    case NT_I32: { int32_t j = (int32_t)(uint32_t)(uint64_t)i; memcpy(p, &j, 4); break; }
    case NT_I64: memcpy(p, &i, 8); break;
    case NT_U8: *p = (uint8_t)(uint64_t)i; break;
    default: *p = x != 0; break;
  }
}

static bool same(ld a, ld b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return a == b && signbit(a) == signbit(b);
}

// Storage bytes not covered by the view must still be the sentinel (nothing written outside).
static bool outside_untouched(const TV& t) {
  const int es = nt_dtype_size(t.v.dtype);
  std::vector<char> cover(t.store->size() / es, 0);
  for (int64_t e = 0; e < t.numel(); e++) cover[(size_t)nt_view_offset_of(&t.v, e)] = 1;
  for (size_t b = 0; b < t.store->size(); b++)
    if (!cover[b / es] && (*t.store)[b] != kSentinel) return false;
  return true;
}

static int run(int op, std::vector<const TV*> views, std::vector<double> f, std::vector<int64_t> i, std::string* msg = nullptr) {
  nt_args a;
  memset(&a, 0, sizeof a);
  a.op = op;
  a.nviews = (int)views.size();
  for (size_t k = 0; k < views.size(); k++) a.v[k] = views[k]->v;
  for (size_t k = 0; k < f.size(); k++) a.f[k] = f[k];
  for (size_t k = 0; k < i.size(); k++) a.i[k] = i[k];
  nt_error err;
  err.msg[0] = 0;
  int rc = g_slots[op](&a, &err);
  if (msg) *msg = err.msg;
  return rc;
}

// ---- reference conversions (written from the contract, not from copy-cast.h) ----
static bool is_float_dt(int dt) { return dt <= NT_BF16; }

static ld ref_round(ld a, int mant, int min_exp, ld max_finite) {  // a is a float value
  if (isnan(a) || isinf(a) || a == 0) return a;
  int e;
  frexpl(fabsl(a), &e);
  int ee = std::max(e - 1, min_exp);
  ld q = ldexpl(1.0L, ee - mant);
  ld r = rintl(fabsl(a) / q) * q;
  if (r > max_finite) r = INFINITY;
  return signbit(a) ? -r : r;
}

static ld ref_cast(ld x, int src, int dst) {
  switch (dst) {
    case NT_F64: return (double)x;
    case NT_F32: return (float)x;
    case NT_F16: return ref_round((float)x, 10, -14, 65504.0L);
    case NT_BF16: return ref_round((float)x, 7, -126, ldexpl(255.0L, 120));
    case NT_BOOL: return x != 0;
    default: break;
  }
  ld lo = dst == NT_I32 ? -2147483648.0L : dst == NT_I64 ? -9223372036854775808.0L : 0;
  ld hi = dst == NT_I32 ? 2147483647.0L : dst == NT_I64 ? 9223372036854775807.0L : 255;
  if (is_float_dt(src)) {
    if (isnan(x)) return 0;
    ld t = truncl(x) + 0.0L;  // no -0 in ints
    return t < lo ? lo : t > hi ? hi : t;
  }
  uint64_t u = (uint64_t)(int64_t)x;
  if (dst == NT_I32) return (int32_t)(uint32_t)u;
  if (dst == NT_U8) return (uint8_t)u;
  return (ld)(int64_t)u;
}

static std::vector<ld> cast_values() {
  std::vector<ld> v = {0, -0.0L, 0.5, -0.5, 1, -1, 1.5, -2.5, 2.7, -2.7, 0.1, 1.0L / 3, 100.25, 127, 128, 255,
                       255.9, 256, 300, -129, -200.7, 1000, 65504, 65519, 65520, 70000, 2147483647.0L,
                       2147483648.0L, -2147483648.0L, -2147483649.0L, 3e9, 4294967301.0L, 9007199254740993.0L,
                       9.3e18L, -9.3e18L, 1e20, -1e20, 3.4e38L, 1e300L, 1e-5, 6e-8, 1e-40L, 123456789012.0L};
  v.push_back(NAN);
  v.push_back(INFINITY);
  v.push_back(-INFINITY);
  v.push_back(9223372036854775807.0L);
  v.push_back(-9223372036854775807.0L - 1);
  return v;
}

// ---- index ops: references over multi-indices ----
static std::vector<int64_t> unravel(int64_t e, const nt_view& v) {
  std::vector<int64_t> idx((size_t)v.ndim);
  for (int d = v.ndim - 1; d >= 0; d--) { idx[(size_t)d] = e % v.shape[d]; e /= v.shape[d]; }
  return idx;
}
static int64_t ravel(const std::vector<int64_t>& idx, const nt_view& v) {
  int64_t e = 0;
  for (int d = 0; d < v.ndim; d++) e = e * v.shape[d] + idx[(size_t)d];
  return e;
}
static uint64_t g_lcg = 12345;
static int64_t rnd(int64_t n) {
  g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (int64_t)((g_lcg >> 33) % (uint64_t)n);
}
static TV filled(int dt, std::vector<int64_t> shape, Layout lay, int salt) {
  TV t = make(dt, shape, lay);
  for (int64_t e = 0; e < t.numel(); e++) wr(t.v, e, (ld)((e * 37 + salt) % 23) - 7.5L);
  return t;
}
static TV index_of(int dt, std::vector<int64_t> shape, Layout lay, int64_t lo, int64_t hi) {
  TV t = make(dt, shape, lay);
  for (int64_t e = 0; e < t.numel(); e++) wr(t.v, e, (ld)(lo + rnd(hi - lo)));
  return t;
}
static bool all_zero(const TV& t) {
  for (int64_t e = 0; e < t.numel(); e++)
    if (rd(t.v, e) != 0) return false;
  return true;
}
// out += v in the kernel's compute type (16-bit floats add in float; ints wrap; bool or).
static ld ref_add(int dt, ld cur, ld v) {
  switch (dt) {
    case NT_F64: return (double)cur + (double)v;
    case NT_F32: return (float)cur + (float)v;
    case NT_F16: case NT_BF16: return ref_cast((float)cur + (float)v, NT_F32, dt);
    case NT_BOOL: return cur != 0 || v != 0;
    default: return ref_cast((ld)(int64_t)((uint64_t)(int64_t)cur + (uint64_t)(int64_t)v), NT_I64, dt);
  }
}
static ld ref_scaled(int dt, ld x, double alpha) {
  switch (dt) {
    case NT_F64: return alpha * (double)x;
    case NT_F32: case NT_F16: case NT_BF16: return (float)alpha * (float)x;
    case NT_BOOL: return x != 0 && alpha != 0;
    default: return (ld)(int64_t)((uint64_t)(int64_t)trunc(alpha) * (uint64_t)(int64_t)x);
  }
}

static bool has(const std::string& msg, const char* s) { return msg.find(s) != std::string::npos; }
