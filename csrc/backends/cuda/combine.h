// combine.h — the associative pieces of the CUDA reductions, NT_HD so the host tests check them
// with random splits and merge orders (a GPU combines partial results in an order no test picks):
// NaN-propagating extremes, argmax/argmin pairs, Welford variance, online softmax (max, sum).
// Not here: loops, shared memory or stores (reduce.cu, softmax.cu).
#pragma once
#include <math.h>
#include <stdint.h>

#include "../../core/dtype.h"

// The extreme of a and x (max when mx); a NaN in either wins (the earlier one when both are).
template <class V> NT_HD V nt_pick(V a, V x, bool mx) { return (x != x || (mx ? x > a : x < a)) ? x : a; }

// argmax / argmin partial result: index -1 = nothing seen. Ties keep the smaller index; NaN wins
// (the first NaN when several): the CPU backend's first-extreme rule, in any merge order.
template <class V> struct nt_arg_pair { V v; int64_t i; };
template <class V>
NT_HD nt_arg_pair<V> nt_arg_merge(nt_arg_pair<V> a, nt_arg_pair<V> b, bool mx) {
  if (a.i < 0) return b;
  if (b.i < 0) return a;
  const bool an = a.v != a.v, bn = b.v != b.v;
  if (an || bn) return (an && bn) ? (a.i < b.i ? a : b) : (an ? a : b);
  if (mx ? b.v > a.v : b.v < a.v) return b;
  if (b.v == a.v && b.i < a.i) return b;
  return a;
}

// Welford's running (count, mean, sum of squared deviations), merged with Chan et al.'s formula.
struct nt_welford { double n, mean, m2; };
NT_HD nt_welford nt_welford_add(nt_welford a, double v) {
  const double n = a.n + 1, d = v - a.mean, mean = a.mean + d / n;
  return nt_welford{n, mean, a.m2 + d * (v - mean)};
}
NT_HD nt_welford nt_welford_merge(nt_welford a, nt_welford b) {
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  const double n = a.n + b.n, d = b.mean - a.mean;
  return nt_welford{n, a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n * b.n / n)};
}

// Online softmax: running max m and s = sum exp(x - m). Matches the two-pass form's special cases:
// NaN reaches s; an all -inf line ends with s = 0 (outputs NaN); a +inf max contributes NaN, as
// exp(inf - inf) does.
NT_HD float nt_exp(float x) { return expf(x); }
NT_HD double nt_exp(double x) { return exp(x); }
template <class C> struct nt_msum { C m, s; };
template <class C>
NT_HD void nt_msum_add(nt_msum<C>& a, C x) {
  if (x > a.m) { a.s = a.s * nt_exp(a.m - x) + (x == (C)INFINITY ? (C)NAN : (C)1); a.m = x; }
  else if (!(x == -(C)INFINITY && a.m == -(C)INFINITY)) a.s += nt_exp(x - a.m);
}
template <class C>
NT_HD nt_msum<C> nt_msum_merge(nt_msum<C> a, nt_msum<C> b) {
  if (a.m == -(C)INFINITY) return nt_msum<C>{b.m, a.s + b.s};
  if (b.m == -(C)INFINITY) return nt_msum<C>{a.m, a.s + b.s};
  const C m = a.m > b.m ? a.m : b.m;
  return nt_msum<C>{m, a.s * nt_exp(a.m - m) + b.s * nt_exp(b.m - m)};
}
