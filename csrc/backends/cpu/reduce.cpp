// reduce.cpp — CPU kernels for sum (and mean via its scale), prod, amax, amin, all, any, and the
// family's register function. Not here: argmax/argmin/var (reduce-arg.cpp), the plan
// (reduce-plan.cpp) and engine (reduce-common.h), softmax/cumsum (softmax.cpp), sort (sort.cpp).
#include <math.h>

#include <limits>
#include <type_traits>

#include "reduce-common.h"

#if NT_X86
#include <immintrin.h>
#endif

namespace nt_red {

// ---- contiguous sums: float blocks of 4096 (short partial sums) added in double ----------------
static const int64_t kBlock = 4096;

template <class T>
static inline __attribute__((always_inline)) double sum_port(const T* p, int64_t n) {
  double total = 0;
  while (n > 0) {
    const int64_t b = n < kBlock ? n : kBlock;
    float acc[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= b; i += 16)
      for (int k = 0; k < 16; k++) acc[k] += ld(p + i + k);
    float s = 0;
    for (int k = 0; k < 16; k++) s += acc[k];
    for (; i < b; i++) s += ld(p + i);
    total += s;
    p += b;
    n -= b;
  }
  return total;
}

#if NT_X86
NT_AVX2 static inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
NT_AVX2 static inline __m256 load8(const nt_half* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p));
}
NT_AVX2 static inline __m256 load8(const nt_bf16* p) {
  __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

template <class T>
NT_AVX2 static double sum_avx2(const T* p, int64_t n) {
  double total = 0;
  while (n > 0) {
    const int64_t b = n < kBlock ? n : kBlock;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= b; i += 32) {
      a0 = _mm256_add_ps(a0, load8(p + i));
      a1 = _mm256_add_ps(a1, load8(p + i + 8));
      a2 = _mm256_add_ps(a2, load8(p + i + 16));
      a3 = _mm256_add_ps(a3, load8(p + i + 24));
    }
    for (; i + 8 <= b; i += 8) a0 = _mm256_add_ps(a0, load8(p + i));
    a0 = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float s = _mm_cvtss_f32(h);
    for (; i < b; i++) s += ld(p + i);
    total += s;
    p += b;
    n -= b;
  }
  return total;
}

NT_AVX2 static double sum_f64_avx2(const double* p, int64_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_pd(a0, _mm256_loadu_pd(p + i));
    a1 = _mm256_add_pd(a1, _mm256_loadu_pd(p + i + 4));
    a2 = _mm256_add_pd(a2, _mm256_loadu_pd(p + i + 8));
    a3 = _mm256_add_pd(a3, _mm256_loadu_pd(p + i + 12));
  }
  a0 = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
  double t[4];
  _mm256_storeu_pd(t, a0);
  double s = (t[0] + t[1]) + (t[2] + t[3]);
  for (; i < n; i++) s += p[i];
  return s;
}
#endif


static double sum_f64_port(const double* p, int64_t n) {
  double acc[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += p[i + k];
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; i++) s += p[i];
  return s;
}

template <class T>
static double sum_strided(const T* p, int64_t st, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += (double)ld(p + i * st);
  return s;
}

template <class T>
static double sum_run_fp(const T* p, int64_t st, int64_t n) {
  if (st != 1) return sum_strided(p, st, n);
#if NT_X86
  if (use_avx2()) return sum_avx2(p, n);
#endif
  return sum_port(p, n);
}
double sum_run(const float* p, int64_t st, int64_t n) { return sum_run_fp(p, st, n); }
double sum_run(const nt_half* p, int64_t st, int64_t n) { return sum_run_fp(p, st, n); }
double sum_run(const nt_bf16* p, int64_t st, int64_t n) { return sum_run_fp(p, st, n); }
double sum_run(const double* p, int64_t st, int64_t n) {
  if (st != 1) return sum_strided(p, st, n);
#if NT_X86
  if (use_avx2()) return sum_f64_avx2(p, n);
#endif
  return sum_f64_port(p, n);
}

// ---- row loops (vector mode): plain loops the compiler vectorises, built twice ----------------
template <class R, class T>
static inline __attribute__((always_inline)) void add_row_t(R* r, const T* p, int64_t b) {
  for (int64_t j = 0; j < b; j++) r[j] += (R)ld(p + j);
}
#if NT_X86
NT_AVX2 static void add_row_avx2(float* r, const float* p, int64_t b) { add_row_t(r, p, b); }
NT_AVX2 static void add_row_avx2(double* r, const double* p, int64_t b) { add_row_t(r, p, b); }
template <class T>
NT_AVX2 static void add_row_avx2(float* r, const T* p, int64_t b) {  // float16 / bfloat16
  int64_t j = 0;
  for (; j + 8 <= b; j += 8) _mm256_storeu_ps(r + j, _mm256_add_ps(_mm256_loadu_ps(r + j), load8(p + j)));
  for (; j < b; j++) r[j] += ld(p + j);
}
// Four rows at once (rows st apart): r is read and written once per four input rows.
NT_AVX2 static void add_rows4_avx2(float* r, const float* p, int64_t st, int64_t b) {
  const float *p0 = p, *p1 = p + st, *p2 = p + 2 * st, *p3 = p + 3 * st;
  int64_t j = 0;
  for (; j + 8 <= b; j += 8) {
    __m256 s01 = _mm256_add_ps(_mm256_loadu_ps(p0 + j), _mm256_loadu_ps(p1 + j));
    __m256 s23 = _mm256_add_ps(_mm256_loadu_ps(p2 + j), _mm256_loadu_ps(p3 + j));
    _mm256_storeu_ps(r + j, _mm256_add_ps(_mm256_loadu_ps(r + j), _mm256_add_ps(s01, s23)));
  }
  for (; j < b; j++) r[j] += (p0[j] + p1[j]) + (p2[j] + p3[j]);
}
#endif

template <class R, class T>
static void add_row(R* r, const T* p, int64_t b) {
#if NT_X86
  if (std::is_same<R, float>::value || std::is_same<T, double>::value) {
    if (use_avx2()) return add_row_avx2(r, p, b);
  }
#endif
  add_row_t(r, p, b);
}

}  // namespace nt_red

namespace {
using namespace nt_red;

// ---- sum / prod ---------------------------------------------------------------------------------
// Floats accumulate in double (float rows flushed into double); ints and bool in uint64 (wraps).
template <class T>
struct sum_op {
  typedef typename std::conditional<is_fp<T>::value, double, uint64_t>::type acc_t;
  typedef typename std::conditional<is_fp<T>::value && !std::is_same<T, double>::value, float,
                                    acc_t>::type row_t;
  double scale = 1;
  acc_t init(int64_t) const { return 0; }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const { a += run(p, st, n); }
  void merge(acc_t& a, const acc_t& b) const { a += b; }
  void store(const nt_view* o, int64_t off, const acc_t& a) const {
    if (is_fp<T>::value) put_d(o, off, (double)a * scale);
    else if (scale == 1) put_i(o, off, (int64_t)a);
    else put_d(o, off, (double)(int64_t)a * scale);
  }
  void rinit(row_t* r, int64_t b, int64_t, int64_t) const { std::fill(r, r + b, row_t(0)); }
  void fold_row(row_t* r, const T* p, int64_t b) const { row(r, p, b); }
  void fold_rows(row_t* r, const T* p, int64_t st, int64_t cnt, int64_t b) const {
#if NT_X86
    if (std::is_same<T, float>::value && cnt == 4 && use_avx2())
      return add_rows4_avx2((float*)r, (const float*)p, st, b);
#endif
    for (int64_t c = 0; c < cnt; c++) row(r, p + c * st, b);
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) { a[j] += r[j]; r[j] = 0; }
  }
  template <class U> static acc_t run(const U* p, int64_t st, int64_t n) { return sum_run(p, st, n); }
  template <class U> static void row(row_t* r, const U* p, int64_t b) { add_row(r, p, b); }
  static acc_t run(const int32_t* p, int64_t st, int64_t n) { return int_sum(p, st, n); }
  static acc_t run(const int64_t* p, int64_t st, int64_t n) { return int_sum(p, st, n); }
  static acc_t run(const uint8_t* p, int64_t st, int64_t n) { return int_sum(p, st, n); }
  static acc_t run(const bool8* p, int64_t st, int64_t n) { return int_sum(p, st, n); }
  template <class U> static acc_t int_sum(const U* p, int64_t st, int64_t n) {
    uint64_t s = 0;
    if (st == 1) for (int64_t i = 0; i < n; i++) s += (uint64_t)ld(p + i);
    else for (int64_t i = 0; i < n; i++) s += (uint64_t)ld(p + i * st);
    return s;
  }
  static void row(uint64_t* r, const int32_t* p, int64_t b) { int_row(r, p, b); }
  static void row(uint64_t* r, const int64_t* p, int64_t b) { int_row(r, p, b); }
  static void row(uint64_t* r, const uint8_t* p, int64_t b) { int_row(r, p, b); }
  static void row(uint64_t* r, const bool8* p, int64_t b) { int_row(r, p, b); }
  template <class U> static void int_row(uint64_t* r, const U* p, int64_t b) {
    for (int64_t j = 0; j < b; j++) r[j] += (uint64_t)ld(p + j);
  }
};

template <class T>
struct prod_op {
  typedef typename std::conditional<is_fp<T>::value, double, uint64_t>::type acc_t;
  typedef acc_t row_t;
  double scale = 1;
  acc_t init(int64_t) const { return 1; }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const {
    acc_t q[4] = {1, 1, 1, 1};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int k = 0; k < 4; k++) q[k] *= (acc_t)ld(p + (i + k) * st);
    for (; i < n; i++) q[0] *= (acc_t)ld(p + i * st);
    a *= (q[0] * q[1]) * (q[2] * q[3]);
  }
  void merge(acc_t& a, const acc_t& b) const { a *= b; }
  void store(const nt_view* o, int64_t off, const acc_t& a) const {
    if (is_fp<T>::value) put_d(o, off, (double)a * scale);
    else if (scale == 1) put_i(o, off, (int64_t)a);
    else put_d(o, off, (double)(int64_t)a * scale);
  }
  void rinit(row_t* r, int64_t b, int64_t, int64_t) const { std::fill(r, r + b, row_t(1)); }
  void fold_row(row_t* r, const T* p, int64_t b) const {
    for (int64_t j = 0; j < b; j++) r[j] *= (acc_t)ld(p + j);
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) { a[j] *= r[j]; r[j] = 1; }
  }
};

// ---- amax / amin: NaN propagates ---------------------------------------------------------------
template <class C, bool MAX>
static inline C pick(C a, C x) {  // the extreme of a and x; a NaN in either wins
  return (x != x || (MAX ? x > a : x < a)) ? x : a;
}

#if NT_X86
template <bool MAX>
NT_AVX2 static float ext_f32_avx2(const float* p, int64_t n, float a) {
  if (a != a) return a;
  __m256 m0 = _mm256_set1_ps(a), m1 = m0, bad = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 x0 = _mm256_loadu_ps(p + i), x1 = _mm256_loadu_ps(p + i + 8);
    m0 = MAX ? _mm256_max_ps(m0, x0) : _mm256_min_ps(m0, x0);
    m1 = MAX ? _mm256_max_ps(m1, x1) : _mm256_min_ps(m1, x1);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(x0, x1, _CMP_UNORD_Q));
  }
  if (_mm256_movemask_ps(bad)) return NAN;
  m0 = MAX ? _mm256_max_ps(m0, m1) : _mm256_min_ps(m0, m1);
  float t[8];
  _mm256_storeu_ps(t, m0);
  for (int k = 0; k < 8; k++) a = pick<float, MAX>(a, t[k]);
  for (; i < n; i++) a = pick<float, MAX>(a, p[i]);
  return a;
}
template <bool MAX>
NT_AVX2 static void ext_row_f32_avx2(float* r, const float* p, int64_t b) {
  for (int64_t j = 0; j < b; j++) r[j] = pick<float, MAX>(r[j], p[j]);
}

// Index of the first element equal to v (the first NaN when v is NaN), or n.
NT_AVX2 static int64_t first_match_f32_avx2(const float* p, int64_t n, float v) {
  const bool nan = v != v;
  const __m256 vv = _mm256_set1_ps(v);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(p + i);
    int bits = _mm256_movemask_ps(nan ? _mm256_cmp_ps(x, x, _CMP_UNORD_Q) : _mm256_cmp_ps(x, vv, _CMP_EQ_OQ));
    if (bits) return i + __builtin_ctz((unsigned)bits);
  }
  for (; i < n; i++) if (nan ? p[i] != p[i] : p[i] == v) return i;
  return n;
}
#endif

}  // namespace
namespace nt_red {
float extreme_f32(const float* p, int64_t n, bool max) {
#if NT_X86
  if (use_avx2()) return max ? ext_f32_avx2<true>(p, n, -INFINITY) : ext_f32_avx2<false>(p, n, INFINITY);
#endif
  float a = max ? -INFINITY : INFINITY;
  for (int64_t i = 0; i < n; i++) a = max ? pick<float, true>(a, p[i]) : pick<float, false>(a, p[i]);
  return a;
}

int64_t first_match_f32(const float* p, int64_t n, float v) {
#if NT_X86
  if (use_avx2()) return first_match_f32_avx2(p, n, v);
#endif
  for (int64_t i = 0; i < n; i++) if (v != v ? p[i] != p[i] : p[i] == v) return i;
  return n;
}
}  // namespace nt_red
namespace {

template <class T, bool MAX>
struct ext_op {
  typedef decltype(ld((const T*)0)) acc_t;
  typedef acc_t row_t;
  static acc_t start() {
    if (is_fp<T>::value) return MAX ? -INFINITY : INFINITY;
    return MAX ? std::numeric_limits<acc_t>::lowest() : std::numeric_limits<acc_t>::max();
  }
  acc_t init(int64_t) const { return start(); }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const {
#if NT_X86
    if (std::is_same<T, float>::value && st == 1 && use_avx2()) {
      a = (acc_t)ext_f32_avx2<MAX>((const float*)p, n, (float)a);
      return;
    }
#endif
    acc_t m = a;
    for (int64_t i = 0; i < n; i++) m = pick<acc_t, MAX>(m, ld(p + i * st));
    a = m;
  }
  void merge(acc_t& a, const acc_t& b) const { a = pick<acc_t, MAX>(a, b); }
  void store(const nt_view* o, int64_t off, const acc_t& a) const {
    if (is_fp<T>::value) put_d(o, off, (double)a);
    else put_i(o, off, (int64_t)a);
  }
  void rinit(row_t* r, int64_t b, int64_t, int64_t) const { std::fill(r, r + b, start()); }
  void fold_row(row_t* r, const T* p, int64_t b) const {
#if NT_X86
    if (std::is_same<T, float>::value && use_avx2()) {
      ext_row_f32_avx2<MAX>((float*)r, (const float*)p, b);
      return;
    }
#endif
    for (int64_t j = 0; j < b; j++) r[j] = pick<acc_t, MAX>(r[j], ld(p + j));
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) a[j] = pick<acc_t, MAX>(a[j], r[j]);
  }
};

// ---- all / any: any dtype, truthy = nonzero (NaN is truthy) --------------------------------------
template <class T, bool ALL>
struct logic_op {
  typedef uint8_t acc_t;
  typedef uint8_t row_t;
  acc_t init(int64_t) const { return ALL ? 1 : 0; }
  void fold(acc_t& a, const T* p, int64_t st, int64_t n) const {
    if (a != (ALL ? 1 : 0)) return;  // already decided
    for (int64_t i = 0; i < n; i++)
      if ((ld(p + i * st) != 0) != ALL) { a = ALL ? 0 : 1; return; }
  }
  void merge(acc_t& a, const acc_t& b) const { a = ALL ? (a & b) : (a | b); }
  void store(const nt_view* o, int64_t off, const acc_t& a) const { put_i(o, off, a); }
  void rinit(row_t* r, int64_t b, int64_t, int64_t) const { std::fill(r, r + b, init(0)); }
  void fold_row(row_t* r, const T* p, int64_t b) const {
    for (int64_t j = 0; j < b; j++) {
      uint8_t t = ld(p + j) != 0;
      r[j] = ALL ? (r[j] & t) : (r[j] | t);
    }
  }
  void flush(acc_t* a, row_t* r, int64_t b) const {
    for (int64_t j = 0; j < b; j++) { merge(a[j], r[j]); r[j] = init(0); }
  }
};

// ---- kernels ----------------------------------------------------------------------------------
template <template <class> class OP>
int k_arith(const nt_args* a, nt_error* err) {
  plan p;
  if (int r = make_plan(a, &p, true, err)) return r;
  NT_RED_DISPATCH(a->v[0].dtype, T, {
    OP<T> op;
    op.scale = a->f[0];
    run<T>(p, &a->v[0], &a->v[1], op);
  });
  return 0;
}

template <bool MAX>
int k_ext(const nt_args* a, nt_error* err) {
  plan p;
  if (int r = make_plan(a, &p, true, err)) return r;
  if (p.n == 0 && p.m > 0) return nt_fail(err, "cannot reduce over an empty dimension");
  NT_RED_DISPATCH(a->v[0].dtype, T, { run<T>(p, &a->v[0], &a->v[1], ext_op<T, MAX>()); });
  return 0;
}

template <bool ALL>
int k_logic(const nt_args* a, nt_error* err) {
  plan p;
  if (int r = make_plan(a, &p, true, err)) return r;
  NT_RED_DISPATCH(a->v[0].dtype, T, { run<T>(p, &a->v[0], &a->v[1], logic_op<T, ALL>()); });
  return 0;
}

}  // namespace

void nt_cpu_register_reduce(nt_kernel_fn* slots) {
  slots[NT_OP_sum] = guarded<k_arith<sum_op>>;
  slots[NT_OP_prod] = guarded<k_arith<prod_op>>;
  slots[NT_OP_amax] = guarded<k_ext<true>>;
  slots[NT_OP_amin] = guarded<k_ext<false>>;
  slots[NT_OP_all] = guarded<k_logic<true>>;
  slots[NT_OP_any] = guarded<k_logic<false>>;
  nt_cpu_register_reduce_arg(slots);
  nt_cpu_register_softmax(slots);
  nt_cpu_register_sort(slots);
}
