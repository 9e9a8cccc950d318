// plans.h — host-side layouts the CUDA kernels consume, checked like the CPU backend checks them:
// the reduction plan (kept and reduced dims), lines along one dim (softmax, cumsum, sort), and the
// error helper. Plain C++ (test/native/cuda-host-test.cpp runs it). Not here: kernels or launches.
#pragma once
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../core/view.h"

// Fills err with printf-style text and returns 1 (the core prefixes the op name).
static inline int nt_cu_fail(nt_error* err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int nt_cu_fail(nt_error* err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, NT_ERR_LEN, fmt, ap);
  va_end(ap);
  return 1;
}

static inline int nt_cu_check_view(const nt_view* v, const char* what, nt_error* err) {
  if (v->dtype < 0 || v->dtype >= NT_DTYPE_COUNT) return nt_cu_fail(err, "%s has an unknown dtype id %d", what, (int)v->dtype);
  if (v->ndim < 0 || v->ndim > NT_MAX_DIMS) return nt_cu_fail(err, "%s has %d dims (at most %d supported)", what, (int)v->ndim, NT_MAX_DIMS);
  for (int d = 0; d < v->ndim; d++)
    if (v->shape[d] < 0) return nt_cu_fail(err, "%s has a negative size %lld at dim %d", what, (long long)v->shape[d], d);
  if (!v->data && nt_view_numel(v) > 0) return nt_cu_fail(err, "%s has no storage", what);
  return 0;
}

static inline bool nt_cu_same_shape(const nt_view* a, const nt_view* b) {
  if (a->ndim != b->ndim) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

static inline const char* nt_cu_shape_str(const nt_view* v, char* buf, int len) {
  int n = snprintf(buf, len, "[");
  for (int d = 0; d < v->ndim && n < len; d++) n += snprintf(buf + n, len - n, d ? ", %lld" : "%lld", (long long)v->shape[d]);
  if (n < len) snprintf(buf + n, len - n, "]");
  return buf;
}

// ---------------------------------------------------------------- reductions
// Kept dims map in -> out; reduced dims walk `in` only. Size-1 dims dropped, neighbours merged;
// reduced dims innermost = smallest |stride| when `reorder` (argmax keeps its one dim as is).
struct nt_red_plan {
  int nk = 0, nr = 0;
  int64_t kshape[NT_MAX_DIMS], kin[NT_MAX_DIMS], kout[NT_MAX_DIMS];
  int64_t rshape[NT_MAX_DIMS], rin[NT_MAX_DIMS];
  int64_t m = 1, n = 1;  // outputs, elements per output
};

static inline int nt_make_red_plan(const nt_args* a, nt_red_plan* p, bool reorder, nt_error* err) {
  if (a->nviews < 2) return nt_cu_fail(err, "expected 2 views (input, output), got %d", (int)a->nviews);
  const nt_view *in = &a->v[0], *out = &a->v[1];
  if (nt_cu_check_view(in, "input", err) || nt_cu_check_view(out, "output", err)) return 1;
  const int nd = in->ndim;
  if (out->ndim != nd) return nt_cu_fail(err, "output has %d dims, expected %d (reduced dims kept with size 1)", (int)out->ndim, nd);
  const int64_t mask = a->i[0];
  if (mask < 0 || (mask >> nd) != 0) return nt_cu_fail(err, "reduce mask %lld names a dim outside 0..%d", (long long)mask, nd - 1);
  *p = nt_red_plan();
  for (int d = 0; d < nd; d++) {
    const bool red = (mask >> d) & 1;
    if (red && out->shape[d] != 1) return nt_cu_fail(err, "output dim %d has size %lld, expected 1 (reduced)", d, (long long)out->shape[d]);
    if (!red && out->shape[d] != in->shape[d])
      return nt_cu_fail(err, "output dim %d has size %lld, expected %lld", d, (long long)out->shape[d], (long long)in->shape[d]);
    const int64_t s = in->shape[d];
    if (red) p->n *= s; else p->m *= s;
    if (s == 1) continue;
    if (red) { p->rshape[p->nr] = s; p->rin[p->nr] = in->strides[d]; p->nr++; }
    else { p->kshape[p->nk] = s; p->kin[p->nk] = in->strides[d]; p->kout[p->nk] = out->strides[d]; p->nk++; }
  }
  if (p->m == 0 || p->n == 0) { p->nr = 0; return 0; }
  if (reorder)
    for (int i = 1; i < p->nr; i++)  // by |stride| descending, stable
      for (int j = i; j > 0 && llabs(p->rin[j - 1]) < llabs(p->rin[j]); j--) {
        int64_t t = p->rin[j - 1]; p->rin[j - 1] = p->rin[j]; p->rin[j] = t;
        t = p->rshape[j - 1]; p->rshape[j - 1] = p->rshape[j]; p->rshape[j] = t;
      }
  int w = 0;
  for (int d = 1; d < p->nr; d++) {
    if (p->rin[w] == p->rin[d] * p->rshape[d]) { p->rshape[w] *= p->rshape[d]; p->rin[w] = p->rin[d]; }
    else { w++; p->rshape[w] = p->rshape[d]; p->rin[w] = p->rin[d]; }
  }
  if (p->nr) p->nr = w + 1;
  w = 0;
  for (int d = 1; d < p->nk; d++) {
    if (p->kin[w] == p->kin[d] * p->kshape[d] && p->kout[w] == p->kout[d] * p->kshape[d]) {
      p->kshape[w] *= p->kshape[d]; p->kin[w] = p->kin[d]; p->kout[w] = p->kout[d];
    } else {
      w++; p->kshape[w] = p->kshape[d]; p->kin[w] = p->kin[d]; p->kout[w] = p->kout[d];
    }
  }
  if (p->nk) p->nk = w + 1;
  return 0;
}

// ---------------------------------------------------------------- lines along one dim
// Every view has v[0]'s shape except along `dim`. The other dims (size-1 dropped, merged where all
// views allow) enumerate the lines; `st[k]` are their strides in view k, `base[k]` its offset.
template <int NS>
struct nt_lines {
  int64_t len[NS], sd[NS], base[NS];
  int64_t count = 1;
  int nd = 0;
  int64_t shape[NT_MAX_DIMS];
  int64_t st[NS][NT_MAX_DIMS];
};

template <int NS>
int nt_make_lines(const nt_view* const* v, int64_t dim, nt_lines<NS>* L, nt_error* err) {
  const int nd = v[0]->ndim;
  for (int k = 0; k < NS; k++) {
    if (v[k]->ndim != nd) return nt_cu_fail(err, "view %d has %d dims, expected %d", k, (int)v[k]->ndim, nd);
    if (nt_cu_check_view(v[k], k == 0 ? "input" : "output", err)) return 1;
  }
  if (dim < 0) dim += nd;
  if (nd == 0 ? (dim != 0) : (dim < 0 || dim >= nd))
    return nt_cu_fail(err, "dim %lld is out of range for a %d-dim tensor", (long long)dim, nd);
  for (int d = 0; d < nd; d++) {
    if (d == dim) continue;
    for (int k = 1; k < NS; k++)
      if (v[k]->shape[d] != v[0]->shape[d])
        return nt_cu_fail(err, "view %d has size %lld at dim %d, expected %lld", k, (long long)v[k]->shape[d], d, (long long)v[0]->shape[d]);
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
    bool merge = L->nd > 0;
    for (int k = 0; k < NS && merge; k++)
      if (L->st[k][L->nd - 1] != v[k]->strides[d] * v[0]->shape[d]) merge = false;
    if (merge) {
      L->shape[L->nd - 1] *= v[0]->shape[d];
      for (int k = 0; k < NS; k++) L->st[k][L->nd - 1] = v[k]->strides[d];
    } else {
      L->shape[L->nd] = v[0]->shape[d];
      for (int k = 0; k < NS; k++) L->st[k][L->nd] = v[k]->strides[d];
      L->nd++;
    }
  }
  return 0;
}
