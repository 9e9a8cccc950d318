// gemm-layout.h — how a matmul's views map onto a column-major, strided-batched BLAS call: the
// sizes and strides (batch dims coalesced), which operands need a copy, and the operand swap that
// turns a column-major output into a row-major one. Plain C++ (test/native/cuda-host-test.cpp).
// Not here: the call itself (matmul.cu).
#pragma once
#include <limits.h>
#include <stdint.h>

#include <algorithm>

#include "../../core/view.h"

struct gemm_dims {
  int64_t m, n, k, rsa, csa, rsb, csb, rsc, csc;
  int nb;                              // batch dims after dropping size 1 and merging
  int64_t bshape[NT_MAX_DIMS];
  int64_t bst[3][NT_MAX_DIMS];         // batch strides of a, b, c
  int64_t batch;                       // product of bshape
};

static inline gemm_dims gemm_describe(const nt_view* a, const nt_view* b, const nt_view* c) {
  gemm_dims g;
  const int nd = a->ndim;
  g.m = a->shape[nd - 2], g.k = a->shape[nd - 1], g.n = b->shape[nd - 1];
  g.rsa = a->strides[nd - 2], g.csa = a->strides[nd - 1];
  g.rsb = b->strides[nd - 2], g.csb = b->strides[nd - 1];
  g.rsc = c->strides[nd - 2], g.csc = c->strides[nd - 1];
  g.nb = 0;
  g.batch = 1;
  const nt_view* v[3] = {a, b, c};
  for (int d = 0; d < nd - 2; d++) {
    const int64_t s = c->shape[d];
    g.batch *= s;
    if (s == 1) continue;
    bool merge = g.nb > 0;
    for (int q = 0; q < 3 && merge; q++) merge = g.bst[q][g.nb - 1] == v[q]->strides[d] * s;
    if (merge) {
      g.bshape[g.nb - 1] *= s;
      for (int q = 0; q < 3; q++) g.bst[q][g.nb - 1] = v[q]->strides[d];
    } else {
      g.bshape[g.nb] = s;
      for (int q = 0; q < 3; q++) g.bst[q][g.nb] = v[q]->strides[d];
      g.nb++;
    }
  }
  return g;
}

// A rows x cols matrix with strides (rs, cs) as a BLAS operand: row-major (ld = rs), column-major
// (trans, ld = cs), or not at all. Size-1 dims may have any stride.
struct blas_op {
  bool ok, trans;
  int64_t ld;
};
static inline blas_op blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if (cols == 1 || cs == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : rs;
    if (ld >= std::max<int64_t>(cols, 1) && ld <= INT_MAX) return {true, false, ld};
  }
  if (rows == 1 || rs == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : cs;
    if (ld >= std::max<int64_t>(rows, 1) && ld <= INT_MAX) return {true, true, ld};
  }
  return {false, false, 0};
}

// The column-major call C^T (M x N, ldc) = op(X) op(Y) with X = B and Y = A (after the swap for a
// column-major C: X = A^T's storage, Y = B^T's), strided over the innermost batch dim and looped
// over the others (`outer`).
struct blas_plan {
  bool swapped, fits_int;
  blas_op a, b, c;        // layouts of the original operands (ok flags say which need a copy)
  blas_op x, y;           // the call's operands
  int64_t M, N, K, ldc;
  int64_t count, sx, sy, sc;  // innermost batch dim: size and X/Y/C strides
  int no;
  int64_t outer, oshape[NT_MAX_DIMS], ost[3][NT_MAX_DIMS];  // other batch dims: a, b, c strides
  void outer_offsets(int64_t o, int64_t* oa, int64_t* ob, int64_t* oc) const {
    *oa = *ob = *oc = 0;
    for (int d = no - 1; d >= 0; d--) {
      const int64_t i = o % oshape[d];
      o /= oshape[d];
      *oa += i * ost[0][d], *ob += i * ost[1][d], *oc += i * ost[2][d];
    }
  }
};

static inline blas_plan blas_plan_for(const gemm_dims& g) {
  blas_plan p;
  int64_t m = g.m, n = g.n, rsa = g.rsa, csa = g.csa, rsb = g.rsb, csb = g.csb, rsc = g.rsc, csc = g.csc;
  blas_op oc = blas_layout(m, n, rsc, csc);
  p.swapped = oc.ok && oc.trans;
  if (p.swapped) {  // C^T = B^T A^T: C^T is row-major
    std::swap(m, n);
    const int64_t ra = rsa, ca = csa;
    rsa = csb, csa = rsb, rsb = ca, csb = ra;
    std::swap(rsc, csc);
    oc = blas_layout(m, n, rsc, csc);
  }
  const blas_op oa = blas_layout(m, g.k, rsa, csa), ob = blas_layout(g.k, n, rsb, csb);
  // Report which ORIGINAL operands are usable (the swap exchanges a and b).
  p.a = p.swapped ? ob : oa;
  p.b = p.swapped ? oa : ob;
  p.c = oc;
  p.x = ob, p.y = oa;
  p.M = n, p.N = m, p.K = g.k, p.ldc = oc.ld;
  const int last = g.nb - 1;
  p.count = g.nb ? g.bshape[last] : 1;
  const int64_t sa = g.nb ? g.bst[0][last] : 0, sb = g.nb ? g.bst[1][last] : 0;
  p.sc = g.nb ? g.bst[2][last] : 0;
  p.sx = p.swapped ? sa : sb;
  p.sy = p.swapped ? sb : sa;
  p.no = g.nb ? g.nb - 1 : 0;
  p.outer = 1;
  for (int d = 0; d < p.no; d++) {
    p.oshape[d] = g.bshape[d];
    for (int q = 0; q < 3; q++) p.ost[q][d] = g.bst[q][d];
    p.outer *= g.bshape[d];
  }
  p.fits_int = p.M <= INT_MAX && p.N <= INT_MAX && p.K <= INT_MAX && p.count <= INT_MAX;
  return p;
}
