// reduce-plan.cpp — validation and layout of a REDUCE call for the CPU reduce engine: checks the
// views and the mask, drops size-1 dims, merges neighbours, picks vector mode. Not here: any kernel
// (reduce.cpp, reduce-arg.cpp) or the engine itself (reduce-common.h).
#include <stdlib.h>

#include "reduce-common.h"

namespace nt_red {

int check_view(const nt_view* v, const char* what, nt_error* err) {
  if (v->ndim < 0 || v->ndim > NT_MAX_DIMS)
    return nt_fail(err, "%s has %d dims (supported: 0..%d)", what, (int)v->ndim, NT_MAX_DIMS);
  if (v->dtype < 0 || v->dtype >= NT_DTYPE_COUNT)
    return nt_fail(err, "%s has unknown dtype id %d", what, (int)v->dtype);
  for (int d = 0; d < v->ndim; d++)
    if (v->shape[d] < 0) return nt_fail(err, "%s has negative size at dim %d", what, d);
  if (!v->data && nt_view_numel(v) > 0) return nt_fail(err, "%s has no storage", what);
  return 0;
}

int make_plan(const nt_args* a, plan* p, bool reorder, nt_error* err) {
  if (a->nviews < 2) return nt_fail(err, "expected 2 views (input, output), got %d", (int)a->nviews);
  const nt_view* in = &a->v[0];
  const nt_view* out = &a->v[1];
  if (int r = check_view(in, "input", err)) return r;
  if (int r = check_view(out, "output", err)) return r;
  const int nd = in->ndim;
  if (out->ndim != nd)
    return nt_fail(err, "output has %d dims, expected %d (reduced dims kept with size 1)",
                   (int)out->ndim, nd);
  const int64_t mask = a->i[0];
  if (mask < 0 || (mask >> nd) != 0)
    return nt_fail(err, "reduce mask %lld names a dim outside 0..%d", (long long)mask, nd - 1);
  *p = plan();
  p->in_base = in->offset;
  p->out_base = out->offset;
  for (int d = 0; d < nd; d++) {
    bool red = (mask >> d) & 1;
    if (red && out->shape[d] != 1)
      return nt_fail(err, "output dim %d has size %lld, expected 1 (reduced)", d, (long long)out->shape[d]);
    if (!red && out->shape[d] != in->shape[d])
      return nt_fail(err, "output dim %d has size %lld, expected %lld", d, (long long)out->shape[d],
                     (long long)in->shape[d]);
    const int64_t s = in->shape[d];
    if (red) p->n *= s; else p->m *= s;
    if (s == 1) continue;
    if (red) {
      p->rshape[p->nr] = s; p->rin[p->nr] = in->strides[d]; p->nr++;
    } else {
      p->kshape[p->nk] = s; p->kin[p->nk] = in->strides[d]; p->kout[p->nk] = out->strides[d]; p->nk++;
    }
  }
  if (p->m == 0) return 0;
  if (p->n == 0) { p->nr = 0; return 0; }
  // Reduced dims: innermost = smallest stride (the order is free for these ops), then merge.
  if (reorder) {
    for (int i = 1; i < p->nr; i++)  // insertion sort by |stride| descending, stable
      for (int j = i; j > 0 && llabs(p->rin[j - 1]) < llabs(p->rin[j]); j--) {
        std::swap(p->rin[j - 1], p->rin[j]);
        std::swap(p->rshape[j - 1], p->rshape[j]);
      }
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
  // Vector mode when the reduced walk is strided but some kept dim is contiguous: move it last.
  if (p->nr && p->rin[p->nr - 1] != 1) {
    for (int d = p->nk - 1; d >= 0; d--) {
      if (p->kin[d] != 1) continue;
      int64_t s = p->kshape[d], i = p->kin[d], o = p->kout[d];
      for (int e = d; e < p->nk - 1; e++) {
        p->kshape[e] = p->kshape[e + 1]; p->kin[e] = p->kin[e + 1]; p->kout[e] = p->kout[e + 1];
      }
      p->kshape[p->nk - 1] = s; p->kin[p->nk - 1] = i; p->kout[p->nk - 1] = o;
      p->outer = true;
      break;
    }
  }
  return 0;
}

}  // namespace nt_red
