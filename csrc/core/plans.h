// plans.h — the device-independent layouts every backend builds before it launches anything: view
// checks, the reduction plan (kept/reduced dims split, size-1 dims dropped, neighbours coalesced)
// and lines along one dim (softmax, cumsum, sort). Plain C++, header only, so the CPU backend (g++),
// the CUDA backend's host code (nvcc) and test/native/cuda-host-test.cpp share one copy.
// Not here: how a backend walks a plan (CPU: reduce-common.h's odometers and vector mode; CUDA:
// index-math.h's offset calculators), elementwise coalescing (iter.h) or any kernel.
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <utility>

#include "iter.h"
#include "view.h"

// Rejects views that would make a kernel index out of bounds: bad dtype, ndim or negative sizes,
// or no storage behind elements.
static inline int nt_check_view(const nt_view* v, const char* what, nt_error* err) {
  if (v->dtype < 0 || v->dtype >= NT_DTYPE_COUNT) return nt_errorf(err, "%s has an unknown dtype id %d", what, (int)v->dtype);
  if (v->ndim < 0 || v->ndim > NT_MAX_DIMS)
    return nt_errorf(err, "%s has %d dims (at most %d supported)", what, (int)v->ndim, NT_MAX_DIMS);
  for (int d = 0; d < v->ndim; d++)
    if (v->shape[d] < 0) return nt_errorf(err, "%s has a negative size %lld at dim %d", what, (long long)v->shape[d], d);
  if (!v->data && nt_view_numel(v) > 0) return nt_errorf(err, "%s has no storage", what);
  return 0;
}

static inline bool nt_same_shape(const nt_view* a, const nt_view* b) {
  if (a->ndim != b->ndim) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

// "[2, 3]" into buf (for error messages); returns buf.
static inline const char* nt_shape_str(const nt_view* v, char* buf, int len) {
  int n = snprintf(buf, len, "[");
  for (int d = 0; d < v->ndim && n < len; d++) n += snprintf(buf + n, len - n, d ? ", %lld" : "%lld", (long long)v->shape[d]);
  if (n < len) snprintf(buf + n, len - n, "]");
  return buf;
}

// ---------------------------------------------------------------- reductions
// A REDUCE call (views: input, output with the reduced dims kept at size 1; i[0] the dim mask) laid
// out for a kernel. Kept dims map in -> out; reduced dims walk `in` only. Size-1 dims are dropped
// and neighbours merged where both views allow it; with `reorder` (the reduction's order is free)
// the reduced dims are sorted by |stride| first, innermost = smallest (argmax keeps its dim's order).
struct nt_red_plan {
  int nk = 0, nr = 0;
  int64_t kshape[NT_MAX_DIMS], kin[NT_MAX_DIMS], kout[NT_MAX_DIMS];
  int64_t rshape[NT_MAX_DIMS], rin[NT_MAX_DIMS];  // innermost (smallest stride) last
  int64_t m = 1;  // outputs
  int64_t n = 1;  // elements reduced into each output
  int64_t in_base = 0, out_base = 0;  // the views' element offsets
};

static inline int nt_make_red_plan(const nt_args* a, nt_red_plan* p, bool reorder, nt_error* err) {
  if (a->nviews < 2) return nt_errorf(err, "expected 2 views (input, output), got %d", (int)a->nviews);
  const nt_view *in = &a->v[0], *out = &a->v[1];
  if (nt_check_view(in, "input", err) || nt_check_view(out, "output", err)) return 1;
  const int nd = in->ndim;
  if (out->ndim != nd) return nt_errorf(err, "output has %d dims, expected %d (reduced dims kept with size 1)", (int)out->ndim, nd);
  const int64_t mask = a->i[0];
  if (mask < 0 || (mask >> nd) != 0) return nt_errorf(err, "reduce mask %lld names a dim outside 0..%d", (long long)mask, nd - 1);
  *p = nt_red_plan();
  p->in_base = in->offset;
  p->out_base = out->offset;
  for (int d = 0; d < nd; d++) {
    const bool red = (mask >> d) & 1;
    if (red && out->shape[d] != 1) return nt_errorf(err, "output dim %d has size %lld, expected 1 (reduced)", d, (long long)out->shape[d]);
    if (!red && out->shape[d] != in->shape[d])
      return nt_errorf(err, "output dim %d has size %lld, expected %lld", d, (long long)out->shape[d], (long long)in->shape[d]);
    const int64_t s = in->shape[d];
    if (red) p->n *= s; else p->m *= s;
    if (s == 1) continue;
    if (red) { p->rshape[p->nr] = s; p->rin[p->nr] = in->strides[d]; p->nr++; }
    else { p->kshape[p->nk] = s; p->kin[p->nk] = in->strides[d]; p->kout[p->nk] = out->strides[d]; p->nk++; }
  }
  if (p->m == 0 || p->n == 0) { p->nr = 0; return 0; }
  if (reorder)
    for (int i = 1; i < p->nr; i++)  // insertion sort by |stride| descending, stable
      for (int j = i; j > 0 && llabs(p->rin[j - 1]) < llabs(p->rin[j]); j--) {
        std::swap(p->rin[j - 1], p->rin[j]);
        std::swap(p->rshape[j - 1], p->rshape[j]);
      }
  int64_t* rst[1] = {p->rin};
  p->nr = nt_coalesce_dims(p->nr, p->rshape, rst, 1);
  int64_t* kst[2] = {p->kin, p->kout};
  p->nk = nt_coalesce_dims(p->nk, p->kshape, kst, 2);
  return 0;
}

// ---------------------------------------------------------------- lines along one dim
// Every view has v[0]'s shape except along `dim` (topk's outputs have k there). The other dims
// (size-1 dropped, merged where all views allow) enumerate the lines, row-major: `count` lines,
// `nd` dims of `shape`, `st[k]` their strides in view k; `base[k]` is view k's element offset.
template <int NS>
struct nt_lines {
  int64_t len[NS];   // size along dim, per view
  int64_t sd[NS];    // stride along dim, per view
  int64_t base[NS];
  int64_t count = 1;  // number of lines
  int nd = 0;
  int64_t shape[NT_MAX_DIMS];
  int64_t st[NS][NT_MAX_DIMS];
};

template <int NS>
int nt_make_lines(const nt_view* const* v, int64_t dim, nt_lines<NS>* L, nt_error* err) {
  const int nd = v[0]->ndim;
  for (int k = 0; k < NS; k++) {
    if (v[k]->ndim != nd) return nt_errorf(err, "view %d has %d dims, expected %d", k, (int)v[k]->ndim, nd);
    if (nt_check_view(v[k], k == 0 ? "input" : "output", err)) return 1;
  }
  if (dim < 0) dim += nd;
  if (nd == 0 ? (dim != 0) : (dim < 0 || dim >= nd))
    return nt_errorf(err, "dim %lld is out of range for a %d-dim tensor", (long long)dim, nd);
  for (int d = 0; d < nd; d++) {
    if (d == dim) continue;
    for (int k = 1; k < NS; k++)
      if (v[k]->shape[d] != v[0]->shape[d])
        return nt_errorf(err, "view %d has size %lld at dim %d, expected %lld", k, (long long)v[k]->shape[d], d, (long long)v[0]->shape[d]);
  }
  L->count = 1;
  L->nd = 0;
  for (int k = 0; k < NS; k++) {
    L->len[k] = nd ? v[k]->shape[dim] : 1;
    L->sd[k] = nd ? v[k]->strides[dim] : 1;
    L->base[k] = v[k]->offset;
  }
  for (int d = 0; d < nd; d++) {
    if (d == dim) continue;
    L->count *= v[0]->shape[d];
    if (v[0]->shape[d] == 1) continue;
    L->shape[L->nd] = v[0]->shape[d];
    for (int k = 0; k < NS; k++) L->st[k][L->nd] = v[k]->strides[d];
    L->nd++;
  }
  int64_t* st[NS];
  for (int k = 0; k < NS; k++) st[k] = L->st[k];
  L->nd = nt_coalesce_dims(L->nd, L->shape, st, NS);
  return 0;
}
