// elementwise-test-support.h — small harness for elementwise-test.cpp: pass/fail counting, strided test
// tensors of every dtype (contiguous, transposed, stepped, stride-0), value access as double,
// tolerant comparison. Not a framework: plain functions, included by one test program.
#pragma once
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "backends/cpu/kernels.h"
#include "core/dispatch.h"
#include "core/iter.h"

namespace ewt {

inline nt_kernel_fn g_slots[NT_OP_COUNT];
inline int g_pass = 0, g_fail = 0;

inline void pass() { g_pass++; }
inline void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline void fail(const char* fmt, ...) {
  if (++g_fail <= 60) {
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
  }
}

enum Tol { T_EXACT, T_SIMPLE, T_TRANSC };
enum { S_FLOAT = 1, S_NUM = 2, S_ALL = 3 };
inline bool in_set(int set, int dt) {
  return set == S_FLOAT ? nt_dtype_is_float(dt) : set == S_NUM ? dt != NT_BOOL : true;
}

// Layouts of a logical [r, c] view. Broadcast layouts are inputs only.
enum { L_CONTIG, L_TRANS, L_STEP, L_BROW, L_BCOL, L_COUNT };
inline const char* kLayoutName[L_COUNT] = {"contiguous", "transposed", "stepped", "bcast-rows", "bcast-cols"};

struct Tensor {
  std::vector<uint64_t> mem;  // storage (8-byte aligned)
  int64_t size = 0;           // storage elements
  nt_view v = {};
};

inline Tensor make_raw(int dt, int ndim, const int64_t* shape, const int64_t* strides, int64_t offset) {
  Tensor t;
  int64_t last = offset;
  for (int d = 0; d < ndim; d++) last += (shape[d] - 1) * strides[d];
  t.size = last + 1;
  for (int d = 0; d < ndim; d++) if (shape[d] == 0) t.size = 1;
  t.mem.assign((size_t)(t.size * nt_dtype_size(dt) + 7) / 8 + 1, 0);
  t.v.data = t.mem.data();
  t.v.dtype = dt;
  t.v.ndim = ndim;
  t.v.offset = offset;
  for (int d = 0; d < ndim; d++) { t.v.shape[d] = shape[d]; t.v.strides[d] = strides[d]; }
  return t;
}

inline Tensor make(int dt, int64_t r, int64_t c, int layout) {
  const int64_t shape[2] = {r, c};
  int64_t st[2] = {c, 1}, off = 0;
  if (layout == L_TRANS) { st[0] = 1; st[1] = r; }
  if (layout == L_STEP) { st[0] = 2 * c + 3; st[1] = 2; off = 5; }
  if (layout == L_BROW) { st[0] = 0; st[1] = 1; off = 2; }
  if (layout == L_BCOL) { st[0] = 1; st[1] = 0; off = 1; }
  return make_raw(dt, 2, shape, st, off);
}

inline Tensor make1d(int dt, int64_t n, int64_t step = 1, int64_t offset = 0) {
  return make_raw(dt, 1, &n, &step, offset);
}

// Storage element k as double / from double (integers wrap to the dtype's width).
inline double load_raw(const Tensor& t, int64_t k) {
  const void* p = t.v.data;
  switch (t.v.dtype) {
    case NT_F32: return ((const float*)p)[k];
    case NT_F64: return ((const double*)p)[k];
    case NT_F16: return nt_half_to_float(((const uint16_t*)p)[k]);
    case NT_BF16: return nt_bf16_to_float(((const uint16_t*)p)[k]);
    case NT_I32: return ((const int32_t*)p)[k];
    case NT_I64: return (double)((const int64_t*)p)[k];
    case NT_U8: return ((const uint8_t*)p)[k];
    case NT_BOOL: return ((const uint8_t*)p)[k] != 0;
  }
  return NAN;
}

inline int64_t wrap_int(double x) {  // small integral doubles only
  return x != x ? 0 : (int64_t)x;
}

inline void store_raw(Tensor& t, int64_t k, double x) {
  void* p = t.v.data;
  switch (t.v.dtype) {
    case NT_F32: ((float*)p)[k] = (float)x; break;
    case NT_F64: ((double*)p)[k] = x; break;
    case NT_F16: ((uint16_t*)p)[k] = nt_float_to_half((float)x); break;
    case NT_BF16: ((uint16_t*)p)[k] = nt_float_to_bf16((float)x); break;
    case NT_I32: ((int32_t*)p)[k] = (int32_t)(uint32_t)(uint64_t)wrap_int(x); break;
    case NT_I64: ((int64_t*)p)[k] = wrap_int(x); break;
    case NT_U8: ((uint8_t*)p)[k] = (uint8_t)(uint64_t)wrap_int(x); break;
    case NT_BOOL: ((uint8_t*)p)[k] = x != 0; break;
  }
}

// Logical element i (row-major) of the view.
inline double get(const Tensor& t, int64_t i) { return load_raw(t, nt_view_offset_of(&t.v, i)); }

// A double as the dtype would hold it (the reference's rounding / wrapping).
inline double round_to(int dt, double x) {
  if (x != x) return x;
  switch (dt) {
    case NT_F32: return fabs(x) > 3.4028235677973366e38 ? copysign(INFINITY, x) : (double)(float)x;
    case NT_F64: return x;
    case NT_F16: return nt_half_to_float(nt_float_to_half(fabs(x) > 1e38 ? (float)copysign(INFINITY, x) : (float)x));
    case NT_BF16: return nt_bf16_to_float(nt_float_to_bf16(fabs(x) > 3.38e38 ? (float)copysign(INFINITY, x) : (float)x));
    case NT_I32: return (int32_t)(uint32_t)(uint64_t)wrap_int(x);
    case NT_I64: return (double)wrap_int(x);
    case NT_U8: return (uint8_t)(uint64_t)wrap_int(x);
    case NT_BOOL: return x != 0;
  }
  return x;
}

// got vs want (want already rounded to dt); scale widens the relative tolerance (add/sub).
inline bool close(double g, double w, int dt, Tol tol, double scale = 0) {
  if (w != w) return g != g;
  if (isinf(w)) return g == w;
  if (tol == T_EXACT || !nt_dtype_is_float(dt)) return g == w;
  double rtol = 0, atol = 0;
  switch (dt) {
    case NT_F64: rtol = 1e-12; atol = 1e-300; break;
    case NT_F32: rtol = tol == T_SIMPLE ? 1e-6 : 1e-5; atol = 1e-37; break;
    case NT_F16: rtol = tol == T_SIMPLE ? 1e-3 : 2e-3; atol = 1e-7; break;
    case NT_BF16: rtol = tol == T_SIMPLE ? 8e-3 : 1.6e-2; atol = 1e-37; break;
  }
  return fabs(g - w) <= atol + rtol * fmax(fabs(w), scale);
}

// Runs a kernel; a non-zero return fails the check with its message.
inline bool run(const nt_args& a, const char* what) {
  nt_error err;
  err.msg[0] = 0;
  const int rc = g_slots[a.op](&a, &err);
  if (rc != 0) fail("%s: kernel failed: %s", what, err.msg);
  return rc == 0;
}

// Expects the kernel to refuse `a` with a message containing `needle`.
inline void expect_error_args(const nt_args& a, const char* needle, const char* what) {
  nt_error err;
  err.msg[0] = 0;
  const int rc = g_slots[a.op](&a, &err);
  if (rc == 0) fail("%s: expected an error mentioning '%s', got success", what, needle);
  else if (!strstr(err.msg, needle)) fail("%s: error '%s' does not mention '%s'", what, err.msg, needle);
  else pass();
}

inline void expect_error(nt_args a, const Tensor& in, const Tensor& out, const char* needle) {
  a.v[0] = in.v;
  a.v[1] = out.v;
  expect_error_args(a, needle, nt_op_name(a.op));
}

}  // namespace ewt
