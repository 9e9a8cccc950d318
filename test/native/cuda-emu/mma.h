// mma.h (CPU stand-in) — nvcuda::wmma's 16x16x16 fragments as the documentation describes them,
// for the CPU run of the attention kernels: every lane holds the whole tile (the real layout is
// unspecified, and the kernels only ever scale accumulator elements uniformly), loads read the
// whole tile when the lane executes them (so a missing __syncwarp before them can show), stores
// write a 1/32 share per lane (so a missing __syncwarp after them can show), and pointers and
// ldm are checked against the documented rules (256-bit aligned; ldm a multiple of 16 bytes) and
// against the launch's dynamic shared memory.
#pragma once
#include <stdint.h>

#include <string>
#include <type_traits>

#include "cuda_runtime.h"

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
  static constexpr int num_elements = 256;
  T x[256];
};

inline float nt_emu_f(float v) { return v; }
inline float nt_emu_f(__half v) { return __half2float(v); }
inline float nt_emu_f(__nv_bfloat16 v) { return __bfloat162float(v); }

template <class T>
inline void nt_emu_check(const T* p, unsigned ldm, unsigned rows, unsigned cols, bool row_major_mem, const char* what) {
  if ((uintptr_t)p % 32) nt_emu().fault(std::string(what) + ": pointer not 256-bit aligned");
  if ((ldm * sizeof(T)) % 16) nt_emu().fault(std::string(what) + ": ldm not a multiple of 16 bytes");
  // the last element touched: (rows-1, cols-1) in the memory layout
  const size_t last = row_major_mem ? (size_t)(rows - 1) * ldm + cols - 1 : (size_t)(cols - 1) * ldm + rows - 1;
  nt_emu_check_smem(p, (last + 1) * sizeof(T), what);
}

template <class T, class L>
void load_matrix_sync(fragment<matrix_a, 16, 16, 16, T, L>& f, const T* p, unsigned ldm) {
  constexpr bool row = std::is_same<L, row_major>::value;
  nt_emu_check(p, ldm, 16, 16, row, "load_matrix_sync(matrix_a)");
  for (int m = 0; m < 16; m++)
    for (int k = 0; k < 16; k++) f.x[m * 16 + k] = row ? p[m * ldm + k] : p[k * ldm + m];
}
template <class T, class L>
void load_matrix_sync(fragment<matrix_b, 16, 16, 16, T, L>& f, const T* p, unsigned ldm) {
  constexpr bool row = std::is_same<L, row_major>::value;
  nt_emu_check(p, ldm, 16, 16, row, "load_matrix_sync(matrix_b)");
  for (int k = 0; k < 16; k++)
    for (int n = 0; n < 16; n++) f.x[k * 16 + n] = row ? p[k * ldm + n] : p[n * ldm + k];
}
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm, layout_t l) {
  nt_emu_check(p, ldm, 16, 16, l == mem_row_major, "store_matrix_sync");
  const int lane = (int)(threadIdx.x % 32);
  for (int e = 8 * lane; e < 8 * lane + 8; e++) {  // lane l writes elements 8l .. 8l + 7
    const int m = e / 16, n = e % 16;
    p[l == mem_row_major ? m * ldm + n : n * ldm + m] = f.x[e];
  }
}
template <class F, class V>
void fill_fragment(F& f, V v) {
  for (auto& x : f.x) x = v;
}
template <class TA, class LA, class TB, class LB>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, TA, LA>& a,
              const fragment<matrix_b, 16, 16, 16, TB, LB>& b, const fragment<accumulator, 16, 16, 16, float>& c) {
  float t[256];
  for (int m = 0; m < 16; m++)
    for (int n = 0; n < 16; n++) {
      float s = c.x[m * 16 + n];
      for (int k = 0; k < 16; k++) s += nt_emu_f(a.x[m * 16 + k]) * nt_emu_f(b.x[k * 16 + n]);
      t[m * 16 + n] = s;
    }
  for (int e = 0; e < 256; e++) d.x[e] = t[e];
}

}  // namespace wmma
}  // namespace nvcuda
