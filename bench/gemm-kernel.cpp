// gemm-kernel.cpp — a C-level harness timing float32 C = A @ B (row-major) with nothing around it:
// OpenBLAS's cblas_sgemm (dlopen'ed as csrc/backends/cpu/blas-loader.cpp does) and the built-in
// GEMM (csrc/backends/cpu/gemm.cpp). Samples are interleaved across contenders; it prints medians of
// wall time and of process CPU time per call (CPU time shows spinning and re-packing, and depends
// less than wall time on what other processes do on a shared machine; but idle OpenBLAS threads
// left spinning by the previous contender count too).
// Not here: the queue, N-API or JS (bench/run.ts times the whole op; PyTorch is timed there).
//   g++ -std=c++17 -O2 -Icsrc -o /tmp/gemm-kernel bench/gemm-kernel.cpp csrc/core/parallel.cpp
//     csrc/backends/cpu/gemm.cpp csrc/backends/cpu/gemm-avx2.cpp -ldl -pthread
//   /tmp/gemm-kernel [sizes...]     sizes: 512 (square) or 128x784x256 (M x K x N);
//                                   default 128 256 512 1024; NODETENSOR_NUM_THREADS=N threads
//   GEMM_CONTENDERS=openblas:1,openblas:2,builtin:2,tiles:4   (default openblas and builtin at 1
//     and N threads; tiles:K = OpenBLAS on one thread per call, over K row blocks of C claimed by
//     nodetensor's pool, the alternative described in csrc/backends/cpu/matmul.cpp)
//   GEMM_REPS=15                    samples per contender
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "../csrc/backends/cpu/gemm.h"
#include "../csrc/core/parallel.h"

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
typedef void (*set_threads_fn)(int);

static double cpu_ms() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
}

static double now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

struct contender {
  std::string name;
  int threads;
  bool blas;
  int tiles;                    // > 0: single-threaded BLAS on `tiles` row blocks over nt's pool
  std::vector<double> samples;  // ms per call
  std::vector<double> cpu;      // process CPU ms per call (all threads: spinning shows here)
};

int main(int argc, char** argv) {
  struct shape { int m, k, n; };
  std::vector<shape> sizes;  // "512" (square) or "128x784x256" (M x K x N)
  for (int i = 1; i < argc; i++) {
    shape s;
    if (sscanf(argv[i], "%dx%dx%d", &s.m, &s.k, &s.n) != 3) s.m = s.k = s.n = atoi(argv[i]);
    if (s.m <= 0 || s.k <= 0 || s.n <= 0) return fprintf(stderr, "bad size %s\n", argv[i]), 2;
    sizes.push_back(s);
  }
  if (sizes.empty()) sizes = {{128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}};
  const int nth = nt::num_threads();
  void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  sgemm_fn sgemm = h ? (sgemm_fn)dlsym(h, "cblas_sgemm") : nullptr;
  set_threads_fn set_threads = h ? (set_threads_fn)dlsym(h, "openblas_set_num_threads") : nullptr;
  if (h) {
    typedef const char* (*str_fn)();
    if (str_fn f = (str_fn)dlsym(h, "openblas_get_config")) printf("# %s\n", f());
  } else {
    printf("# libopenblas.so.0 not found: built-in GEMM only\n");
  }
  printf("# %d threads; per-call ms (median over samples; [min, max]) and GFLOP/s of the median\n",
         nth);
  for (const shape& sz : sizes) {
    const int m = sz.m, k = sz.k, n = sz.n;
    std::vector<float> A((size_t)m * k), B((size_t)k * n), C((size_t)m * n);
    srand(1);
    for (auto& x : A) x = rand() / (float)RAND_MAX - 0.5f;
    for (auto& x : B) x = rand() / (float)RAND_MAX - 0.5f;
    std::vector<contender> cs;
    const char* spec = getenv("GEMM_CONTENDERS");
    std::string list = spec ? spec : "openblas:1,builtin:1,openblas:" + std::to_string(nth) +
                                         ",builtin:" + std::to_string(nth);
    for (size_t p = 0; p < list.size();) {
      size_t e = list.find(',', p);
      if (e == std::string::npos) e = list.size();
      const std::string item = list.substr(p, e - p);
      p = e + 1;
      const size_t colon = item.find(':');
      const std::string kind = item.substr(0, colon);
      const int v = colon == std::string::npos ? nth : atoi(item.c_str() + colon + 1);
      if (kind == "builtin") cs.push_back({"builtin", v, false, 0, {}, {}});
      else if (!sgemm) continue;
      else if (kind == "openblas") cs.push_back({"openblas", v, true, 0, {}, {}});
      else if (kind == "tiles") cs.push_back({"tiles" + std::to_string(v), nth, true, v, {}, {}});
    }
    if (cs.empty()) return fprintf(stderr, "no contenders\n"), 2;
    auto call = [&](const contender& c) {
      if (c.tiles) {  // row blocks of C claimed dynamically by nt's pool threads, BLAS on 1 thread
        std::atomic<int> next{0};
        const int tiles = c.tiles;
        nt::parallel_for(0, c.threads, 1, [&](int64_t, int64_t) {
          for (int t; (t = next.fetch_add(1)) < tiles;) {
            const int r0 = (int)((int64_t)m * t / tiles), r1 = (int)((int64_t)m * (t + 1) / tiles);
            sgemm(101, 111, 111, r1 - r0, n, k, 1.0f, A.data() + (size_t)r0 * k, k, B.data(), n, 0.0f,
                  C.data() + (size_t)r0 * n, n);
          }
        });
      } else if (c.blas) {
        sgemm(101, 111, 111, m, n, k, 1.0f, A.data(), k, B.data(), n, 0.0f, C.data(), n);
      } else {
        nt_cpu::gemm_args<float> g;
        g.m = m, g.n = n, g.k = k;
        g.a = A.data(), g.rsa = k, g.csa = 1;
        g.b = B.data(), g.rsb = n, g.csb = 1;
        g.c = C.data(), g.rsc = n, g.csc = 1;
        nt_cpu::gemm(g);
      }
    };
    auto set = [&](const contender& c) {
      nt::set_num_threads(c.threads);
      if (set_threads) set_threads(c.tiles ? 1 : c.threads);
    };
    // Inner loop length: about 20 ms per sample for the fastest contender.
    set(cs[0]);
    for (int i = 0; i < 3; i++) call(cs[0]);
    double t0 = now_ms();
    call(cs[0]);
    const int inner = std::max(1, (int)(20.0 / std::max(now_ms() - t0, 1e-3)));
    const int reps = getenv("GEMM_REPS") ? atoi(getenv("GEMM_REPS")) : 15;
    for (int r = 0; r < reps; r++)
      for (size_t i = 0; i < cs.size(); i++) {
        contender& c = cs[(i + r) % cs.size()];
        set(c);
        call(c);  // warm (threads awake, buffers grown)
        t0 = now_ms();
        const double c0 = cpu_ms();
        for (int k = 0; k < inner; k++) call(c);
        c.samples.push_back((now_ms() - t0) / inner);
        c.cpu.push_back((cpu_ms() - c0) / inner);
      }
    for (auto& c : cs) {
      std::vector<double> s = c.samples;
      std::sort(s.begin(), s.end());
      const double med = s[s.size() / 2];
      std::vector<double> u = c.cpu;
      std::sort(u.begin(), u.end());
      char what[48];
      snprintf(what, sizeof what, m == k && k == n ? "%d" : "%dx%dx%d", m, k, n);
      printf("%-12s %-8s threads=%d  %9.4f ms [%8.4f, %8.4f]  %7.1f GFLOP/s  cpu %9.4f ms\n", what,
             c.name.c_str(), c.threads, med, s.front(), s.back(),
             2.0 * m * n * (double)k / (med * 1e-3) / 1e9, u[u.size() / 2]);
    }
  }
  return 0;
}
