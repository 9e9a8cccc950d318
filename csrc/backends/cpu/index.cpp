// index.cpp — CPU kernels for index_select, gather, scatter, scatter_add, index_add and take, with
// every index checked (a bad one fails the op; nothing outside a view is ever read or written).
// Not here: shape inference (TS) or negative-index wrapping beyond take's (torch errors elsewhere).
//
// Error handling: index_select and index_add read the (1-D) index once up front, so a bad index
// fails before anything is written. gather, take and the scatters check inline; on a bad index the
// element is skipped, fresh outputs (gather, take) are zeroed, in-place outputs (scatter*) keep what
// was done, and the index is rescanned serially so the message names the FIRST bad index in its
// logical order whatever the thread count.
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "../../core/dispatch.h"
#include "../../core/iter.h"
#include "../../core/parallel.h"
#include "copy-cast.h"
#include "kernels.h"

namespace {

const int64_t kGrain = 32768;

// ---- view helpers ----

nt_view scalar_as_1d(nt_view v) {
  if (v.ndim == 0) {
    v.ndim = 1;
    v.shape[0] = 1;
    v.strides[0] = 1;
  }
  return v;
}

nt_view drop_dim(nt_view v, int dim) {
  for (int d = dim; d + 1 < v.ndim; d++) {
    v.shape[d] = v.shape[d + 1];
    v.strides[d] = v.strides[d + 1];
  }
  v.ndim--;
  return v;
}

nt_view with_shape_of(nt_view v, const nt_view& like) {
  for (int d = 0; d < v.ndim; d++) v.shape[d] = like.shape[d];
  return v;
}

// Unsigned type of a dtype's size: data moves as bits (keeps NaN payloads, no bool UB).
#define DISPATCH_BITS(DT, U, ...)                        \
  switch (nt_dtype_size(DT)) {                           \
    case 1: { typedef uint8_t U; __VA_ARGS__; break; }   \
    case 2: { typedef uint16_t U; __VA_ARGS__; break; }  \
    case 4: { typedef uint32_t U; __VA_ARGS__; break; }  \
    default: { typedef uint64_t U; __VA_ARGS__; break; } \
  }

#define DISPATCH_INDEX(DT, I, ...)                              \
  if ((DT) == NT_I64) { typedef int64_t I; __VA_ARGS__; }      \
  else { typedef int32_t I; __VA_ARGS__; }

int check_index_dtype(const nt_view& idx, nt_error* err) {
  if (idx.dtype != NT_I64 && idx.dtype != NT_I32)
    return nt_fail(err, "index dtype must be int64 or int32, got %s", nt_dtype_name(idx.dtype));
  return 0;
}

int check_dim(int64_t dim, int ndim, nt_error* err) {
  if (dim < 0 || dim >= ndim)
    return nt_fail(err, "dim %lld is out of range for a tensor with %d dims", (long long)dim, ndim);
  return 0;
}

int check_same_dtype(const nt_view& a, const char* an, const nt_view& b, const char* bn, nt_error* err) {
  if (a.dtype != b.dtype)
    return nt_fail(err, "%s dtype %s does not match %s dtype %s", an, nt_dtype_name(a.dtype), bn,
                   nt_dtype_name(b.dtype));
  return 0;
}

int range_error(nt_error* err, int64_t v, int dim, int64_t size) {
  return nt_fail(err, "index %lld is out of range for dimension %d with size %lld", (long long)v, dim,
                 (long long)size);
}

// First index (logical order) outside [0, size) — or [-size, size) with wrap; false if none.
template <typename I>
bool first_bad(const nt_view& idx, int64_t size, bool wrap, int64_t* bad) {
  const I* p = (const I*)idx.data;
  const int64_t n = nt_view_numel(&idx);
  for (int64_t e = 0; e < n; e++) {
    int64_t v = (int64_t)p[nt_view_offset_of(&idx, e)];
    int64_t w = (wrap && v < 0) ? v + size : v;
    if (w < 0 || w >= size) { *bad = v; return true; }
  }
  return false;
}

int report_bad(const nt_view& idx, int64_t size, bool wrap, int dim, nt_error* err) {
  int64_t bad = 0;
  bool found = false;
  DISPATCH_INDEX(idx.dtype, I, found = first_bad<I>(idx, size, wrap, &bad));
  if (!found) return nt_fail(err, "an index changed while the op ran (does the output alias the index?)");
  if (dim < 0)
    return nt_fail(err, "index %lld is out of range for a tensor with %lld elements", (long long)bad,
                   (long long)size);
  return range_error(err, bad, dim, size);
}

// Zeroes a freshly allocated output after a failure so it never holds uninitialised memory.
template <typename U>
void zero_view(const nt_view& out) {
  nt_strided<1> it = nt_make_strided<1>({&out});
  U* o = (U*)out.data;
  nt_strided_range(it, 0, it.numel, [&](const int64_t* off, const int64_t* st, int64_t n) {
    for (int64_t j = 0; j < n; j++) o[off[0] + j * st[0]] = 0;
  });
}

// Reads a 1-D index into `vals`, checking every entry against [0, size).
int load_index_1d(const nt_view& idx, int64_t size, int dim, std::vector<int64_t>& vals, nt_error* err) {
  const int64_t n = nt_view_numel(&idx);
  const int64_t st = idx.ndim == 0 ? 0 : idx.strides[0];
  vals.resize((size_t)n);
  DISPATCH_INDEX(idx.dtype, I, {
    const I* p = (const I*)idx.data + idx.offset;
    for (int64_t k = 0; k < n; k++) vals[(size_t)k] = (int64_t)p[k * st];
  });
  for (int64_t k = 0; k < n; k++)
    if (vals[(size_t)k] < 0 || vals[(size_t)k] >= size) return range_error(err, vals[(size_t)k], dim, size);
  return 0;
}

// ---- accumulation in the compute type (16-bit floats in float; ints wrap; bool is or) ----

template <typename D>
inline void acc_add(D* p, nt_compute_t<D> v) {
  typedef nt_compute_t<D> C;
  if constexpr (std::is_floating_point<C>::value) {
    nt_cast_store<D>(p, (C)(nt_cpu_ld<D>(p) + v));
  } else if constexpr (std::is_same<C, bool>::value) {
    *p = nt_cpu_ld<D>(p) || v;
  } else {
    typedef typename std::make_unsigned<D>::type UD;
    *p = (D)(UD)((UD)*p + (UD)v);
  }
}

// alpha * x in D's compute type (ints: alpha truncated, product wraps; bool: x && alpha != 0).
template <typename D>
inline nt_compute_t<D> scaled(nt_compute_t<D> x, double alpha) {
  typedef nt_compute_t<D> C;
  if constexpr (std::is_floating_point<C>::value) {
    return (C)alpha * x;
  } else if constexpr (std::is_same<C, bool>::value) {
    return x && alpha != 0;
  } else {
    uint64_t a = (uint64_t)nt_sat_trunc<int64_t>(alpha);
    D r;
    nt_cast_store<D>(&r, (int64_t)(a * (uint64_t)(int64_t)x));
    return r;
  }
}

// Runs f(o0, o1, o2, k) for every sub-element (3 views of one shape) and k in [0, K), where view v's
// element k is at o_v + k * kst[v]. Threads split the sub-elements only and each walks k upwards,
// so two threads never touch one output element and duplicates apply in index order.
template <typename F>
void along_dim(const nt_strided<3>& it, int64_t K, const int64_t kst[3], F&& f) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(K, 1));
  nt::parallel_for(0, it.numel, grain, [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
      const bool k_inner = std::llabs(kst[0]) <= std::llabs(st[0]);  // walk view 0 in memory order
      if (k_inner) {
        for (int64_t j = 0; j < n; j++) {
          int64_t a = off[0] + j * st[0], b = off[1] + j * st[1], c = off[2] + j * st[2];
          for (int64_t k = 0; k < K; k++) f(a + k * kst[0], b + k * kst[1], c + k * kst[2], k);
        }
      } else {
        for (int64_t k = 0; k < K; k++)
          for (int64_t j = 0; j < n; j++)
            f(off[0] + j * st[0] + k * kst[0], off[1] + j * st[1] + k * kst[1], off[2] + j * st[2] + k * kst[2], k);
      }
    });
  });
}

// ---- index_select: v0 = in, v1 = index (1-D), v2 = out; i[0] = dim ----

int index_select_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view in = scalar_as_1d(a->v[0]), idx = a->v[1], out = scalar_as_1d(a->v[2]);
  if (nt_check_view(&in, "input", err) || nt_check_view(&idx, "index", err) ||
      nt_check_view(&out, "output", err) || check_index_dtype(idx, err) ||
      check_same_dtype(in, "input", out, "output", err) || check_dim(a->i[0], in.ndim, err))
    return 1;
  const int dim = (int)a->i[0];
  const int64_t L = nt_view_numel(&idx);
  if (idx.ndim > 1) return nt_fail(err, "index must be 1-D, got %d dims", (int)idx.ndim);
  bool shape_ok = out.ndim == in.ndim && out.shape[dim] == L;
  for (int d = 0; d < in.ndim && shape_ok; d++) shape_ok = d == dim || out.shape[d] == in.shape[d];
  if (!shape_ok) {
    char b1[160], b2[160];
    return nt_fail(err, "output shape %s does not match input %s with dim %d of size %lld",
                   nt_shape_str(&out, b1, sizeof b1), nt_shape_str(&in, b2, sizeof b2), dim, (long long)L);
  }
  std::vector<int64_t> vals;
  if (load_index_1d(idx, in.shape[dim], dim, vals, err)) return 1;
  const nt_view in_sub = drop_dim(in, dim), out_sub = drop_dim(out, dim);
  const nt_strided<2> it = nt_make_strided<2>({&out_sub, &in_sub});
  const int64_t M = it.numel, ost = out.strides[dim], ist = in.strides[dim];
  if (L * M == 0) return 0;
  DISPATCH_BITS(in.dtype, U, {
    U* o = (U*)out.data;
    const U* s = (const U*)in.data;
    if (M == 1) {  // one element per index (e.g. a 1-D input): no sub-iteration
      nt::parallel_for(0, L, kGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t j = lo; j < hi; j++) o[it.base[0] + j * ost] = s[it.base[1] + vals[(size_t)j] * ist];
      });
      return 0;
    }
    nt::parallel_for(0, L * M, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t pos = lo; pos < hi;) {
        const int64_t j = pos / M, r = pos % M, end = std::min(hi, (j + 1) * M);
        const int64_t dout = j * ost, din = vals[(size_t)j] * ist;
        nt_strided_range(it, r, r + (end - pos), [&](const int64_t* off, const int64_t* st, int64_t n) {
          U* po = o + off[0] + dout;
          const U* ps = s + off[1] + din;
          if (st[0] == 1 && st[1] == 1) memcpy(po, ps, (size_t)n * sizeof(U));
          else for (int64_t q = 0; q < n; q++) po[q * st[0]] = ps[q * st[1]];
        });
        pos = end;
      }
    });
  });
  return 0;
}

// ---- gather: v0 = in, v1 = index, v2 = out (index's shape); i[0] = dim ----

int gather_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view in = scalar_as_1d(a->v[0]), idx = scalar_as_1d(a->v[1]), out = scalar_as_1d(a->v[2]);
  if (nt_check_view(&in, "input", err) || nt_check_view(&idx, "index", err) ||
      nt_check_view(&out, "output", err) || check_index_dtype(idx, err) ||
      check_same_dtype(in, "input", out, "output", err) || check_dim(a->i[0], in.ndim, err))
    return 1;
  const int dim = (int)a->i[0];
  bool shape_ok = idx.ndim == in.ndim && nt_same_shape(&idx, &out);
  for (int d = 0; d < in.ndim && shape_ok; d++) shape_ok = d == dim || idx.shape[d] <= in.shape[d];
  if (!shape_ok) {
    char b1[160], b2[160], b3[160];
    return nt_fail(err, "index shape %s must match output %s and not exceed input %s outside dim %d",
                   nt_shape_str(&idx, b1, sizeof b1), nt_shape_str(&out, b2, sizeof b2),
                   nt_shape_str(&in, b3, sizeof b3), dim);
  }
  if (nt_view_numel(&idx) == 0) return 0;
  nt_view in_r = with_shape_of(in, idx);
  in_r.strides[dim] = 0;  // the dim's coordinate comes from the index
  const nt_strided<3> it = nt_make_strided<3>({&out, &idx, &in_r});
  const int64_t size = in.shape[dim], ist = in.strides[dim];
  std::atomic<bool> bad{false};
  DISPATCH_BITS(in.dtype, U, DISPATCH_INDEX(idx.dtype, I, {
    U* o = (U*)out.data;
    const U* s = (const U*)in.data;
    const I* ip = (const I*)idx.data;
    nt::parallel_for(0, it.numel, kGrain, [&](int64_t lo, int64_t hi) {
      nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
        for (int64_t j = 0; j < n; j++) {
          const int64_t v = (int64_t)ip[off[1] + j * st[1]];
          if (v < 0 || v >= size) { bad.store(true, std::memory_order_relaxed); continue; }
          o[off[0] + j * st[0]] = s[off[2] + j * st[2] + v * ist];
        }
      });
    });
    if (bad.load()) zero_view<U>(out);
  }));
  return bad.load() ? report_bad(idx, size, false, dim, err) : 0;
}

// ---- scatter / scatter_add: v0 = src, v1 = index, v2 = out (in place); i[0] = dim;
//      i[1] = 1: src is the scalar f[0] ----

template <typename D, typename I, bool ADD>
bool scatter_typed(const nt_args* a, const nt_view& src, const nt_view& idx, const nt_view& out, int dim) {
  const bool scalar = a->i[1] == 1;
  const nt_view out_r = drop_dim(with_shape_of(out, idx), dim);
  const nt_view idx_sub = drop_dim(idx, dim);
  const nt_view src_sub = scalar ? idx_sub : drop_dim(with_shape_of(src, idx), dim);
  const nt_strided<3> it = nt_make_strided<3>({&idx_sub, &out_r, &src_sub});
  const int64_t kst[3] = {idx.strides[dim], 0, scalar ? 0 : src.strides[dim]};
  const int64_t size = out.shape[dim], ost = out.strides[dim];
  D sv;
  nt_cast_store<D>(&sv, a->f[0]);
  D* o = (D*)out.data;
  const D* s = scalar ? &sv : (const D*)src.data;
  const I* ip = (const I*)idx.data;
  std::atomic<bool> bad{false};
  along_dim(it, idx.shape[dim], kst, [&](int64_t oi, int64_t oo, int64_t os, int64_t) {
    const int64_t v = (int64_t)ip[oi];
    if (v < 0 || v >= size) { bad.store(true, std::memory_order_relaxed); return; }
    const D* ps = scalar ? &sv : s + os;
    D* po = o + oo + v * ost;
    if constexpr (ADD) acc_add<D>(po, nt_cpu_ld<D>(ps));
    else memcpy(po, ps, sizeof(D));
  });
  return bad.load();
}

template <bool ADD>
int scatter_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (src, index, out), got %d", (int)a->nviews);
  const bool scalar = a->i[1] == 1;
  const nt_view src = scalar_as_1d(a->v[0]), idx = scalar_as_1d(a->v[1]), out = scalar_as_1d(a->v[2]);
  if (nt_check_view(&idx, "index", err) || nt_check_view(&out, "output", err) ||
      check_index_dtype(idx, err) || check_dim(a->i[0], out.ndim, err))
    return 1;
  if (!scalar && (nt_check_view(&src, "src", err) || check_same_dtype(src, "src", out, "output", err)))
    return 1;
  const int dim = (int)a->i[0];
  bool shape_ok = idx.ndim == out.ndim && (scalar || src.ndim == idx.ndim);
  for (int d = 0; d < idx.ndim && shape_ok; d++)
    shape_ok = (d == dim || idx.shape[d] <= out.shape[d]) && (scalar || idx.shape[d] <= src.shape[d]);
  if (!shape_ok) {
    char b1[160], b2[160], b3[160];
    return nt_fail(err, "index shape %s must not exceed src %s, nor output %s outside dim %d",
                   nt_shape_str(&idx, b1, sizeof b1), scalar ? "(scalar)" : nt_shape_str(&src, b2, sizeof b2),
                   nt_shape_str(&out, b3, sizeof b3), dim);
  }
  if (nt_view_numel(&idx) == 0) return 0;
  bool bad = false;
  NT_DISPATCH_ALL(out.dtype, D, DISPATCH_INDEX(idx.dtype, I, bad = scatter_typed<D, I, ADD>(a, src, idx, out, dim)));
  return bad ? report_bad(idx, out.shape[dim], false, dim, err) : 0;
}

// ---- index_add: v0 = src, v1 = index (1-D), v2 = out (in place); i[0] = dim, f[0] = alpha ----

int index_add_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (src, index, out), got %d", (int)a->nviews);
  const nt_view src = scalar_as_1d(a->v[0]), idx = a->v[1], out = scalar_as_1d(a->v[2]);
  if (nt_check_view(&src, "src", err) || nt_check_view(&idx, "index", err) ||
      nt_check_view(&out, "output", err) || check_index_dtype(idx, err) ||
      check_same_dtype(src, "src", out, "output", err) || check_dim(a->i[0], out.ndim, err))
    return 1;
  const int dim = (int)a->i[0];
  const int64_t L = nt_view_numel(&idx);
  if (idx.ndim > 1) return nt_fail(err, "index must be 1-D, got %d dims", (int)idx.ndim);
  bool shape_ok = src.ndim == out.ndim && src.shape[dim] == L;
  for (int d = 0; d < out.ndim && shape_ok; d++) shape_ok = d == dim || src.shape[d] == out.shape[d];
  if (!shape_ok) {
    char b1[160], b2[160];
    return nt_fail(err, "src shape %s does not match output %s with dim %d of size %lld",
                   nt_shape_str(&src, b1, sizeof b1), nt_shape_str(&out, b2, sizeof b2), dim, (long long)L);
  }
  std::vector<int64_t> vals;
  if (load_index_1d(idx, out.shape[dim], dim, vals, err)) return 1;
  if (nt_view_numel(&src) == 0) return 0;
  const nt_view src_sub = drop_dim(src, dim), out_sub = drop_dim(out, dim);
  const nt_strided<3> it = nt_make_strided<3>({&src_sub, &out_sub, &src_sub});
  const int64_t kst[3] = {src.strides[dim], 0, 0}, ost = out.strides[dim];
  const double alpha = a->f[0];
  NT_DISPATCH_ALL(out.dtype, D, {
    D* o = (D*)out.data;
    const D* s = (const D*)src.data;
    along_dim(it, L, kst, [&](int64_t os, int64_t oo, int64_t, int64_t k) {
      acc_add<D>(o + oo + vals[(size_t)k] * ost, scaled<D>(nt_cpu_ld<D>(s + os), alpha));
    });
  });
  return 0;
}

// ---- take: v0 = in, v1 = index (any shape), v2 = out (index's shape); flat row-major index ----

int take_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view& in = a->v[0];
  const nt_view& idx = a->v[1];
  const nt_view& out = a->v[2];
  if (nt_check_view(&in, "input", err) || nt_check_view(&idx, "index", err) ||
      nt_check_view(&out, "output", err) || check_index_dtype(idx, err) ||
      check_same_dtype(in, "input", out, "output", err))
    return 1;
  if (!nt_same_shape(&idx, &out)) {
    char b1[160], b2[160];
    return nt_fail(err, "output shape %s does not match index shape %s", nt_shape_str(&out, b1, sizeof b1),
                   nt_shape_str(&idx, b2, sizeof b2));
  }
  if (nt_view_numel(&idx) == 0) return 0;
  const int64_t N = nt_view_numel(&in);
  const bool flat = nt_view_is_contiguous(&in);
  const nt_strided<2> it = nt_make_strided<2>({&out, &idx});
  std::atomic<bool> bad{false};
  DISPATCH_BITS(in.dtype, U, DISPATCH_INDEX(idx.dtype, I, {
    U* o = (U*)out.data;
    const U* s = (const U*)in.data;
    const I* ip = (const I*)idx.data;
    nt::parallel_for(0, it.numel, kGrain, [&](int64_t lo, int64_t hi) {
      nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
        for (int64_t j = 0; j < n; j++) {
          int64_t v = (int64_t)ip[off[1] + j * st[1]];
          if (v < 0) v += N;  // wraps once, like torch
          if (v < 0 || v >= N) { bad.store(true, std::memory_order_relaxed); continue; }
          o[off[0] + j * st[0]] = s[flat ? in.offset + v : nt_view_offset_of(&in, v)];
        }
      });
    });
    if (bad.load()) zero_view<U>(out);
  }));
  return bad.load() ? report_bad(idx, N, true, -1, err) : 0;
}

}  // namespace

void nt_cpu_register_index(nt_kernel_fn* slots) {
  slots[NT_OP_index_select] = index_select_kernel;
  slots[NT_OP_gather] = gather_kernel;
  slots[NT_OP_scatter] = scatter_kernel<false>;
  slots[NT_OP_scatter_add] = scatter_kernel<true>;
  slots[NT_OP_index_add] = index_add_kernel;
  slots[NT_OP_take] = take_kernel;
}
