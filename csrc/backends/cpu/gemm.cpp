// gemm.cpp — the built-in GEMM driver: Goto/BLIS-style cache blocking, A and B packed into
// thread-local aligned buffers, threads over batch entries and tiles of C, and a portable kernel.
// Not here: the AVX2 micro-kernels (gemm-avx2.cpp), the BLAS path or dtype conversion (matmul.cpp).
//
// Loop nest per tile of C (m x n):  jc (NC cols of B) > pc (KC of k: pack B block, L2/L3) >
// ic (MC rows of A: pack A block, L2) > jr (NR cols: one B micro-panel, L1/L2) > ir (MR rows) >
// micro-kernel (MR x NR accumulators in registers). Packed panels are zero-padded to MR/NR, so the
// micro-kernel always runs full width and only its store is clipped.
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>

#include "../../core/parallel.h"
#include "../../core/simd.h"
#include "gemm.h"

#if NT_X86
#include <emmintrin.h>  // SSE2, part of baseline x86-64
#endif

namespace nt_cpu {
namespace {

template <typename T>
using ukernel_fn = void (*)(int64_t, const T*, const T*, T*, int64_t, int64_t, T, T, int, int);

// Packing buffers, per thread; they only grow, bounded by MC*KC and KC*NC elements.
thread_local scratch_buffer t_pack_a, t_pack_b;

// Blocking parameters and micro-kernel of one (type, ISA) pair.
template <typename T, int MR_, int NR_, int MC_, int KC_, int NC_, ukernel_fn<T> UK>
struct config {
  typedef T type;
  static const int MR = MR_, NR = NR_, MC = MC_, KC = KC_, NC = NC_;
  static void kernel(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t csc, T alpha,
                     T beta, int mr, int nr) {
    UK(kc, a, b, c, rsc, csc, alpha, beta, mr, nr);
  }
};

// Portable micro-kernel: plain loops over a fixed MR x NR tile that the compiler keeps in vector
// registers (SSE2 on baseline x86-64, NEON on arm64).
template <typename T, int MR, int NR>
void ukernel_portable(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t csc, T alpha,
                      T beta, int mr, int nr) {
  T acc[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) acc[i][j] = 0;
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const T ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) {
      T* q = c + i * rsc + j * csc;
      *q = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *q;
    }
}

// Splits `total` into blocks of at most `cap`, of equal size rounded up to `unit`
// (k = 600 with KC = 512 gives 300 + 300, not 512 + 88).
inline int64_t balanced_block(int64_t total, int64_t cap, int64_t unit) {
  if (total <= cap) return total;
  int64_t nblocks = (total + cap - 1) / cap;
  int64_t b = (total + nblocks - 1) / nblocks;
  b = (b + unit - 1) / unit * unit;
  return b < cap ? b : cap;
}

// ---- packing. The transposing cases (row-major A, column-major B, the layout of a Linear
// layer's weight) are the costly ones: SSE2 (baseline on x86-64) does them in 4x4 / 2x2 blocks.

// dst[p * R + r] = src[r * ld + p] for r < rows, p < kc; rows rows..R are zeroed.
template <typename T, int R>
void transpose_pack(const T* src, int64_t ld, int64_t kc, T* dst, int rows) {
  int r = 0;
#if NT_X86
  if (sizeof(T) == 4) {
    const float* s = (const float*)src;
    float* d = (float*)dst;
    for (; r + 4 <= rows; r += 4) {
      const float* s0 = s + r * ld;
      int64_t p = 0;
      for (; p + 4 <= kc; p += 4) {
        __m128 x0 = _mm_loadu_ps(s0 + p), x1 = _mm_loadu_ps(s0 + ld + p);
        __m128 x2 = _mm_loadu_ps(s0 + 2 * ld + p), x3 = _mm_loadu_ps(s0 + 3 * ld + p);
        _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
        _mm_storeu_ps(d + p * R + r, x0), _mm_storeu_ps(d + (p + 1) * R + r, x1);
        _mm_storeu_ps(d + (p + 2) * R + r, x2), _mm_storeu_ps(d + (p + 3) * R + r, x3);
      }
      for (; p < kc; p++)
        for (int i = 0; i < 4; i++) d[p * R + r + i] = s0[i * ld + p];
    }
    for (; r + 2 <= rows; r += 2) {
      const float* s0 = s + r * ld;
      int64_t p = 0;
      for (; p + 4 <= kc; p += 4) {
        __m128 x0 = _mm_loadu_ps(s0 + p), x1 = _mm_loadu_ps(s0 + ld + p);
        __m128 lo = _mm_unpacklo_ps(x0, x1), hi = _mm_unpackhi_ps(x0, x1);
        _mm_storel_pi((__m64*)(d + p * R + r), lo);
        _mm_storeh_pi((__m64*)(d + (p + 1) * R + r), lo);
        _mm_storel_pi((__m64*)(d + (p + 2) * R + r), hi);
        _mm_storeh_pi((__m64*)(d + (p + 3) * R + r), hi);
      }
      for (; p < kc; p++) d[p * R + r] = s0[p], d[p * R + r + 1] = s0[ld + p];
    }
  } else if (sizeof(T) == 8) {
    const double* s = (const double*)src;
    double* d = (double*)dst;
    for (; r + 2 <= rows; r += 2) {
      const double* s0 = s + r * ld;
      int64_t p = 0;
      for (; p + 2 <= kc; p += 2) {
        __m128d x0 = _mm_loadu_pd(s0 + p), x1 = _mm_loadu_pd(s0 + ld + p);
        _mm_storeu_pd(d + p * R + r, _mm_unpacklo_pd(x0, x1));
        _mm_storeu_pd(d + (p + 1) * R + r, _mm_unpackhi_pd(x0, x1));
      }
      for (; p < kc; p++) d[p * R + r] = s0[p], d[p * R + r + 1] = s0[ld + p];
    }
  }
#endif
  for (; r < rows; r++)
    for (int64_t p = 0; p < kc; p++) dst[p * R + r] = src[r * ld + p];
  if (rows < R)
    for (int64_t p = 0; p < kc; p++)
      for (int i = rows; i < R; i++) dst[p * R + i] = T(0);
}

// dst[p * R + r] = src[p * ld + r] for r < rows (runs of `rows` contiguous values); the rest zero.
template <typename T, int R>
void copy_pack(const T* src, int64_t ld, int64_t kc, T* dst, int rows) {
  if (rows == R) {
    for (int64_t p = 0; p < kc; p++) memcpy(dst + p * R, src + p * ld, sizeof(T) * R);
    return;
  }
  for (int64_t p = 0; p < kc; p++) {
    memcpy(dst + p * R, src + p * ld, sizeof(T) * rows);
    for (int i = rows; i < R; i++) dst[p * R + i] = T(0);
  }
}

// Packs the mc x kc block of A (row stride rsa, column stride csa) into MR-row panels:
// dst[panel][p][i] = A[panel*MR + i][p], rows past mc zero.
template <typename T, int MR>
void pack_a(const T* a, int64_t rsa, int64_t csa, int64_t mc, int64_t kc, T* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    const int rows = (int)std::min<int64_t>(MR, mc - i0);
    const T* s = a + i0 * rsa;
    if (csa == 1) {
      transpose_pack<T, MR>(s, rsa, kc, dst, rows);
    } else if (rsa == 1) {
      copy_pack<T, MR>(s, csa, kc, dst, rows);
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int i = 0; i < MR; i++) dst[p * MR + i] = i < rows ? s[i * rsa + p * csa] : T(0);
    }
  }
}

// Packs the kc x nc block of B into NR-column panels: dst[panel][p][j] = B[p][panel*NR + j].
template <typename T, int NR>
void pack_b(const T* b, int64_t rsb, int64_t csb, int64_t kc, int64_t nc, T* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
    const int cols = (int)std::min<int64_t>(NR, nc - j0);
    const T* s = b + j0 * csb;
    if (csb == 1) {
      copy_pack<T, NR>(s, rsb, kc, dst, cols);
    } else if (rsb == 1) {
      transpose_pack<T, NR>(s, csb, kc, dst, cols);
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int j = 0; j < NR; j++) dst[p * NR + j] = j < cols ? s[p * rsb + j * csb] : T(0);
    }
  }
}

// Unblocked fallback, only used if the packing buffers cannot be allocated.
template <typename T>
void naive_tile(const gemm_args<T>& g, const T* a, const T* b, T* c, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      T acc = 0;
      for (int64_t p = 0; p < g.k; p++) acc += a[i * g.rsa + p * g.csa] * b[p * g.rsb + j * g.csb];
      T* q = c + i * g.rsc + j * g.csc;
      *q = g.beta == T(0) ? g.alpha * acc : g.alpha * acc + g.beta * *q;
    }
}

// One m x n tile of one batch matrix (a, b, c already point at the tile's first row/column).
template <class C>
void gemm_tile(const gemm_args<typename C::type>& g, const typename C::type* a,
               const typename C::type* b, typename C::type* c, int64_t m, int64_t n) {
  typedef typename C::type T;
  const int64_t k = g.k;
  const int64_t kcb = balanced_block(k, C::KC, 4);
  const int64_t mcb = balanced_block(m, C::MC, C::MR);
  const int64_t ncb = balanced_block(n, C::NC, C::NR);
  const int64_t mc_pad = (mcb + C::MR - 1) / C::MR * C::MR;
  const int64_t nc_pad = (ncb + C::NR - 1) / C::NR * C::NR;
  T* pa = (T*)t_pack_a.get(sizeof(T) * (size_t)(mc_pad * kcb));
  T* pb = (T*)t_pack_b.get(sizeof(T) * (size_t)(nc_pad * kcb));
  if (!pa || !pb) return naive_tile(g, a, b, c, m, n);
  for (int64_t jc = 0; jc < n; jc += ncb) {
    const int64_t nc = std::min(ncb, n - jc);
    for (int64_t pc = 0; pc < k; pc += kcb) {
      const int64_t kc = std::min(kcb, k - pc);
      pack_b<T, C::NR>(b + pc * g.rsb + jc * g.csb, g.rsb, g.csb, kc, nc, pb);
      const T beta = pc == 0 ? g.beta : T(1);  // later k blocks accumulate into C
      for (int64_t ic = 0; ic < m; ic += mcb) {
        const int64_t mc = std::min(mcb, m - ic);
        pack_a<T, C::MR>(a + ic * g.rsa + pc * g.csa, g.rsa, g.csa, mc, kc, pa);
        for (int64_t jr = 0; jr < nc; jr += C::NR) {
          const int nr = (int)std::min<int64_t>(C::NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += C::MR) {
            const int mr = (int)std::min<int64_t>(C::MR, mc - ir);
            C::kernel(kc, pa + ir * kc, pb + jr * kc, c + (ic + ir) * g.rsc + (jc + jr) * g.csc,
                      g.rsc, g.csc, g.alpha, beta, mr, nr);
          }
        }
      }
    }
  }
}

// ---- m == 1 or n == 1: a matrix-vector product. It is memory-bound, so nothing is packed:
// out[l] = alpha * sum_p x[l*sl + p*sp] * y[p] + beta * out[l*so], with y contiguous.
template <typename T>
void gemv_rows(int64_t l0, int64_t l1, int64_t k, const T* x, int64_t sl, int64_t sp, const T* y,
               T* out, int64_t so, T alpha, T beta) {
  auto put = [&](int64_t l, T v) {
    T* q = out + l * so;
    *q = beta == T(0) ? alpha * v : alpha * v + beta * *q;
  };
  if (sp == 1) {  // dot products; 8 independent sums so the compiler can vectorise
    for (int64_t l = l0; l < l1; l++) {
      const T* xr = x + l * sl;
      T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t p = 0;
      for (; p + 8 <= k; p += 8)
        for (int j = 0; j < 8; j++) acc[j] += xr[p + j] * y[p + j];
      T sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
      for (; p < k; p++) sum += xr[p] * y[p];
      put(l, sum);
    }
    return;
  }
  const int64_t kB = 256;  // sl == 1: scaled column sums over blocks of kB outputs
  T acc[kB];
  for (int64_t b0 = l0; b0 < l1; b0 += kB) {
    const int64_t nb = std::min(kB, l1 - b0);
    for (int64_t j = 0; j < nb; j++) acc[j] = 0;
    for (int64_t p = 0; p < k; p++) {
      const T yp = y[p];
      const T* xc = x + p * sp + b0;
      for (int64_t j = 0; j < nb; j++) acc[j] += xc[j] * yp;
    }
    for (int64_t j = 0; j < nb; j++) put(b0 + j, acc[j]);
  }
}

thread_local scratch_buffer t_vec;

// Handles m == 1 or n == 1 when the matrix operand has a unit stride; false otherwise.
template <typename T>
bool try_gemv(const gemm_args<T>& g, int nth) {
  // m == 1: out row = a row (y) @ B, read as x[l = j][p] = B[p][j]. n == 1: out col = A @ b col.
  const bool row = g.m == 1;
  const int64_t len = row ? g.n : g.m, sl = row ? g.csb : g.rsa, sp = row ? g.rsb : g.csa;
  const int64_t sy = row ? g.csa : g.rsb, so = row ? g.csc : g.rsc;
  if (!(g.m == 1 || g.n == 1) || !(sp == 1 || sl == 1)) return false;
  const int64_t k = g.k;
  const double macs = (double)len * (double)k * (double)g.batch.count;
  const int64_t grain = std::max<int64_t>(16, (int64_t)(1 << 16) / std::max<int64_t>(k, 1));
  const int threads = macs >= (1 << 18) ? nth : 1;
  auto body = [&](int64_t lo, int64_t hi) {
    T* ybuf = sy == 1 ? nullptr : (T*)t_vec.get(sizeof(T) * (size_t)k);
    int64_t last_e = -1;
    const T* y = nullptr;
    for (int64_t t = lo; t < hi;) {  // t runs over (batch entry, output index)
      const int64_t e = t / len, l0 = t % len, l1 = std::min(len, l0 + (hi - t));
      int64_t oa, ob, oc;
      g.batch.offsets(e, &oa, &ob, &oc);
      const T* x = row ? g.b + ob : g.a + oa;
      const T* ysrc = row ? g.a + oa : g.b + ob;
      if (sy == 1) y = ysrc;
      else if (e != last_e) {
        if (!ybuf) {  // no memory for the copy: strided dot products, slowly
          for (int64_t l = l0; l < l1; l++) {
            T s = 0;
            for (int64_t p = 0; p < k; p++) s += x[l * sl + p * sp] * ysrc[p * sy];
            T* q = g.c + oc + l * so;
            *q = g.beta == T(0) ? g.alpha * s : g.alpha * s + g.beta * *q;
          }
          t += l1 - l0;
          continue;
        }
        for (int64_t p = 0; p < k; p++) ybuf[p] = ysrc[p * sy];
        y = ybuf;
      }
      last_e = e;
      gemv_rows(l0, l1, k, x, sl, sp, y, g.c + oc, so, g.alpha, g.beta);
      t += l1 - l0;
    }
  };
  const int64_t total = g.batch.count * len;
  if (threads <= 1) body(0, total);
  else nt::parallel_for(0, total, grain, body);
  return true;
}

// k == 0: C = beta * C (zeros when beta == 0, without reading C).
template <typename T>
void scale_c(const gemm_args<T>& g) {
  for (int64_t e = 0; e < g.batch.count; e++) {
    int64_t oa, ob, oc;
    g.batch.offsets(e, &oa, &ob, &oc);
    for (int64_t i = 0; i < g.m; i++)
      for (int64_t j = 0; j < g.n; j++) {
        T* q = g.c + oc + i * g.rsc + j * g.csc;
        *q = g.beta == T(0) ? T(0) : g.beta * *q;
      }
  }
}

// Below this many multiply-adds in total, threads cost more than they save. A tile of C gets at
// least kTileMinMacs, so that its packing stays small next to its arithmetic.
const double kParallelMinMacs = 1 << 20;
const double kTileMinMacs = 1 << 22;

// Splits one matrix into tm x tn == want tiles of whole micro-tiles, favouring square ones.
bool choose_tiles(int64_t mu, int64_t nu, int mr, int nr, int want, int* tm, int* tn) {
  int64_t best = -1;
  for (int i = 1; i <= want; i++) {
    if (want % i) continue;
    const int j = want / i;
    if (i > mu || j > nu) continue;
    const int64_t cost = (mu + i - 1) / i * mr + (nu + j - 1) / j * nr;
    if (best < 0 || cost < best) best = cost, *tm = i, *tn = j;
  }
  return best >= 0;
}

int gcd(int64_t a, int64_t b) { return (int)(b == 0 ? a : gcd(b, a % b)); }

// Threads claim tasks (batch entry x tile) from a shared counter, so a thread whose core is busy
// with another process simply takes fewer: with up to 3 tiles per thread a shared core costs a
// third of its share rather than the whole call waiting for it.
template <class C>
void gemm_run(const gemm_args<typename C::type>& g) {
  if (g.m <= 0 || g.n <= 0 || g.batch.count <= 0) return;
  if (g.k <= 0) return scale_c(g);
  int nth = nt::num_threads();
  if ((g.m == 1 || g.n == 1) && try_gemv(g, nth)) return;
  const int64_t mu = (g.m + C::MR - 1) / C::MR, nu = (g.n + C::NR - 1) / C::NR;
  const int64_t count = g.batch.count;
  const double macs1 = (double)g.m * (double)g.n * (double)g.k, macs = macs1 * (double)count;
  if (macs < kParallelMinMacs) nth = 1;
  int tm = 1, tn = 1;
  if (nth > 1 && count < 4 * nth && count % nth != 0) {
    const int base = nth / gcd(count, nth);  // tiles per matrix that make count * tiles % nth == 0
    for (int f = 3; f >= 1; f--) {  // extra tiles (f > 1) only where each stays big
      if (f > 1 && macs1 / (base * f) < kTileMinMacs) continue;
      if (choose_tiles(mu, nu, C::MR, C::NR, base * f, &tm, &tn)) break;
      tm = tn = 1;
    }
  }
  const int64_t per = (int64_t)tm * tn, tasks = count * per;
  auto task = [&](int64_t t) {
    int64_t e = t, m0 = 0, m1 = g.m, n0 = 0, n1 = g.n;
    if (per > 1) {  // NOTE: 64-bit divisions cost ~40 cycles each: skipped for whole matrices
      const int64_t r = t % per, ti = r / tn, tj = r % tn;
      e = t / per;
      m0 = std::min(g.m, mu * ti / tm * C::MR), m1 = std::min(g.m, mu * (ti + 1) / tm * C::MR);
      n0 = std::min(g.n, nu * tj / tn * C::NR), n1 = std::min(g.n, nu * (tj + 1) / tn * C::NR);
      if (m1 <= m0 || n1 <= n0) return;
    }
    int64_t oa, ob, oc;
    g.batch.offsets(e, &oa, &ob, &oc);
    gemm_tile<C>(g, g.a + oa + m0 * g.rsa, g.b + ob + n0 * g.csb,
                 g.c + oc + m0 * g.rsc + n0 * g.csc, m1 - m0, n1 - n0);
  };
  if (nth <= 1 || tasks < 2) {
    for (int64_t t = 0; t < tasks; t++) task(t);
    return;
  }
  std::atomic<int64_t> next{0};
  nt::parallel_for(0, std::min<int64_t>(nth, tasks), 1, [&](int64_t, int64_t) {
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) task(t);
  });
}

// Blocking measured on Zen 4 (32 KiB L1d, 1 MiB L2): a KC of 512 (a 32 KiB B micro-panel, streamed
// from L2) beat 256 by ~10% at 1024^3 because C is reloaded half as often. MC * KC sits in L2.
typedef config<float, 6, 16, 96, 512, 2048, ukernel_f32_avx2_6x16> f32_avx2;
typedef config<double, 6, 8, 72, 512, 2048, ukernel_f64_avx2_6x8> f64_avx2;
typedef config<float, 4, 8, 128, 256, 2048, ukernel_portable<float, 4, 8>> f32_portable;
typedef config<double, 4, 4, 96, 256, 1024, ukernel_portable<double, 4, 4>> f64_portable;

std::atomic<bool> g_force_portable{false};

bool use_avx2() { return nt_cpu_has_avx2() && !g_force_portable.load(std::memory_order_relaxed); }

}  // namespace

void gemm(const gemm_args<float>& g) {
  if (use_avx2()) gemm_run<f32_avx2>(g);
  else gemm_run<f32_portable>(g);
}

void gemm(const gemm_args<double>& g) {
  if (use_avx2()) gemm_run<f64_avx2>(g);
  else gemm_run<f64_portable>(g);
}

const char* gemm_simd_name() { return use_avx2() ? "avx2+fma" : "portable"; }

void gemm_force_portable(bool on) { g_force_portable.store(on); }

}  // namespace nt_cpu
