// reduce-common.h — shared machinery of the CPU reduce/dim/sort family: typed loads and stores,
// odometers over the core's plans (core/plans.h: reduction plan, lines along a dim) and the engine
// that runs an accumulator op over a plan. Not here: any particular op (reduce.cpp, reduce-arg.cpp,
// softmax.cpp, sort.cpp) or the plans' validation and coalescing (core/plans.h).
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <new>
#include <vector>

#include "../../core/dispatch.h"
#include "../../core/iter.h"
#include "../../core/parallel.h"
#include "../../core/plans.h"
#include "../../core/simd.h"
#include "kernels.h"

// Sub-registration of the family's files; nt_cpu_register_reduce (reduce.cpp) calls them all.
void nt_cpu_register_reduce_arg(nt_kernel_fn* slots);  // argmax argmin var (reduce-arg.cpp)
void nt_cpu_register_softmax(nt_kernel_fn* slots);     // softmax log_softmax cumsum cumprod
void nt_cpu_register_sort(nt_kernel_fn* slots);        // sort topk

namespace nt_red {

// Whether to take the AVX2 paths. Building with -DNT_NO_AVX2 forces the portable ones (the native
// test is built both ways so both stay covered).
static inline bool use_avx2() {
#ifdef NT_NO_AVX2
  return false;
#else
  return nt_cpu_has_avx2();
#endif
}

// NOTE: bool storage is read as a byte and normalised (x != 0): loading a `bool` holding a byte
// other than 0/1 is undefined behaviour, and storage may come from a raw copy.
struct bool8 { uint8_t v; };

static inline float ld(const float* p) { return *p; }
static inline double ld(const double* p) { return *p; }
static inline float ld(const nt_half* p) { return nt_half_to_float(p->bits); }
static inline float ld(const nt_bf16* p) { return nt_bf16_to_float(p->bits); }
static inline int32_t ld(const int32_t* p) { return *p; }
static inline int64_t ld(const int64_t* p) { return *p; }
static inline uint8_t ld(const uint8_t* p) { return *p; }
static inline uint8_t ld(const bool8* p) { return p->v != 0; }

template <class T> struct is_fp { static const bool value = false; };
template <> struct is_fp<float> { static const bool value = true; };
template <> struct is_fp<double> { static const bool value = true; };
template <> struct is_fp<nt_half> { static const bool value = true; };
template <> struct is_fp<nt_bf16> { static const bool value = true; };

// Storage dispatch with bool read as bool8. Unknown dtypes fall through (the caller reports them).
#define NT_RED_CASE_(ENUM, TYPE, T, ...) \
  case ENUM: {                           \
    typedef TYPE T;                      \
    __VA_ARGS__;                         \
    break;                               \
  }
#define NT_RED_DISPATCH(DT, T, ...)                       \
  switch (DT) {                                           \
    NT_RED_CASE_(NT_F32, float, T, __VA_ARGS__)           \
    NT_RED_CASE_(NT_F64, double, T, __VA_ARGS__)          \
    NT_RED_CASE_(NT_F16, nt_half, T, __VA_ARGS__)         \
    NT_RED_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)        \
    NT_RED_CASE_(NT_I32, int32_t, T, __VA_ARGS__)         \
    NT_RED_CASE_(NT_I64, int64_t, T, __VA_ARGS__)         \
    NT_RED_CASE_(NT_U8, uint8_t, T, __VA_ARGS__)          \
    NT_RED_CASE_(NT_BOOL, nt_red::bool8, T, __VA_ARGS__)  \
    default: break;                                       \
  }
#define NT_RED_DISPATCH_FLOAT(DT, T, ...)                 \
  switch (DT) {                                           \
    NT_RED_CASE_(NT_F32, float, T, __VA_ARGS__)           \
    NT_RED_CASE_(NT_F64, double, T, __VA_ARGS__)          \
    NT_RED_CASE_(NT_F16, nt_half, T, __VA_ARGS__)         \
    NT_RED_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)        \
    default: break;                                       \
  }

// double -> int64 without undefined behaviour (NaN -> 0, saturating).
static inline int64_t d2i(double v) {
  if (!(v == v)) return 0;
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return (int64_t)v;
}

// Store one value into element `off` of view o, converting to o's dtype.
static inline void put_d(const nt_view* o, int64_t off, double v) {
  void* p = o->data;
  switch (o->dtype) {
    case NT_F32: ((float*)p)[off] = (float)v; break;
    case NT_F64: ((double*)p)[off] = v; break;
    case NT_F16: ((nt_half*)p)[off].bits = nt_float_to_half((float)v); break;
    case NT_BF16: ((nt_bf16*)p)[off].bits = nt_float_to_bf16((float)v); break;
    case NT_I32: ((int32_t*)p)[off] = (int32_t)d2i(v); break;
    case NT_I64: ((int64_t*)p)[off] = d2i(v); break;
    case NT_U8: ((uint8_t*)p)[off] = (uint8_t)d2i(v); break;
    case NT_BOOL: ((uint8_t*)p)[off] = v != 0; break;
    default: break;
  }
}
static inline void put_i(const nt_view* o, int64_t off, int64_t v) {
  void* p = o->data;
  switch (o->dtype) {
    case NT_F32: ((float*)p)[off] = (float)v; break;
    case NT_F64: ((double*)p)[off] = (double)v; break;
    case NT_F16: ((nt_half*)p)[off].bits = nt_float_to_half((float)v); break;
    case NT_BF16: ((nt_bf16*)p)[off].bits = nt_float_to_bf16((float)v); break;
    case NT_I32: ((int32_t*)p)[off] = (int32_t)v; break;
    case NT_I64: ((int64_t*)p)[off] = v; break;
    case NT_U8: ((uint8_t*)p)[off] = (uint8_t)v; break;
    case NT_BOOL: ((uint8_t*)p)[off] = v != 0; break;
    default: break;
  }
}

// A multi-index odometer over `nd` dims carrying NS element offsets (one per view).
template <int NS>
struct odometer {
  int nd = 0;
  int64_t shape[NT_MAX_DIMS], idx[NT_MAX_DIMS], st[NS][NT_MAX_DIMS];
  int64_t off[NS];
  // Positions the odometer at linear index `lo` (row-major over shape) from base offsets.
  void start(int64_t lo, const int64_t* base) {
    for (int k = 0; k < NS; k++) off[k] = base[k];
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = lo % shape[d];
      lo /= shape[d];
      for (int k = 0; k < NS; k++) off[k] += idx[d] * st[k][d];
    }
  }
  void next() {
    for (int d = nd - 1; d >= 0; d--) {
      for (int k = 0; k < NS; k++) off[k] += st[k][d];
      if (++idx[d] < shape[d]) return;
      for (int k = 0; k < NS; k++) off[k] -= st[k][d] * shape[d];
      idx[d] = 0;
    }
  }
};

// A reduction laid out for the engine: the core's plan (core/plans.h), plus vector mode.
struct plan : nt_red_plan {
  bool outer = false;  // vector mode: last kept dim has in-stride 1 and the reduced ones do not
};

// Validates v0/v1 and the mask i[0] of a REDUCE call and builds the plan. `reorder`: the reduction
// is order-free, so reduced dims may be sorted by stride (argmax needs the dim's own order).
int make_plan(const nt_args* a, plan* p, bool reorder, nt_error* err);

// Sum of n elements at p with the given stride, accumulated accurately (double; contiguous float
// runs use SIMD float partial sums over short blocks). Defined in reduce.cpp.
double sum_run(const float* p, int64_t st, int64_t n);
double sum_run(const double* p, int64_t st, int64_t n);
double sum_run(const nt_half* p, int64_t st, int64_t n);
double sum_run(const nt_bf16* p, int64_t st, int64_t n);

// The NaN-propagating max (or min) of n contiguous floats, and the index of the first element
// equal to v (the first NaN when v is NaN; n if none). Defined in reduce.cpp.
float extreme_f32(const float* p, int64_t n, bool max);
int64_t first_match_f32(const float* p, int64_t n, float v);

// A scratch array that grows without initialising (a zeroed 1M-item vector can cost as much as
// the work it serves). get() returns null when memory runs out.
// NOTE: buffers sized by the data must be allocated like this inside parallel regions: an exception
//       on a pool thread terminates the process. (Per-task vectors of <= 4096 items are used as is.)
template <class I>
struct scratch {
  std::unique_ptr<I[]> p;
  size_t cap = 0;
  I* get(size_t n) {
    if (n > cap) {
      p.reset();
      cap = 0;
      p.reset(new (std::nothrow) I[n ? n : 1]);
      if (p) cap = n;
    }
    return p.get();
  }
};

// Registers F so that running out of memory for scratch buffers (allocated before any parallel
// region) is an error, not a crash.
template <nt_kernel_fn F>
int guarded(const nt_args* a, nt_error* err) {
  try {
    return F(a, err);
  } catch (const std::bad_alloc&) {
    return nt_fail(err, "out of memory for scratch buffers");
  }
}

// Runs `fn(c)` for c in [0, count) over the pool, each c a heavy task.
static inline void parallel_tasks(int64_t count, const std::function<void(int64_t)>& fn) {
  nt::parallel_for(0, count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; c++) fn(c);
  });
}

// ---- lines along one dim (DIM and SORT ops) --------------------------------------------------
// The core's lines (core/plans.h) with an odometer `od` over them: after od.start(), od.off holds
// each view's line start.
template <int NS>
struct lines : nt_lines<NS> {
  odometer<NS> od;
};

template <int NS>
int make_lines(const nt_view* const* v, int64_t dim, lines<NS>* L, nt_error* err) {
  if (int r = nt_make_lines<NS>(v, dim, L, err)) return r;
  odometer<NS>& od = L->od;
  od.nd = L->nd;
  for (int d = 0; d < L->nd; d++) {
    od.shape[d] = L->shape[d];
    for (int k = 0; k < NS; k++) od.st[k][d] = L->st[k][d];
  }
  return 0;
}

// Index of a line dim with unit stride in every view (moved last in od), or -1.
template <int NS>
int lines_vector_dim(lines<NS>* L) {
  odometer<NS>& od = L->od;
  for (int d = od.nd - 1; d >= 0; d--) {
    bool unit = true;
    for (int k = 0; k < NS; k++) unit = unit && od.st[k][d] == 1;
    if (!unit) continue;
    for (int e = d; e < od.nd - 1; e++) {
      std::swap(od.shape[e], od.shape[e + 1]);
      for (int k = 0; k < NS; k++) std::swap(od.st[k][e], od.st[k][e + 1]);
    }
    return od.nd - 1;
  }
  return -1;
}

// ---- the engine -------------------------------------------------------------------------------
// An accumulator Op provides (T = storage type of `in`):
//   typedef acc_t, row_t;
//   acc_t init(int64_t out_off) const;                         fresh accumulator for one output
//   void fold(acc_t&, const T* p, int64_t stride, int64_t n) const;   fold n strided elements
//   void merge(acc_t&, const acc_t&) const;                    combine two partial results
//   void store(const nt_view* out, int64_t off, const acc_t&) const;
//   void rinit(row_t* r, int64_t b, int64_t out_off, int64_t out_stride) const;  b row accumulators
//   void fold_row(row_t* r, const T* p, int64_t b) const;       r[j] <- r[j] (+) p[j]
//   void flush(acc_t* a, row_t* r, int64_t b) const;            a[j] <- a[j] (+) r[j]; reset r
// Optional: void fold_rows(row_t* r, const T* p, int64_t stride, int64_t cnt, int64_t b) const;
//   folds cnt (<= 4) rows at p, p + stride, ... at once (fewer passes over r).
// Row accumulators are flushed every kFlushRows rows (float partial sums stay short).
static const int64_t kFlushRows = 64;

template <class Op, class R, class T>
auto fold_rows_of(const Op& op, R* r, const T* p, int64_t st, int64_t cnt, int64_t b, int)
    -> decltype(op.fold_rows(r, p, st, cnt, b), void()) {
  op.fold_rows(r, p, st, cnt, b);
}
template <class Op, class R, class T>
void fold_rows_of(const Op& op, R* r, const T* p, int64_t st, int64_t cnt, int64_t b, long) {
  for (int64_t c = 0; c < cnt; c++) op.fold_row(r, p + c * st, b);
}
static const int64_t kSplitMin = 16384;  // fewest elements per split of one reduction

template <class T, class Op>
void run_per_output(const plan& p, const T* in, const nt_view* out, const Op& op) {
  const int64_t run = p.nr ? p.rshape[p.nr - 1] : 1, rst = p.nr ? p.rin[p.nr - 1] : 1;
  odometer<1> rod;
  rod.nd = p.nr ? p.nr - 1 : 0;
  for (int d = 0; d < rod.nd; d++) { rod.shape[d] = p.rshape[d]; rod.st[0][d] = p.rin[d]; }
  odometer<2> kod;
  kod.nd = p.nk;
  for (int d = 0; d < p.nk; d++) {
    kod.shape[d] = p.kshape[d]; kod.st[0][d] = p.kin[d]; kod.st[1][d] = p.kout[d];
  }
  // Folds reduced elements [lo, hi) (row-major over the reduced dims) of the output at in_off.
  auto fold_range = [&](typename Op::acc_t& acc, int64_t in_off, int64_t lo, int64_t hi) {
    if (lo >= hi) return;
    if (rod.nd == 0) {  // one run: no odometer
      op.fold(acc, in + in_off + lo * rst, rst, hi - lo);
      return;
    }
    odometer<1> r = rod;
    int64_t pos = lo % run;
    r.start(lo / run, &in_off);
    while (lo < hi) {
      int64_t len = std::min(run - pos, hi - lo);
      op.fold(acc, in + r.off[0] + pos * rst, rst, len);
      lo += len;
      pos = 0;
      r.next();
    }
  };
  const int nth = nt::num_threads();
  int64_t splits = 1;
  if (p.m < 2 * nth && nth > 1 && p.n >= 2 * kSplitMin)
    splits = std::min<int64_t>((2 * nth + p.m - 1) / p.m, p.n / kSplitMin);
  const int64_t base[2] = {p.in_base, p.out_base};
  if (splits <= 1) {
    int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(p.n, 1));
    nt::parallel_for(0, p.m, grain, [&](int64_t lo, int64_t hi) {
      odometer<2> k = kod;
      k.start(lo, base);
      for (int64_t o = lo; o < hi; o++, k.next()) {
        typename Op::acc_t acc = op.init(k.off[1]);
        fold_range(acc, k.off[0], 0, p.n);
        op.store(out, k.off[1], acc);
      }
    });
    return;
  }
  // Few outputs, long reductions: split each reduction into `splits` ranges, then merge in order.
  std::vector<typename Op::acc_t> part((size_t)(p.m * splits));
  std::vector<int64_t> offs((size_t)(2 * p.m));
  {
    odometer<2> k = kod;
    k.start(0, base);
    for (int64_t o = 0; o < p.m; o++, k.next()) { offs[2 * o] = k.off[0]; offs[2 * o + 1] = k.off[1]; }
  }
  parallel_tasks(p.m * splits, [&](int64_t t) {
    int64_t o = t / splits, s = t % splits;
    typename Op::acc_t acc = op.init(offs[2 * o + 1]);
    fold_range(acc, offs[2 * o], p.n * s / splits, p.n * (s + 1) / splits);
    part[(size_t)t] = acc;
  });
  for (int64_t o = 0; o < p.m; o++) {
    typename Op::acc_t acc = part[(size_t)(o * splits)];
    for (int64_t s = 1; s < splits; s++) op.merge(acc, part[(size_t)(o * splits + s)]);
    op.store(out, offs[2 * o + 1], acc);
  }
}

// Vector mode: the last kept dim is contiguous in `in`; each task owns a block of those outputs
// and adds whole rows into them, so memory is read in unit stride.
template <class T, class Op>
void run_outer(const plan& p, const T* in, const nt_view* out, const Op& op) {
  typedef typename Op::acc_t acc_t;
  typedef typename Op::row_t row_t;
  const int nth = nt::num_threads();
  const int64_t vlen = p.kshape[p.nk - 1], vout = p.kout[p.nk - 1];
  const int64_t mo = p.m / vlen;  // outputs of the other kept dims
  // Too few tasks for the pool: split the rows first (each thread then streams whole contiguous
  // rows), and narrow the blocks only when there are too few rows to split.
  int64_t bw = std::min<int64_t>(vlen, 4096);
  int64_t nblk = (vlen + bw - 1) / bw, splits = 1;
  if (mo * nblk < nth && nth > 1) {
    const int64_t want = (nth + mo * nblk - 1) / (mo * nblk);
    splits = std::min(want, p.n * bw / kSplitMin);
    if (splits < 2) {
      splits = 1;
      bw = std::min(vlen, std::max<int64_t>(64, ((vlen + want - 1) / want + 15) / 16 * 16));
      nblk = (vlen + bw - 1) / bw;
    }
  }
  odometer<2> kod;
  kod.nd = p.nk - 1;
  for (int d = 0; d < kod.nd; d++) {
    kod.shape[d] = p.kshape[d]; kod.st[0][d] = p.kin[d]; kod.st[1][d] = p.kout[d];
  }
  odometer<1> rod;
  rod.nd = p.nr;
  for (int d = 0; d < p.nr; d++) { rod.shape[d] = p.rshape[d]; rod.st[0][d] = p.rin[d]; }
  const int64_t ntask = mo * nblk * splits;
  std::vector<acc_t> part;
  if (splits > 1) part.resize((size_t)(ntask * bw));
  const int64_t base[2] = {p.in_base, p.out_base};
  nt::parallel_for(0, ntask, 1, [&](int64_t lo, int64_t hi) {
    std::vector<acc_t> acc((size_t)bw);
    std::vector<row_t> row((size_t)bw);
    for (int64_t t = lo; t < hi; t++) {
      int64_t s = t % splits, blk = (t / splits) % nblk, oo = t / splits / nblk;
      odometer<2> k = kod;
      k.start(oo, base);
      const int64_t j0 = blk * bw, b = std::min(bw, vlen - j0);
      const int64_t in_off = k.off[0] + j0, out_off = k.off[1] + j0 * vout;
      for (int64_t j = 0; j < b; j++) acc[(size_t)j] = op.init(out_off + j * vout);
      op.rinit(row.data(), b, out_off, vout);
      int64_t r0 = p.n * s / splits, r1 = p.n * (s + 1) / splits;
      odometer<1> r = rod;
      r.start(r0, &in_off);
      int64_t since = 0;
      const int last = p.nr - 1;
      for (int64_t i = r0; i < r1;) {
        // Up to 4 consecutive rows along the innermost reduced dim, within one flush interval.
        int64_t cnt = std::min<int64_t>(std::min<int64_t>(4, r1 - i), kFlushRows - since);
        cnt = std::min(cnt, r.shape[last] - r.idx[last]);
        fold_rows_of(op, row.data(), in + r.off[0], r.st[0][last], cnt, b, 0);
        for (int64_t c = 0; c < cnt; c++) r.next();
        i += cnt;
        since += cnt;
        if (since == kFlushRows) { op.flush(acc.data(), row.data(), b); since = 0; }
      }
      op.flush(acc.data(), row.data(), b);
      if (splits == 1) {
        for (int64_t j = 0; j < b; j++) op.store(out, out_off + j * vout, acc[(size_t)j]);
      } else {
        std::copy(acc.begin(), acc.begin() + b, part.begin() + t * bw);
      }
    }
  });
  if (splits == 1) return;
  odometer<2> k = kod;
  for (int64_t oo = 0; oo < mo; oo++) {
    k.start(oo, base);
    for (int64_t blk = 0; blk < nblk; blk++) {
      const int64_t j0 = blk * bw, b = std::min(bw, vlen - j0);
      const int64_t t0 = (oo * nblk + blk) * splits;
      for (int64_t j = 0; j < b; j++) {
        acc_t a = part[(size_t)(t0 * bw + j)];
        for (int64_t s = 1; s < splits; s++) op.merge(a, part[(size_t)((t0 + s) * bw + j)]);
        op.store(out, k.off[1] + (j0 + j) * vout, a);
      }
    }
  }
}

template <class T, class Op>
void run(const plan& p, const nt_view* in, const nt_view* out, const Op& op) {
  if (p.m == 0) return;
  const T* base = (const T*)in->data;
  if (p.outer) run_outer<T, Op>(p, base, out, op);
  else run_per_output<T, Op>(p, base, out, op);
}

}  // namespace nt_red
