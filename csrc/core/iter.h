// iter.h — strided iteration over N views of one shape, with dimension coalescing and a
// contiguous fast path. Not here: threading (see parallel.h) or broadcasting (TS did it: stride 0).
//
// Usage (elementwise with NV views of identical shape):
//   nt_strided<3> it = nt_make_strided<3>({&a, &b, &out});
//   nt::parallel_for(0, it.numel, 32768, [&](int64_t lo, int64_t hi) {
//     nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
//       // run of n elements: view k starts at element offset off[k] and steps st[k]
//     });
//   });
// When it.contiguous, every run has st[k] == 1 (and one run covers a whole chunk).
#pragma once
#include <stdint.h>
#include "view.h"

// Merges each dim into the one before it when every stride array allows it (outer stride = inner
// stride * inner size), in place; returns the new dim count. Shared by every plan (plans.h).
static inline int nt_coalesce_dims(int nd, int64_t* shape, int64_t* const* strides, int nstrides) {
  if (nd == 0) return 0;
  int w = 0;
  for (int d = 1; d < nd; d++) {
    bool merge = true;
    for (int k = 0; k < nstrides && merge; k++) merge = strides[k][w] == strides[k][d] * shape[d];
    if (merge) {
      shape[w] *= shape[d];
      for (int k = 0; k < nstrides; k++) strides[k][w] = strides[k][d];
    } else {
      w++;
      shape[w] = shape[d];
      for (int k = 0; k < nstrides; k++) strides[k][w] = strides[k][d];
    }
  }
  return w + 1;
}

template <int NV>
struct nt_strided {
  int ndim;  // >= 1 after coalescing (a scalar becomes shape [1])
  int64_t numel;
  bool contiguous;  // every view has unit stride over one coalesced dim
  int64_t shape[NT_MAX_DIMS];
  int64_t strides[NV][NT_MAX_DIMS];
  int64_t base[NV];  // each view's element offset
};

// All views must have the shape of views[0] (outputs are usually passed first or last; any order).
template <int NV>
static inline nt_strided<NV> nt_make_strided(const nt_view* const (&views)[NV]) {
  nt_strided<NV> it;
  const nt_view* ref = views[0];
  it.numel = nt_view_numel(ref);
  for (int k = 0; k < NV; k++) it.base[k] = views[k]->offset;
  // Drop size-1 dims, then merge dim d into d+1 when every view is contiguous across them.
  int nd = 0;
  for (int d = 0; d < ref->ndim; d++) {
    if (ref->shape[d] == 1) continue;
    it.shape[nd] = ref->shape[d];
    for (int k = 0; k < NV; k++) it.strides[k][nd] = views[k]->strides[d];
    nd++;
  }
  if (nd == 0) {
    it.shape[0] = 1;
    for (int k = 0; k < NV; k++) it.strides[k][0] = 1;
    nd = 1;
  }
  int64_t* st[NV];
  for (int k = 0; k < NV; k++) st[k] = it.strides[k];
  it.ndim = nt_coalesce_dims(nd, it.shape, st, NV);
  it.contiguous = it.ndim == 1;
  for (int k = 0; k < NV && it.contiguous; k++)
    if (it.strides[k][0] != 1) it.contiguous = false;
  if (it.numel == 0) it.contiguous = true;
  return it;
}

// Calls f(off, st, n) for runs along the innermost dim covering linear indices [lo, hi).
template <int NV, typename F>
static inline void nt_strided_range(const nt_strided<NV>& it, int64_t lo, int64_t hi, F&& f) {
  if (lo >= hi) return;
  int64_t off[NV], st[NV];
  const int last = it.ndim - 1;
  if (it.contiguous) {
    for (int k = 0; k < NV; k++) { off[k] = it.base[k] + lo; st[k] = 1; }
    f(off, st, hi - lo);
    return;
  }
  int64_t idx[NT_MAX_DIMS];
  int64_t rem = lo;
  for (int d = last; d >= 0; d--) { idx[d] = rem % it.shape[d]; rem /= it.shape[d]; }
  for (int k = 0; k < NV; k++) {
    off[k] = it.base[k];
    for (int d = 0; d <= last; d++) off[k] += idx[d] * it.strides[k][d];
    st[k] = it.strides[k][last];
  }
  int64_t pos = lo;
  while (pos < hi) {
    int64_t n = it.shape[last] - idx[last];
    if (n > hi - pos) n = hi - pos;
    f(off, st, n);
    pos += n;
    if (pos >= hi) break;
    // advance the odometer past the run
    for (int k = 0; k < NV; k++) off[k] += (n - 0) * it.strides[k][last];
    idx[last] += n;
    for (int d = last; d > 0 && idx[d] == it.shape[d]; d--) {
      for (int k = 0; k < NV; k++) off[k] += it.strides[k][d - 1] - it.shape[d] * it.strides[k][d];
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

// Element offset of linear index `i` (row-major over v's shape) within view v.
static inline int64_t nt_view_offset_of(const nt_view* v, int64_t i) {
  int64_t off = v->offset;
  for (int d = v->ndim - 1; d >= 0; d--) {
    int64_t s = v->shape[d];
    off += (i % s) * v->strides[d];
    i /= s;
  }
  return off;
}
