// reduce-arg.cpp — CPU kernels for argmax/argmin (one reduced dim, first extreme, NaN wins) and
// var/std (float dtypes, two passes in double with the correction term). Not here: the other
// reductions (reduce.cpp) or the plan/engine (reduce-common.h).
#include <math.h>

#include <type_traits>

#include "reduce-common.h"

namespace {
using namespace nt_red;

// ---- argmax / argmin -------------------------------------------------------------------------
template <class T, bool MAX>
int64_t arg_line(const T* p, int64_t st, int64_t n) {
  if (std::is_same<T, float>::value && st == 1 && n >= 32) {  // two vector passes
    const float* f = (const float*)p;
    return first_match_f32(f, n, extreme_f32(f, n, MAX));
  }
  auto best = ld(p);
  if (best != best) return 0;
  int64_t bi = 0;
  for (int64_t i = 1; i < n; i++) {
    auto x = ld(p + i * st);
    if (x != x) return i;
    if (MAX ? x > best : x < best) { best = x; bi = i; }
  }
  return bi;
}

// Vector mode: the kept dim at p.nk-1 is contiguous; blocks of it are scanned row by row.
template <class T, bool MAX>
void arg_outer(const plan& p, const T* in, const nt_view* out) {
  typedef decltype(ld((const T*)0)) C;
  const int64_t vlen = p.kshape[p.nk - 1], vout = p.kout[p.nk - 1], mo = p.m / vlen;
  const int64_t bw = std::min<int64_t>(vlen, 1024), nblk = (vlen + bw - 1) / bw;
  const int64_t len = p.rshape[0], rs = p.rin[0];
  odometer<2> kod;
  kod.nd = p.nk - 1;
  for (int d = 0; d < kod.nd; d++) {
    kod.shape[d] = p.kshape[d]; kod.st[0][d] = p.kin[d]; kod.st[1][d] = p.kout[d];
  }
  const int64_t base[2] = {p.in_base, p.out_base};
  nt::parallel_for(0, mo * nblk, 1, [&](int64_t lo, int64_t hi) {
    std::vector<C> best((size_t)bw);
    std::vector<int64_t> idx((size_t)bw);
    for (int64_t t = lo; t < hi; t++) {
      odometer<2> k = kod;
      k.start(t / nblk, base);
      const int64_t j0 = (t % nblk) * bw, b = std::min(bw, vlen - j0);
      const T* row = in + k.off[0] + j0;
      for (int64_t j = 0; j < b; j++) { best[(size_t)j] = ld(row + j); idx[(size_t)j] = 0; }
      for (int64_t i = 1; i < len; i++) {
        row += rs;
        for (int64_t j = 0; j < b; j++) {
          C x = ld(row + j), m = best[(size_t)j];
          bool take = (x != x && m == m) || (MAX ? x > m : x < m);
          if (take) { best[(size_t)j] = x; idx[(size_t)j] = i; }
        }
      }
      for (int64_t j = 0; j < b; j++) put_i(out, k.off[1] + (j0 + j) * vout, idx[(size_t)j]);
    }
  });
}

template <class T, bool MAX>
void arg_run(const plan& p, const T* in, const nt_view* out) {
  if (p.outer) return arg_outer<T, MAX>(p, in, out);
  const int64_t len = p.nr ? p.rshape[0] : 1, rs = p.nr ? p.rin[0] : 1;
  odometer<2> kod;
  kod.nd = p.nk;
  for (int d = 0; d < p.nk; d++) {
    kod.shape[d] = p.kshape[d]; kod.st[0][d] = p.kin[d]; kod.st[1][d] = p.kout[d];
  }
  const int64_t base[2] = {p.in_base, p.out_base};
  nt::parallel_for(0, p.m, std::max<int64_t>(1, 16384 / len), [&](int64_t lo, int64_t hi) {
    odometer<2> k = kod;
    k.start(lo, base);
    for (int64_t o = lo; o < hi; o++, k.next())
      put_i(out, k.off[1], arg_line<T, MAX>(in + k.off[0], rs, len));
  });
}

template <bool MAX>
int k_arg(const nt_args* a, nt_error* err) {
  plan p;
  if (int r = make_plan(a, &p, false, err)) return r;
  const int nd = a->v[0].ndim;
  const int bits = __builtin_popcountll((unsigned long long)a->i[0]);
  if (nd > 0 && bits != 1) return nt_fail(err, "expected exactly one reduced dim, got %d", bits);
  if (p.m == 0) return 0;
  if (p.n == 0) return nt_fail(err, "cannot reduce over an empty dimension");
  NT_RED_DISPATCH(a->v[0].dtype, T, { arg_run<T, MAX>(p, (const T*)a->v[0].data, &a->v[1]); });
  return 0;
}

// ---- var / std ---------------------------------------------------------------------------------
// Pass 1 writes each output's mean into a float64 buffer laid out contiguously over out's shape;
// pass 2 sums d = x - mean and d*d per output; var = (sum d^2 - (sum d)^2 / n) / max(0, n - corr).
// The (sum d)^2 / n term corrects for the rounding of the mean.
template <class T>
struct mean_op {
  typedef double acc_t;
  typedef double row_t;
  double inv_n = 0;
  double* mean = nullptr;  // indexed by the contiguous buffer view's offsets
  acc_t init(int64_t) const { return 0; }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const { a += sum_run(p, st, n); }
  void merge(acc_t& a, const acc_t& b) const { a += b; }
  void store(const nt_view*, int64_t off, const acc_t& a) const { mean[off] = a * inv_n; }
  void rinit(row_t* r, int64_t b, int64_t, int64_t) const { std::fill(r, r + b, 0.0); }
  void fold_row(row_t* r, const T* p, int64_t b) const {
    for (int64_t j = 0; j < b; j++) r[j] += (double)ld(p + j);
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) { a[j] += r[j]; r[j] = 0; }
  }
};

struct dev_acc { double mean, s1, s2; };

template <class T>
struct dev_op {
  typedef dev_acc acc_t;
  typedef dev_acc row_t;
  const double* mean = nullptr;
  const nt_view* out = nullptr;  // the real output (the engine's view is the buffer)
  double count = 0, divisor = 0;
  bool take_sqrt = false;
  acc_t init(int64_t off) const { return dev_acc{mean[off], 0, 0}; }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const {
    const double m = a.mean;
    double s1[4] = {0, 0, 0, 0}, s2[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int k = 0; k < 4; k++) {
        double d = (double)ld(p + (i + k) * st) - m;
        s1[k] += d;
        s2[k] += d * d;
      }
    for (; i < n; i++) {
      double d = (double)ld(p + i * st) - m;
      s1[0] += d;
      s2[0] += d * d;
    }
    a.s1 += (s1[0] + s1[1]) + (s1[2] + s1[3]);
    a.s2 += (s2[0] + s2[1]) + (s2[2] + s2[3]);
  }
  void merge(acc_t& a, const acc_t& b) const { a.s1 += b.s1; a.s2 += b.s2; }
  void store(const nt_view*, int64_t off, const acc_t& a) const {
    double m2 = a.s2 - a.s1 * a.s1 / count;
    if (m2 < 0) m2 = 0;
    double v = m2 / divisor;
    if (take_sqrt) v = sqrt(v);
    put_d(out, nt_view_offset_of(out, off), v);
  }
  void rinit(row_t* r, int64_t b, int64_t off, int64_t ost) const {
    for (int64_t j = 0; j < b; j++) r[j] = dev_acc{mean[off + j * ost], 0, 0};
  }
  void fold_row(row_t* r, const T* p, int64_t b) const {
    for (int64_t j = 0; j < b; j++) {
      double d = (double)ld(p + j) - r[j].mean;
      r[j].s1 += d;
      r[j].s2 += d * d;
    }
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) { merge(a[j], r[j]); r[j].s1 = r[j].s2 = 0; }
  }
};

int k_var(const nt_args* a, nt_error* err) {
  plan p;
  if (int r = make_plan(a, &p, true, err)) return r;
  const nt_view* in = &a->v[0];
  if (!nt_dtype_is_float(in->dtype))
    return nt_fail(err, "unsupported dtype %s (float dtypes only)", nt_dtype_name(in->dtype));
  if (!nt_dtype_is_float(a->v[1].dtype))
    return nt_fail(err, "unsupported output dtype %s (float dtypes only)", nt_dtype_name(a->v[1].dtype));
  if (p.m == 0) return 0;
  // The buffer view: out's shape, contiguous float64; the plan is rebuilt against it.
  std::vector<double> mean((size_t)p.m);
  nt_args b = *a;
  nt_view& mv = b.v[1];
  mv.data = mean.data();
  mv.dtype = NT_F64;
  mv.offset = 0;
  int64_t st = 1;
  for (int d = mv.ndim - 1; d >= 0; d--) { mv.strides[d] = st; st *= mv.shape[d]; }
  if (int r = make_plan(&b, &p, true, err)) return r;
  const double n = (double)p.n;
  double divisor = n - a->f[0];
  if (divisor < 0) divisor = 0;
  NT_RED_DISPATCH_FLOAT(in->dtype, T, {
    mean_op<T> m1;
    m1.inv_n = 1.0 / n;
    m1.mean = mean.data();
    run<T>(p, in, &mv, m1);
    dev_op<T> m2;
    m2.mean = mean.data();
    m2.out = &a->v[1];
    m2.count = n;
    m2.divisor = divisor;
    m2.take_sqrt = a->i[1] == 1;
    run<T>(p, in, &mv, m2);
  });
  return 0;
}

}  // namespace

void nt_cpu_register_reduce_arg(nt_kernel_fn* slots) {
  slots[NT_OP_argmax] = guarded<k_arg<true>>;
  slots[NT_OP_argmin] = guarded<k_arg<false>>;
  slots[NT_OP_var] = guarded<k_var>;
}
