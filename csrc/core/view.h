// view.h — what a kernel sees of a tensor, and the argument block of one kernel call.
// Not here: ownership or lifetime (storage is owned by the JS side and freed in stream order).
//
// A view is a strided window on a storage allocation: element (i0..in-1) lives at
//   (T*)data + offset + sum_k i_k * strides[k]
// Strides and offset count ELEMENTS, not bytes (as PyTorch and aclCreateTensor do). A stride of 0
// is a broadcast. `data` is always the storage's base pointer (never pre-offset), so backends that
// need aligned base pointers (CANN: 32 bytes) get them. Shapes and strides are already resolved by
// TypeScript: kernels never broadcast, infer shapes or allocate outputs themselves.
#pragma once
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include "dtype.h"

#define NT_MAX_DIMS 8
#define NT_MAX_VIEWS 9  // attention_backward: 6 inputs, 3 outputs
#define NT_MAX_PARAMS 8

struct nt_view {
  void* data;        // storage base pointer (device memory for device backends)
  int32_t dtype;     // nt_dtype
  int32_t ndim;      // 0..NT_MAX_DIMS; 0 = scalar (one element)
  int64_t offset;    // in elements
  int64_t shape[NT_MAX_DIMS];
  int64_t strides[NT_MAX_DIMS];  // in elements; 0 = broadcast
};

static inline int64_t nt_view_numel(const nt_view* v) {
  int64_t n = 1;
  for (int i = 0; i < v->ndim; i++) n *= v->shape[i];
  return n;
}

static inline bool nt_view_is_contiguous(const nt_view* v) {
  int64_t expect = 1;
  for (int i = v->ndim - 1; i >= 0; i--) {
    if (v->shape[i] != 1 && v->strides[i] != expect) return false;
    expect *= v->shape[i];
  }
  return true;
}

// Pointer to element 0 of the view, typed.
template <typename T>
static inline T* nt_view_ptr(const nt_view* v) { return (T*)v->data + v->offset; }

// One kernel call. Layout per op kind is documented beside each op in ops.def.
struct nt_args {
  int32_t op;      // index into ops.def
  int32_t nviews;  // views used (inputs first, then outputs, as ops.def says)
  nt_view v[NT_MAX_VIEWS];
  double f[NT_MAX_PARAMS];   // float parameters (scalars, alpha, ...)
  int64_t i[NT_MAX_PARAMS];  // integer parameters (dims, flags, seeds, ...)
};

// Kernels report failure by filling this and returning non-zero. The message names what was wrong
// (e.g. "index 7 is out of range for dimension 0 with size 5"); the op name is prefixed by the core.
#define NT_ERR_LEN 512
struct nt_error {
  char msg[NT_ERR_LEN];
};

// Fills err with printf-style text and returns 1, so a kernel can `return nt_errorf(err, ...)`.
// Every backend's failure helper is this one (the CPU's nt_fail, the CUDA backend's nt_cu_fail).
static inline int nt_errorf(nt_error* err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int nt_errorf(nt_error* err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, NT_ERR_LEN, fmt, ap);
  va_end(ap);
  return 1;
}
