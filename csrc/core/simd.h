// simd.h — CPU feature detection and the target attribute for AVX2/FMA/F16C code paths.
// The .node is compiled for baseline x86-64 so it loads on any machine; hot loops have an AVX2
// variant marked NT_AVX2 and are chosen at run time with nt_cpu_has_avx2(). Other architectures
// take the portable path (written so the compiler can auto-vectorise it).
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#define NT_X86 1
#define NT_AVX2 __attribute__((target("avx2,fma,f16c")))
static inline bool nt_cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("f16c");
  return has;
}
#else
#define NT_X86 0
#define NT_AVX2
static inline bool nt_cpu_has_avx2() { return false; }
#endif
