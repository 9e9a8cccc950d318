// softmax.cpp — CPU kernels along one dim: softmax and log_softmax (float dtypes, max-subtracted,
// with an AVX2 expf), cumsum and cumprod (floats accumulate in double, ints/bool in int64).
// Not here: reductions (reduce.cpp), sort/topk (sort.cpp), the line layout (reduce-common.h).
#include <math.h>

#include <atomic>
#include <type_traits>

#include "reduce-common.h"
#include "vexp-avx2.h"

namespace {
using namespace nt_red;

#if NT_X86
using nt_vexp::exp8;
using nt_vexp::hsum8;

// One contiguous row: y = softmax(x) or log_softmax(x); y may alias x.
NT_AVX2 void softmax_row_avx2(const float* x, float* y, int64_t n, bool log_out) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
  }
  float t[8];
  _mm256_storeu_ps(t, _mm256_max_ps(m0, m1));
  float mx = -INFINITY;
  for (int k = 0; k < 8; k++) mx = t[k] > mx ? t[k] : mx;
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  const __m256 vm = _mm256_set1_ps(mx);
  double sum = 0;
  for (int64_t b0 = 0; b0 < n; b0 += 4096) {  // float partial sums over short blocks
    const int64_t b1 = std::min(n, b0 + 4096);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    for (i = b0; i + 16 <= b1; i += 16) {
      __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
      __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm));
      if (!log_out) { _mm256_storeu_ps(y + i, e0); _mm256_storeu_ps(y + i + 8, e1); }
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
    }
    for (; i < b1; i += 8) {  // tail: up to 15 elements, padded with -inf (exp -> 0)
      float u[8];
      int64_t c = std::min<int64_t>(8, b1 - i);
      for (int k = 0; k < 8; k++) u[k] = k < c ? x[i + k] - mx : -INFINITY;
      __m256 e = exp8(_mm256_loadu_ps(u));
      _mm256_storeu_ps(u, e);
      if (!log_out) for (int k = 0; k < c; k++) y[i + k] = u[k];
      s0 = _mm256_add_ps(s0, e);
    }
    sum += hsum8(_mm256_add_ps(s0, s1));
  }
  if (log_out) {
    const __m256 vl = _mm256_set1_ps((float)log(sum));
    for (i = 0; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vl));
    for (; i < n; i++) y[i] = (x[i] - mx) - (float)log(sum);
  } else {
    const __m256 vi = _mm256_set1_ps((float)(1.0 / sum));
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vi));
    for (; i < n; i++) y[i] *= (float)(1.0 / sum);
  }
}
#endif

// Portable row kernel for float and double (C = compute type); y may alias x.
template <class C>
void softmax_row(const C* x, C* y, int64_t n, bool log_out) {
#if NT_X86
  if (std::is_same<C, float>::value && use_avx2())
    return softmax_row_avx2((const float*)x, (float*)y, n, log_out);
#endif
  C mx = -INFINITY;
  for (int64_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  double sum = 0;
  for (int64_t i = 0; i < n; i++) {
    C e = std::is_same<C, float>::value ? (C)expf((float)(x[i] - mx)) : (C)exp((double)(x[i] - mx));
    if (!log_out) y[i] = e;
    sum += e;
  }
  if (log_out) {
    const C l = (C)log(sum);
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mx) - l;
  } else {
    const C inv = (C)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
  }
}

// Column steps of vector-mode softmax, each over b contiguous floats of one row along the dim.
struct col_steps {
  void (*max)(float* m, const float* x, int64_t b);                            // m = max(m, x)
  void (*exp_sum)(const float* x, const float* m, float* y, double* s, int64_t b);  // e = exp(x-m); y = e; s += e
  // y = exp(x - m) * t (softmax, t = 1/sum) or (x - m) - t (log_softmax, t = log(sum))
  void (*finish)(const float* x, const float* m, const float* t, float* y, int64_t b, bool log_out);
};

void col_max_port(float* m, const float* x, int64_t b) {
  for (int64_t j = 0; j < b; j++) m[j] = x[j] > m[j] ? x[j] : m[j];
}
void col_exp_port(const float* x, const float* m, float* y, double* s, int64_t b) {
  for (int64_t j = 0; j < b; j++) {
    float e = expf(x[j] - m[j]);
    if (y) y[j] = e;
    s[j] += e;
  }
}
void col_finish_port(const float* x, const float* m, const float* t, float* y, int64_t b, bool log_out) {
  if (log_out) for (int64_t j = 0; j < b; j++) y[j] = (x[j] - m[j]) - t[j];
  else for (int64_t j = 0; j < b; j++) y[j] = expf(x[j] - m[j]) * t[j];
}
#if NT_X86
NT_AVX2 void col_max_avx2(float* m, const float* x, int64_t b) {
  int64_t j = 0;
  for (; j + 8 <= b; j += 8) _mm256_storeu_ps(m + j, _mm256_max_ps(_mm256_loadu_ps(m + j), _mm256_loadu_ps(x + j)));
  for (; j < b; j++) m[j] = x[j] > m[j] ? x[j] : m[j];
}
NT_AVX2 void col_exp_avx2(const float* x, const float* m, float* y, double* s, int64_t b) {
  int64_t j = 0;
  for (; j + 8 <= b; j += 8) {
    __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(m + j)));
    if (y) _mm256_storeu_ps(y + j, e);
    __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(e)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));
    _mm256_storeu_pd(s + j, _mm256_add_pd(_mm256_loadu_pd(s + j), lo));
    _mm256_storeu_pd(s + j + 4, _mm256_add_pd(_mm256_loadu_pd(s + j + 4), hi));
  }
  if (j < b) {  // tail, padded with -inf
    float t[8];
    const int64_t c = b - j;
    for (int k = 0; k < 8; k++) t[k] = k < c ? x[j + k] - m[j + k] : -INFINITY;
    _mm256_storeu_ps(t, exp8(_mm256_loadu_ps(t)));
    for (int64_t k = 0; k < c; k++) {
      if (y) y[j + k] = t[k];
      s[j + k] += t[k];
    }
  }
}
NT_AVX2 void col_finish_avx2(const float* x, const float* m, const float* t, float* y, int64_t b, bool log_out) {
  int64_t j = 0;
  if (log_out) {
    for (; j + 8 <= b; j += 8)
      _mm256_storeu_ps(y + j, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(m + j)),
                                            _mm256_loadu_ps(t + j)));
  } else {
    for (; j + 8 <= b; j += 8) {
      __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(m + j)));
      _mm256_storeu_ps(y + j, _mm256_mul_ps(e, _mm256_loadu_ps(t + j)));
    }
  }
  col_finish_port(x + j, m + j, t + j, y + j, b - j, log_out);
}
#endif

// Softmax over a strided dim of float32 when another dim is contiguous in both views: blocks of
// those columns are processed together. Pass 1 keeps a running max and sum over chunks of rows
// (the sum rescaled when the max grows); when there are too few blocks for the threads, the rows
// are split too and the partial (max, sum) pairs combined. Pass 2 writes. Input read twice.
// NOTE: wide blocks matter: a narrow block revisits every page once per block (TLB and prefetch
//       start-up each time), and power-of-two row strides alias in the caches.
void softmax_columns_f32(const float* in, float* out, const lines<2>& L, int64_t vlen, bool log_out) {
  col_steps f = {col_max_port, col_exp_port, col_finish_port};
#if NT_X86
  if (use_avx2()) f = {col_max_avx2, col_exp_avx2, col_finish_avx2};
#endif
  const int64_t len = L.len[0], si = L.sd[0], so = L.sd[1], chunk = 16;
  const int64_t mo = L.count / vlen, nth = nt::num_threads();
  int64_t bw = std::min<int64_t>(vlen, 4096), nblk = (vlen + bw - 1) / bw, splits = 1;
  if (mo * nblk < nth) {
    const int64_t want = (nth + mo * nblk - 1) / (mo * nblk);
    splits = std::max<int64_t>(1, std::min(want, len / 64));
    if (splits == 1) {
      bw = std::min(vlen, std::max<int64_t>(256, ((vlen + want - 1) / want + 15) / 16 * 16));
      nblk = (vlen + bw - 1) / bw;
    }
  }
  const int64_t ntask = mo * nblk;
  odometer<2> kod = L.od;
  kod.nd--;  // the vector dim is last
  std::vector<float> pm((size_t)(ntask * splits * bw));
  std::vector<double> ps((size_t)(ntask * splits * bw));
  auto where = [&](int64_t task, int64_t* j0, int64_t* b, int64_t* xoff, int64_t* yoff) {
    odometer<2> k = kod;
    k.start(task / nblk, L.base);
    *j0 = (task % nblk) * bw;
    *b = std::min(bw, vlen - *j0);
    *xoff = k.off[0] + *j0;
    *yoff = k.off[1] + *j0;
  };
  parallel_tasks(ntask * splits, [&](int64_t ts) {
    int64_t j0, b, xo, yo;
    where(ts / splits, &j0, &b, &xo, &yo);
    const int64_t sp = ts % splits, rlo = len * sp / splits, rhi = len * (sp + 1) / splits;
    float* m = &pm[(size_t)(ts * bw)];
    double* s = &ps[(size_t)(ts * bw)];
    std::vector<float> cm((size_t)b), ms((size_t)b);
    std::fill(m, m + b, -INFINITY);
    std::fill(s, s + b, 0.0);
    for (int64_t r0 = rlo; r0 < rhi; r0 += chunk) {
      const int64_t r1 = std::min(rhi, r0 + chunk);
      std::copy(m, m + b, cm.begin());
      for (int64_t r = r0; r < r1; r++) f.max(cm.data(), in + xo + r * si, b);
      for (int64_t j = 0; j < b; j++) {
        if (cm[j] > m[j]) s[j] *= exp((double)m[j] - (double)cm[j]);
        m[j] = cm[j];
        ms[j] = m[j] == -INFINITY ? 0.f : m[j];  // all -inf so far: contribute exp(-inf) = 0
      }
      for (int64_t r = r0; r < r1; r++) f.exp_sum(in + xo + r * si, ms.data(), nullptr, s, b);
    }
  });
  parallel_tasks(ntask * splits, [&](int64_t ts) {
    const int64_t task = ts / splits, sp = ts % splits;
    int64_t j0, b, xo, yo;
    where(task, &j0, &b, &xo, &yo);
    std::vector<float> m((size_t)b), t((size_t)b);
    for (int64_t j = 0; j < b; j++) {  // combine the splits' partial results
      float mx = -INFINITY;
      bool nan = false;
      for (int64_t q = 0; q < splits; q++) {
        float v = pm[(size_t)((task * splits + q) * bw + j)];
        nan = nan || v != v;
        mx = v > mx ? v : mx;
      }
      double sum = 0;
      for (int64_t q = 0; q < splits; q++) {
        size_t at = (size_t)((task * splits + q) * bw + j);
        sum += pm[at] == mx ? ps[at] : ps[at] * exp((double)pm[at] - (double)mx);
      }
      m[j] = nan ? NAN : mx;
      t[j] = log_out ? (float)log(sum) : (float)(1.0 / sum);
    }
    const int64_t rlo = len * sp / splits, rhi = len * (sp + 1) / splits;
    for (int64_t r = rlo; r < rhi; r++) f.finish(in + xo + r * si, m.data(), t.data(), out + yo + r * so, b, log_out);
  });
}

template <class T> struct softmax_compute { typedef float type; };
template <> struct softmax_compute<double> { typedef double type; };

// Any layout: each line is gathered into a compute-type buffer, transformed there, scattered back.
// Returns false when the line buffer cannot be allocated.
template <class T>
bool softmax_lines(const T* in, T* out, const lines<2>& L, bool log_out) {
  typedef typename softmax_compute<T>::type C;
  const int64_t len = L.len[0], si = L.sd[0], so = L.sd[1];
  const bool direct = std::is_same<T, C>::value && si == 1 && so == 1;
  std::atomic<bool> ok{true};
  nt::parallel_for(0, L.count, std::max<int64_t>(1, 8192 / std::max<int64_t>(len, 1)),
                   [&](int64_t lo, int64_t hi) {
    scratch<C> buf;
    C* b = direct ? nullptr : buf.get((size_t)len);
    if (!direct && !b) { ok = false; return; }
    odometer<2> k = L.od;
    k.start(lo, L.base);
    for (int64_t l = lo; l < hi; l++, k.next()) {
      const T* x = in + k.off[0];
      T* y = out + k.off[1];
      if (direct) {
        softmax_row<C>((const C*)x, (C*)y, len, log_out);
        continue;
      }
      for (int64_t i = 0; i < len; i++) b[i] = (C)ld(x + i * si);
      softmax_row<C>(b, b, len, log_out);
      for (int64_t i = 0; i < len; i++) nt_store(y + i * so, b[i]);
    }
  });
  return ok;
}

template <bool LOG>
int k_softmax(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_fail(err, "expected 2 views (input, output)");
  if (int r = nt_check_view(&a->v[0], "input", err)) return r;
  if (int r = nt_check_view(&a->v[1], "output", err)) return r;
  const nt_view* v[2] = {&a->v[0], &a->v[1]};
  lines<2> L;
  if (int r = make_lines<2>(v, a->i[0], &L, err)) return r;
  if (L.len[1] != L.len[0]) return nt_fail(err, "output size along dim differs from the input's");
  const int dt = a->v[0].dtype;
  if (!nt_dtype_is_float(dt)) return nt_fail(err, "unsupported dtype %s (float dtypes only)", nt_dtype_name(dt));
  if (a->v[1].dtype != dt)
    return nt_fail(err, "output dtype %s differs from input dtype %s", nt_dtype_name(a->v[1].dtype), nt_dtype_name(dt));
  if (L.count == 0 || L.len[0] == 0) return 0;
  if (dt == NT_F32 && !(L.sd[0] == 1 && L.sd[1] == 1) && lines_vector_dim(&L) >= 0) {
    softmax_columns_f32((const float*)a->v[0].data, (float*)a->v[1].data, L, L.od.shape[L.od.nd - 1], LOG);
    return 0;
  }
  bool ok = true;
  NT_DISPATCH_FLOAT(dt, T, { ok = softmax_lines<T>((const T*)a->v[0].data, (T*)a->v[1].data, L, LOG); });
  if (!ok) return nt_fail(err, "out of memory for a line buffer (%lld items)", (long long)L.len[0]);
  return 0;
}

// ---- cumsum / cumprod --------------------------------------------------------------------------
template <class T> struct cum_acc { typedef double type; };
template <> struct cum_acc<int32_t> { typedef uint64_t type; };
template <> struct cum_acc<int64_t> { typedef uint64_t type; };
template <> struct cum_acc<uint8_t> { typedef uint64_t type; };
template <> struct cum_acc<bool8> { typedef uint64_t type; };

// Store an accumulator into any output type (ints wrap like int64, bool is nonzero).
template <class O> inline void sto(O* p, double v) { nt_store(p, v); }
template <> inline void sto<int32_t>(int32_t* p, double v) { *p = (int32_t)d2i(v); }
template <> inline void sto<int64_t>(int64_t* p, double v) { *p = d2i(v); }
template <> inline void sto<uint8_t>(uint8_t* p, double v) { *p = (uint8_t)d2i(v); }
template <> inline void sto<bool8>(bool8* p, double v) { p->v = v != 0; }
template <class O> inline void sto(O* p, uint64_t v) { nt_store(p, (int64_t)v); }
template <> inline void sto<nt_half>(nt_half* p, uint64_t v) { p->bits = nt_float_to_half((float)(int64_t)v); }
template <> inline void sto<nt_bf16>(nt_bf16* p, uint64_t v) { p->bits = nt_float_to_bf16((float)(int64_t)v); }
template <> inline void sto<bool8>(bool8* p, uint64_t v) { p->v = v != 0; }

template <class T, class O, bool PROD>
void cum_run(const T* in, O* out, lines<2>& L) {
  typedef typename cum_acc<T>::type A;
  const int64_t len = L.len[0], si = L.sd[0], so = L.sd[1];
  if (!(si == 1 && so == 1) && lines_vector_dim(&L) >= 0) {  // columns: accumulate rows of outputs
    const int64_t vlen = L.od.shape[L.od.nd - 1], bw = std::min<int64_t>(vlen, 1024);
    const int64_t nblk = (vlen + bw - 1) / bw, mo = L.count / vlen;
    odometer<2> kod = L.od;
    kod.nd--;
    nt::parallel_for(0, mo * nblk, 1, [&](int64_t lo, int64_t hi) {
      std::vector<A> acc((size_t)bw);
      for (int64_t task = lo; task < hi; task++) {
        odometer<2> k = kod;
        k.start(task / nblk, L.base);
        const int64_t j0 = (task % nblk) * bw, b = std::min(bw, vlen - j0);
        std::fill(acc.begin(), acc.end(), A(PROD ? 1 : 0));
        for (int64_t r = 0; r < len; r++) {
          const T* x = in + k.off[0] + j0 + r * si;
          O* y = out + k.off[1] + j0 + r * so;
          for (int64_t j = 0; j < b; j++) {
            acc[j] = PROD ? acc[j] * (A)ld(x + j) : acc[j] + (A)ld(x + j);
            sto(y + j, acc[j]);
          }
        }
      }
    });
    return;
  }
  nt::parallel_for(0, L.count, std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)),
                   [&](int64_t lo, int64_t hi) {
    odometer<2> k = L.od;
    k.start(lo, L.base);
    for (int64_t l = lo; l < hi; l++, k.next()) {
      const T* x = in + k.off[0];
      O* y = out + k.off[1];
      A acc = PROD ? 1 : 0;
      for (int64_t i = 0; i < len; i++) {
        acc = PROD ? acc * (A)ld(x + i * si) : acc + (A)ld(x + i * si);
        sto(y + i * so, acc);
      }
    }
  });
}

template <bool PROD>
int k_cum(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_fail(err, "expected 2 views (input, output)");
  if (int r = nt_check_view(&a->v[0], "input", err)) return r;
  if (int r = nt_check_view(&a->v[1], "output", err)) return r;
  const nt_view* v[2] = {&a->v[0], &a->v[1]};
  lines<2> L;
  if (int r = make_lines<2>(v, a->i[0], &L, err)) return r;
  if (L.len[1] != L.len[0]) return nt_fail(err, "output size along dim differs from the input's");
  if (L.count == 0 || L.len[0] == 0) return 0;
  NT_RED_DISPATCH(a->v[0].dtype, T, {
    const T* in = (const T*)a->v[0].data;
    NT_RED_DISPATCH(a->v[1].dtype, O, { cum_run<T, O, PROD>(in, (O*)a->v[1].data, L); });
  });
  return 0;
}

}  // namespace

void nt_cpu_register_softmax(nt_kernel_fn* slots) {
  slots[NT_OP_softmax] = guarded<k_softmax<false>>;
  slots[NT_OP_log_softmax] = guarded<k_softmax<true>>;
  slots[NT_OP_cumsum] = guarded<k_cum<false>>;
  slots[NT_OP_cumprod] = guarded<k_cum<true>>;
}
