// sort.cpp — CPU kernels for sort (always stable) and topk, any dtype: values become unsigned keys
// whose order is the numeric order (NaN above +inf, -0 == +0), then an LSD radix sort (or std::sort
// for short lines, nth_element for topk). Not here: reductions or the line layout (reduce-common.h).
#include <algorithm>
#include <atomic>
#include <memory>
#include <type_traits>

#include "reduce-common.h"

namespace {
using namespace nt_red;

// ---- order-preserving keys ---------------------------------------------------------------------
template <class T> struct key_of;
template <> struct key_of<float> {
  typedef uint32_t U;
  static U get(const float* p) {
    uint32_t u;
    memcpy(&u, p, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0xffffffffu;  // NaN: above everything
    if (u == 0x80000000u) u = 0;                               // -0 sorts as +0
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  }
};
template <> struct key_of<double> {
  typedef uint64_t U;
  static U get(const double* p) {
    uint64_t u;
    memcpy(&u, p, 8);
    const uint64_t sign = 1ull << 63;
    if ((u & ~sign) > 0x7ff0000000000000ull) return ~0ull;
    if (u == sign) u = 0;
    return (u & sign) ? ~u : (u | sign);
  }
};
static inline uint16_t key16(uint16_t u, uint16_t inf) {
  if ((u & 0x7fff) > inf) return 0xffff;
  if (u == 0x8000) u = 0;
  return (u & 0x8000) ? (uint16_t)~u : (uint16_t)(u | 0x8000);
}
template <> struct key_of<nt_half> {
  typedef uint16_t U;
  static U get(const nt_half* p) { return key16(p->bits, 0x7c00); }
};
template <> struct key_of<nt_bf16> {
  typedef uint16_t U;
  static U get(const nt_bf16* p) { return key16(p->bits, 0x7f80); }
};
template <> struct key_of<int32_t> {
  typedef uint32_t U;
  static U get(const int32_t* p) { return (uint32_t)*p ^ 0x80000000u; }
};
template <> struct key_of<int64_t> {
  typedef uint64_t U;
  static U get(const int64_t* p) { return (uint64_t)*p ^ (1ull << 63); }
};
template <> struct key_of<uint8_t> {
  typedef uint8_t U;
  static U get(const uint8_t* p) { return *p; }
};
template <> struct key_of<bool8> {
  typedef uint8_t U;
  static U get(const bool8* p) { return p->v != 0; }
};

// Items: keys up to 32 bits share a uint64 with the index (key << 32 | index), so plain integer
// order is (key, index) order, i.e. stable; 64-bit keys use a pair.
struct wide_item {
  uint64_t key, idx;
  bool operator<(const wide_item& o) const { return key < o.key || (key == o.key && idx < o.idx); }
};
static inline uint64_t item_key(uint64_t it) { return it >> 32; }
static inline uint64_t item_key(const wide_item& it) { return it.key; }
static inline int64_t item_idx(uint64_t it) { return (int64_t)(it & 0xffffffffu); }
static inline int64_t item_idx(const wide_item& it) { return (int64_t)it.idx; }
static inline uint64_t make_item(uint64_t key, int64_t i, uint64_t*) { return key << 32 | (uint64_t)i; }
static inline wide_item make_item(uint64_t key, int64_t i, wide_item*) { return wide_item{key, (uint64_t)i}; }

// Stable LSD radix sort of a[0..n) on the low `bytes` bytes of item_key; tmp has room for n.
template <class I>
void radix_sort(I* a, I* tmp, int64_t n, int bytes) {
  int64_t count[8 * 256] = {0};
  for (int64_t i = 0; i < n; i++) {
    uint64_t k = item_key(a[i]);
    for (int b = 0; b < bytes; b++) count[b * 256 + ((k >> (8 * b)) & 255)]++;
  }
  I* src = a;
  I* dst = tmp;
  for (int b = 0; b < bytes; b++) {
    int64_t* c = count + b * 256;
    bool trivial = false;
    for (int d = 0; d < 256; d++) if (c[d] == n) trivial = true;
    if (trivial) continue;  // every key has the same digit here
    int64_t pos = 0;
    for (int d = 0; d < 256; d++) { int64_t t = c[d]; c[d] = pos; pos += t; }
    const int shift = 8 * b;
    for (int64_t i = 0; i < n; i++) dst[c[(item_key(src[i]) >> shift) & 255]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

// Sorts (or selects, for topk) one line and writes `kout` values and indices; false: out of memory.
template <class T, class I>
bool line_sort(const T* x, int64_t xs, int64_t n, bool desc, int64_t kout, bool topk, bool sorted,
               scratch<I>& a, scratch<I>& tmp, T* vals, int64_t vs, int64_t* idx, int64_t is) {
  typedef typename key_of<T>::U U;
  const U flip = desc ? (U)~(U)0 : (U)0;
  I* it = nullptr;
  auto key = [&](int64_t i) { return (uint64_t)(U)(key_of<T>::get(x + i * xs) ^ flip); };
  if (topk && kout < n) {
    int64_t m = 0;
    if (sizeof(U) > 1 && n > 1024) {  // radix select: only items whose top key byte can be in the top k
      const int shift = 8 * (int)sizeof(U) - 8;
      int64_t cnt[256] = {0};
      for (int64_t i = 0; i < n; i++) cnt[(key(i) >> shift) & 255]++;
      int64_t acc = 0, cut = 0;  // the smallest top byte whose bucket reaches the k-th item
      for (;; cut++) {
        acc += cnt[cut];
        if (acc >= kout || cut == 255) break;
      }
      it = a.get((size_t)acc);
      if (!it) return false;
      for (int64_t i = 0; i < n; i++) {
        uint64_t k = key(i);
        if ((int64_t)((k >> shift) & 255) <= cut) it[m++] = make_item(k, i, it);
      }
    } else {
      it = a.get((size_t)n);
      if (!it) return false;
      for (int64_t i = 0; i < n; i++) it[i] = make_item(key(i), i, it);
      m = n;
    }
    std::nth_element(it, it + kout, it + m);
    if (sorted) std::sort(it, it + kout);
  } else {
    it = a.get((size_t)n);
    I* spare = n <= 256 ? it : tmp.get((size_t)n);
    if (!it || !spare) return false;
    for (int64_t i = 0; i < n; i++) it[i] = make_item(key(i), i, it);
    if (n <= 256) std::sort(it, it + n);
    else radix_sort(it, spare, n, (int)sizeof(U));
  }
  for (int64_t k = 0; k < kout; k++) {
    int64_t i = item_idx(it[k]);
    vals[k * vs] = x[i * xs];
    idx[k * is] = i;
  }
  return true;
}

template <class T>
bool sort_run(const nt_args* a, lines<3>& L, bool topk) {
  typedef typename std::conditional<sizeof(typename key_of<T>::U) <= 4, uint64_t, wide_item>::type I;
  const T* in = (const T*)a->v[0].data;
  T* vals = (T*)a->v[1].data;
  int64_t* idx = (int64_t*)a->v[2].data;
  const int64_t n = L.len[0], kout = L.len[1];
  const bool desc = a->i[1] != 0, sorted = !topk || a->i[2] != 0;
  std::atomic<bool> ok{true};
  nt::parallel_for(0, L.count, std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1)),
                   [&](int64_t lo, int64_t hi) {
    scratch<I> buf, tmp;
    odometer<3> k = L.od;
    k.start(lo, L.base);
    for (int64_t l = lo; l < hi && ok.load(std::memory_order_relaxed); l++, k.next())
      if (!line_sort<T, I>(in + k.off[0], L.sd[0], n, desc, kout, topk, sorted, buf, tmp,
                           vals + k.off[1], L.sd[1], idx + k.off[2], L.sd[2]))
        ok = false;
  });
  return ok;
}

template <bool TOPK>
int k_sort(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_fail(err, "expected 3 views (input, values, indices)");
  if (int r = nt_check_view(&a->v[0], "input", err)) return r;
  if (int r = nt_check_view(&a->v[1], "values", err)) return r;
  if (int r = nt_check_view(&a->v[2], "indices", err)) return r;
  if (a->v[1].dtype != a->v[0].dtype)
    return nt_fail(err, "values dtype %s differs from input dtype %s", nt_dtype_name(a->v[1].dtype),
                   nt_dtype_name(a->v[0].dtype));
  if (a->v[2].dtype != NT_I64)
    return nt_fail(err, "indices must be int64, got %s", nt_dtype_name(a->v[2].dtype));
  const nt_view* v[3] = {&a->v[0], &a->v[1], &a->v[2]};
  lines<3> L;
  if (int r = make_lines<3>(v, a->i[0], &L, err)) return r;
  if (L.len[2] != L.len[1]) return nt_fail(err, "values and indices differ in size along dim");
  if (!TOPK && L.len[1] != L.len[0]) return nt_fail(err, "values size along dim differs from the input's");
  if (TOPK && L.len[1] > L.len[0])
    return nt_fail(err, "k (%lld) is larger than the dimension size (%lld)", (long long)L.len[1],
                   (long long)L.len[0]);
  if (L.len[0] >= (int64_t(1) << 32))
    return nt_fail(err, "dimension of size %lld is too large to sort", (long long)L.len[0]);
  if (L.count == 0 || L.len[1] == 0) return 0;
  bool ok = true;
  NT_RED_DISPATCH(a->v[0].dtype, T, { ok = sort_run<T>(a, L, TOPK); });
  if (!ok) return nt_fail(err, "out of memory for the sort buffers (%lld items per line)", (long long)L.len[0]);
  return 0;
}

}  // namespace

void nt_cpu_register_sort(nt_kernel_fn* slots) {
  slots[NT_OP_sort] = guarded<k_sort<false>>;
  slots[NT_OP_topk] = guarded<k_sort<true>>;
}
