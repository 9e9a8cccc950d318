// reduce-plan.cpp — a REDUCE call laid out for the CPU reduce engine: the core's plan (validation,
// kept/reduced split, coalescing: core/plans.h), then vector mode when it pays. Not here: any kernel
// (reduce.cpp, reduce-arg.cpp) or the engine itself (reduce-common.h).
#include "reduce-common.h"

namespace nt_red {

int make_plan(const nt_args* a, plan* p, bool reorder, nt_error* err) {
  p->outer = false;
  if (int r = nt_make_red_plan(a, p, reorder, err)) return r;
  if (p->m == 0 || p->n == 0) return 0;
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
