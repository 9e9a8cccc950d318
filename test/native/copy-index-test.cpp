// copy-index-test.cpp — standalone checks of the CPU copy/fill/arange, random and index kernels
// against the slow references in copy-index-test-support.h, on contiguous and strided views.
// Not the conformance suite (that is TS, on every device). Build and run from the repo root:
//   g++ -std=c++17 -O2 -Icsrc csrc/core/parallel.cpp csrc/backends/cpu/copy.cpp
//       csrc/backends/cpu/random.cpp csrc/backends/cpu/index.cpp test/native/copy-index-test.cpp -lpthread
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/iter.h"
#include "core/parallel.h"
#include "core/philox.h"
#include "copy-index-test-support.h"

// ---- copy ----
static void test_copy_pairs() {
  std::vector<ld> vals = cast_values();
  const int64_t n = (int64_t)vals.size();
  for (int s = 0; s < NT_DTYPE_COUNT; s++)
    for (int d = 0; d < NT_DTYPE_COUNT; d++)
      for (int lay = 0; lay < 2; lay++) {
        TV in = make(s, {n}, lay ? STEPPED : CONTIG), out = make(d, {n}, lay ? STEPPED : CONTIG);
        for (int64_t e = 0; e < n; e++) wr(in.v, e, vals[(size_t)e]);
        int rc = run(NT_OP_copy, {&in, &out}, {}, {});
        int bad = -1;
        for (int64_t e = 0; e < n && bad < 0; e++)
          if (!same(rd(out.v, e), ref_cast(rd(in.v, e), s, d))) bad = (int)e;
        check(rc == 0 && bad < 0, "copy %s -> %s (%s): element %d: got %.21Lg want %.21Lg", nt_dtype_name(s),
              nt_dtype_name(d), lay ? "stepped" : "contig", bad, bad >= 0 ? rd(out.v, bad) : 0,
              bad >= 0 ? ref_cast(rd(in.v, bad), s, d) : 0);
        if (lay) check(outside_untouched(out), "copy %s -> %s stepped writes outside", nt_dtype_name(s), nt_dtype_name(d));
      }
}

// Larger copies in every layout pair: exercises parallel chunks, the tiled transpose, F16C runs.
static void test_copy_layouts() {
  const int dts[][2] = {{NT_F32, NT_F32}, {NT_F32, NT_F16}, {NT_F16, NT_F32}, {NT_I64, NT_F64}, {NT_U8, NT_U8},
                        {NT_BF16, NT_I32}, {NT_F64, NT_F64}, {NT_BOOL, NT_F32}, {NT_BF16, NT_BF16}};
  const std::vector<std::vector<int64_t>> shapes = {{301, 457}, {3, 70, 45}, {5, 1, 333}, {100000}};
  for (auto& dt : dts)
    for (auto& shape : shapes)
      for (int li = 0; li < 4; li++)
        for (int lo = 0; lo < 4; lo++) {
          TV in = make(dt[0], shape, (Layout)li), out = make(dt[1], shape, (Layout)lo);
          for (int64_t e = 0; e < in.numel(); e++) wr(in.v, e, (ld)((e * 7919) % 2001) * 0.37L - 300);
          int rc = run(NT_OP_copy, {&in, &out}, {}, {});
          int64_t bad = -1;
          for (int64_t e = 0; e < in.numel() && bad < 0; e++)
            if (!same(rd(out.v, e), ref_cast(rd(in.v, e), dt[0], dt[1]))) bad = e;
          check(rc == 0 && bad < 0 && (lo != STEPPED || outside_untouched(out)),
                "copy %s -> %s shape[%d dims, %lld] %s -> %s: first bad element %lld", nt_dtype_name(dt[0]),
                nt_dtype_name(dt[1]), (int)shape.size(), (long long)in.numel(), kLayoutName[li], kLayoutName[lo],
                (long long)bad);
        }
  // Broadcast input (stride 0) and a 0-d scalar.
  TV in = make(NT_F32, {4}), out = make(NT_F64, {3, 4});
  for (int e = 0; e < 4; e++) wr(in.v, e, e + 0.5);
  TV bin = in;
  bin.v.ndim = 2;
  bin.v.shape[0] = 3; bin.v.shape[1] = 4; bin.v.strides[0] = 0; bin.v.strides[1] = 1;
  run(NT_OP_copy, {&bin, &out}, {}, {});
  bool ok = true;
  for (int e = 0; e < 12; e++) ok &= rd(out.v, e) == (e % 4) + 0.5L;
  check(ok, "copy of a broadcast (stride 0) input");
  TV s0 = make(NT_I32, {}), s1 = make(NT_F16, {});
  wr(s0.v, 0, -7);
  check(run(NT_OP_copy, {&s0, &s1}, {}, {}) == 0 && rd(s1.v, 0) == -7, "copy of a 0-d tensor");
  std::string msg;
  TV bad = make(NT_F32, {4, 3});
  check(run(NT_OP_copy, {&bad, &out}, {}, {}, &msg) != 0 && msg.find("[4, 3]") != std::string::npos,
        "copy shape mismatch fails: %s", msg.c_str());
}

// Every half: the F16C (contiguous) and portable (strided) f16 <-> f32 paths agree with dtype.h.
static void test_half_paths() {
  TV h = make(NT_F16, {65536}), f = make(NT_F32, {65536}), fs = make(NT_F32, {65536}, STEPPED);
  for (int i = 0; i < 65536; i++) { uint16_t b = (uint16_t)i; memcpy(elem_ptr(h.v, i), &b, 2); }
  run(NT_OP_copy, {&h, &f}, {}, {});
  run(NT_OP_copy, {&h, &fs}, {}, {});
  bool ok = true;
  for (int i = 0; i < 65536; i++) ok &= same(rd(f.v, i), nt_half_to_float((uint16_t)i)) && same(rd(fs.v, i), rd(f.v, i));
  check(ok, "all 65536 halves convert to float identically on both paths");
  const int64_t n = 1 << 20;
  TV src = make(NT_F32, {n}), a = make(NT_F16, {n}), b = make(NT_F16, {n}, STEPPED);
  for (int64_t i = 0; i < n; i++) {
    uint32_t u = (uint32_t)(i * 4099u) ^ (uint32_t)(i << 21);
    float x = nt_bits_to_float(u);
    memcpy(elem_ptr(src.v, i), &x, 4);
  }
  run(NT_OP_copy, {&src, &a}, {}, {});
  run(NT_OP_copy, {&src, &b}, {}, {});
  int64_t bad = -1;
  for (int64_t i = 0; i < n && bad < 0; i++) {
    ld want = ref_cast(rd(src.v, i), NT_F32, NT_F16);
    if (!same(rd(a.v, i), want) || !same(rd(b.v, i), want)) bad = i;
  }
  check(bad < 0, "1M float bit patterns -> half on both paths match the reference (first bad %lld)", (long long)bad);
}

// ---- fill and arange ----
static void test_fill_arange() {
  const double values[] = {2.5, -1, 300, -7.9, 1e20, NAN, 0};
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
    for (double x : values)
      for (int lay = 0; lay < 3; lay++) {
        TV out = make(dt, {37, 41}, (Layout)lay);
        int rc = run(NT_OP_fill, {&out}, {x}, {});
        bool ok = rc == 0 && (lay != STEPPED || outside_untouched(out));
        for (int64_t e = 0; e < out.numel() && ok; e++) ok = same(rd(out.v, e), ref_cast(x, NT_F64, dt));
        check(ok, "fill %s with %g (%s)", nt_dtype_name(dt), x, kLayoutName[lay]);
      }
  for (int dt = 0; dt < NT_U8 + 1; dt++) {
    TV out = make(dt, {100001}, STEPPED);
    run(NT_OP_arange, {&out}, {-5, 0.25}, {0});
    bool ok = outside_untouched(out);
    for (int64_t e = 0; e < out.numel() && ok; e++) ok = same(rd(out.v, e), ref_cast(-5 + e * 0.25L, NT_F64, dt));
    check(ok, "arange %s stepped output", nt_dtype_name(dt));
  }
  TV ls = make(NT_F32, {5});
  run(NT_OP_arange, {&ls}, {0, 0.25, 1}, {1});
  check(rd(ls.v, 0) == 0 && rd(ls.v, 1) == 0.25 && rd(ls.v, 2) == 0.5 && rd(ls.v, 4) == 1, "linspace(0, 1, 5)");
  TV l7 = make(NT_F64, {7});
  double step = (0.3 - (-1.1)) / 6;
  run(NT_OP_arange, {&l7}, {-1.1, step, 0.3}, {1});
  bool ok = rd(l7.v, 0) == -1.1 && rd(l7.v, 6) == 0.3;
  for (int i = 0; i < 7; i++) ok &= rd(l7.v, i) == (i < 3 ? -1.1 + i * step : 0.3 - (6 - i) * step);
  check(ok, "linspace(-1.1, 0.3, 7): torch's two-sided formula, exact endpoints");
  TV l1 = make(NT_F32, {1});
  run(NT_OP_arange, {&l1}, {3, 0, 9}, {1});
  check(rd(l1.v, 0) == 3, "linspace with one step is start");
}


// ---- random ----
static void test_philox_kat() {
  // Random123 kat_vectors, philox4x32 10: counter words, key words -> output words.
  const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
       0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
       0x24126ea1}};
  for (auto& k : kat) {
    nt_philox_block b = nt_philox4x32_10(k, k + 4);
    check(b.r[0] == k[6] && b.r[1] == k[7] && b.r[2] == k[8] && b.r[3] == k[9],
          "philox4x32-10 known answer for counter %08x: got %08x %08x %08x %08x", k[0], b.r[0], b.r[1], b.r[2], b.r[3]);
  }
  const uint64_t e = (5ull << 32) | 9, seed = 0x0123456789abcdefull, off = 0xfedcba9876543210ull;
  const uint32_t c[4] = {9, 5, 0x76543210, 0xfedcba98}, key[2] = {0x89abcdef, 0x01234567};
  nt_philox_block a = nt_philox_at(seed, off, e), b = nt_philox4x32_10(c, key);
  check(memcmp(&a, &b, sizeof a) == 0, "nt_philox_at packs (element, offset) as counter and seed as key");
}

static TV draw(int op, int dt, std::vector<int64_t> shape, Layout lay, uint64_t seed, uint64_t off,
               std::vector<double> f, int64_t lo = 0, int64_t hi = 0, int* rc = nullptr) {
  TV out = make(dt, shape, lay);
  int r = run(op, {&out}, f, {(int64_t)seed, (int64_t)off, lo, hi});
  if (rc) *rc = r;
  return out;
}

static bool same_values(const TV& a, const TV& b) {
  if (a.numel() != b.numel()) return false;
  for (int64_t e = 0; e < a.numel(); e++)
    if (!same(rd(a.v, e), rd(b.v, e))) return false;
  return true;
}

static void test_random_spec() {
  const uint64_t seed = 0x0123456789abcdefull, off = (5ull << 32) | 7;
  TV u32 = draw(NT_OP_rand_uniform, NT_F32, {1000}, CONTIG, seed, off, {-2, 3});
  TV u64 = draw(NT_OP_rand_uniform, NT_F64, {1000}, CONTIG, seed, off, {-2, 3});
  TV n64 = draw(NT_OP_rand_normal, NT_F64, {1000}, CONTIG, seed, off, {1, 2});
  TV ri = draw(NT_OP_randint, NT_I64, {1000}, CONTIG, seed, off, {}, -5, 1000000007);
  bool ok[4] = {true, true, true, true};
  for (uint32_t e = 0; e < 1000; e++) {
    const uint32_t cnt[4] = {e, 0, (uint32_t)off, (uint32_t)(off >> 32)}, key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    nt_philox_block b = nt_philox4x32_10(cnt, key);
    ok[0] &= rd(u32.v, e) == (float)(-2.0 + ldexp((double)(b.r[0] >> 8), -24) * 5.0);
    uint64_t m53 = ((uint64_t)b.r[0] << 21) | (b.r[1] >> 11);
    ok[1] &= rd(u64.v, e) == -2.0 + ldexp((double)m53, -53) * 5.0;
    double u1 = ldexp((double)b.r[0] + 1.0, -32), u2 = ldexp((double)b.r[1], -32);
    ok[2] &= rd(n64.v, e) == 1.0 + 2.0 * (sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2));
    ok[3] &= rd(ri.v, e) == (ld)(-5 + (int64_t)((((uint64_t)b.r[0] << 32) | b.r[1]) % 1000000012ull));
  }
  check(ok[0], "rand_uniform float32 follows the documented formula");
  check(ok[1], "rand_uniform float64 follows the documented 53-bit formula");
  check(ok[2], "rand_normal float64 follows the documented Box-Muller formula");
  check(ok[3], "randint follows the documented formula");
  // Element order is the logical row-major order, whatever the output strides; no thread dependence.
  const int ops[3] = {NT_OP_rand_uniform, NT_OP_rand_normal, NT_OP_randint};
  for (int op : ops)
    for (int dt : {NT_F32, NT_F16, NT_F64, NT_BF16}) {
      std::vector<double> f = {0.5, 2};
      TV a = draw(op, dt, {300, 401}, CONTIG, 42, 1000, f, 0, 77);
      TV b = draw(op, dt, {300, 401}, TRANSPOSED, 42, 1000, f, 0, 77);
      TV s = draw(op, dt, {300, 401}, STEPPED, 42, 1000, f, 0, 77);
      nt::set_num_threads(1);
      TV c = draw(op, dt, {300, 401}, CONTIG, 42, 1000, f, 0, 77);
      nt::set_num_threads(7);
      TV d = draw(op, dt, {300, 401}, CONTIG, 42, 1000, f, 0, 77);
      nt::set_num_threads(g_threads);
      TV o = draw(op, dt, {300, 401}, CONTIG, 42, 1001, f, 0, 77);
      TV k = draw(op, dt, {300, 401}, CONTIG, 43, 1000, f, 0, 77);
      check(same_values(a, b) && same_values(a, s) && outside_untouched(s), "%s %s: same values in any layout",
            nt_op_name(op), nt_dtype_name(dt));
      check(same_values(a, c) && same_values(a, d), "%s %s: same values with 1 and 7 threads", nt_op_name(op),
            nt_dtype_name(dt));
      check(!same_values(a, o) && !same_values(a, k), "%s %s: another offset or seed gives other values",
            nt_op_name(op), nt_dtype_name(dt));
    }
}

static void moments(const TV& t, double* mean, double* sd, double* lo, double* hi) {
  double s = 0, s2 = 0;
  *lo = INFINITY, *hi = -INFINITY;
  for (int64_t e = 0; e < t.numel(); e++) {
    double x = (double)rd(t.v, e);
    s += x; s2 += x * x;
    *lo = std::min(*lo, x); *hi = std::max(*hi, x);
  }
  *mean = s / t.numel();
  *sd = sqrt(s2 / t.numel() - *mean * *mean);
}

static void test_random_stats() {
  const int64_t n = 1 << 20;
  double m, sd, lo, hi;
  TV u = draw(NT_OP_rand_uniform, NT_F32, {n}, CONTIG, 7, 0, {0, 1});
  moments(u, &m, &sd, &lo, &hi);
  check(fabs(m - 0.5) < 0.002 && fabs(sd * sd - 1.0 / 12) < 0.001 && lo >= 0 && hi < 1,
        "uniform float32 [0,1): mean %.5f var %.5f min %g max %.9g", m, sd * sd, lo, hi);
  TV u2 = draw(NT_OP_rand_uniform, NT_F64, {n}, CONTIG, 8, 0, {2, 5});
  moments(u2, &m, &sd, &lo, &hi);
  check(fabs(m - 3.5) < 0.006 && fabs(sd * sd - 0.75) < 0.006 && lo >= 2 && hi < 5,
        "uniform float64 [2,5): mean %.5f var %.5f min %g max %.17g", m, sd * sd, lo, hi);
  TV u3 = draw(NT_OP_rand_uniform, NT_BF16, {n}, CONTIG, 9, 0, {-1, 1});
  moments(u3, &m, &sd, &lo, &hi);
  check(fabs(m) < 0.005 && lo >= -1 && hi <= 1, "uniform bfloat16 [-1,1]: mean %.5f min %g max %g", m, lo, hi);
  TV g = draw(NT_OP_rand_normal, NT_F32, {n}, CONTIG, 10, 0, {0, 1});
  moments(g, &m, &sd, &lo, &hi);
  check(fabs(m) < 0.005 && fabs(sd - 1) < 0.005, "normal float32 (0,1): mean %.5f std %.5f", m, sd);
  TV g2 = draw(NT_OP_rand_normal, NT_F64, {n}, CONTIG, 11, 3, {3, 2});
  moments(g2, &m, &sd, &lo, &hi);
  check(fabs(m - 3) < 0.01 && fabs(sd - 2) < 0.01, "normal float64 (3,2): mean %.5f std %.5f", m, sd);
  TV ri = draw(NT_OP_randint, NT_I64, {n}, CONTIG, 12, 0, {}, -3, 7);
  std::vector<int64_t> count(10, 0);
  bool in_range = true;
  for (int64_t e = 0; e < n; e++) {
    ld v = rd(ri.v, e);
    if (v < -3 || v >= 7) in_range = false;
    else count[(size_t)(v + 3)]++;
  }
  bool flat = true;
  for (int64_t c : count) flat &= fabs((double)c / n - 0.1) < 0.002;
  check(in_range && flat, "randint [-3,7): in range and each value ~10%%");
  TV r8 = draw(NT_OP_randint, NT_U8, {1000}, CONTIG, 13, 0, {}, 0, 256);
  TV rf = draw(NT_OP_randint, NT_F32, {1000}, CONTIG, 13, 0, {}, 0, 256);
  check(same_values(r8, rf), "randint into uint8 and float32 gives the same values");
  int rc = 0;
  TV big = draw(NT_OP_randint, NT_I64, {1000}, CONTIG, 14, 0, {}, INT64_MIN, INT64_MAX, &rc);
  check(rc == 0, "randint over the whole int64 range runs");
  std::string msg;
  TV o = make(NT_I32, {4});
  check(run(NT_OP_randint, {&o}, {}, {1, 0, 5, 5}, &msg) != 0 && msg.find("greater") != std::string::npos,
        "randint with high <= low fails: %s", msg.c_str());
  check(run(NT_OP_rand_uniform, {&o}, {0, 1}, {1, 0}, &msg) != 0 && msg.find("int32") != std::string::npos,
        "rand_uniform into int32 fails: %s", msg.c_str());
}

static void test_index_select() {
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
    for (int dim = 0; dim < 3; dim++)
      for (int idt : {NT_I64, NT_I32}) {
        bool big = dt == NT_F32;
        std::vector<int64_t> shape = big ? std::vector<int64_t>{40, 50, 60} : std::vector<int64_t>{4, 5, 6};
        TV in = filled(dt, shape, dim == 1 ? TRANSPOSED : REVERSED, dim);
        int64_t L = big ? 70 : 7;
        TV idx = index_of(idt, {L}, dim == 2 ? STEPPED : CONTIG, 0, shape[(size_t)dim]);
        std::vector<int64_t> os = shape;
        os[(size_t)dim] = L;
        TV out = make(dt, os, dim == 0 ? STEPPED : CONTIG);
        int rc = run(NT_OP_index_select, {&in, &idx, &out}, {}, {dim});
        bool ok = rc == 0 && outside_untouched(out);
        for (int64_t e = 0; e < out.numel() && ok; e++) {
          std::vector<int64_t> c = unravel(e, out.v);
          c[(size_t)dim] = (int64_t)rd(idx.v, c[(size_t)dim]);
          ok = same(rd(out.v, e), rd(in.v, ravel(c, in.v)));
        }
        check(ok, "index_select %s dim %d index %s", nt_dtype_name(dt), dim, nt_dtype_name(idt));
      }
  for (int64_t n : {1, 100000}) {  // 1-D input: one element per index
    TV in1 = filled(NT_F16, {n}, STEPPED, 1), idx1 = index_of(NT_I64, {2 * n + 1}, STEPPED, 0, n);
    TV out1 = make(NT_F16, {2 * n + 1}, STEPPED);
    bool ok = run(NT_OP_index_select, {&in1, &idx1, &out1}, {}, {0}) == 0 && outside_untouched(out1);
    for (int64_t e = 0; e < out1.numel() && ok; e++) ok = same(rd(out1.v, e), rd(in1.v, (int64_t)rd(idx1.v, e)));
    check(ok, "index_select of a 1-D input of %lld", (long long)n);
  }
  TV in = filled(NT_F32, {3, 2}, CONTIG, 0), out = make(NT_F32, {2, 2});
  TV idx = make(NT_I64, {2});
  wr(idx.v, 0, 0); wr(idx.v, 1, 5);
  std::string msg;
  check(run(NT_OP_index_select, {&in, &idx, &out}, {}, {0}, &msg) != 0 &&
            has(msg, "index 5 is out of range for dimension 0 with size 3"), "index_select bad index: %s", msg.c_str());
  wr(idx.v, 1, -100);
  check(run(NT_OP_index_select, {&in, &idx, &out}, {}, {0}, &msg) != 0 && has(msg, "index -100 "),
        "index_select negative index: %s", msg.c_str());
  TV idx32 = make(NT_I32, {1}), out1 = make(NT_F32, {3, 1});
  wr(idx32.v, 0, 2);
  check(run(NT_OP_index_select, {&in, &idx32, &out1}, {}, {1}, &msg) != 0 && has(msg, "dimension 1 with size 2"),
        "index_select int32 index along dim 1: %s", msg.c_str());
  TV fidx = make(NT_F32, {2});
  check(run(NT_OP_index_select, {&in, &fidx, &out}, {}, {0}, &msg) != 0 && has(msg, "int64 or int32"),
        "index_select float index: %s", msg.c_str());
  check(run(NT_OP_index_select, {&in, &idx, &out}, {}, {2}, &msg) != 0 && has(msg, "dim 2"),
        "index_select bad dim: %s", msg.c_str());
}

static void test_gather_take() {
  struct Case { std::vector<int64_t> in, idx; int dim; };
  const Case cases[] = {{{5, 6}, {3, 4}, 0}, {{5, 6}, {4, 9}, 1}, {{4, 5, 6}, {3, 5, 2}, 2}, {{200, 300}, {150, 300}, 0}};
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
    for (const Case& cs : cases)
      for (int lay = 0; lay < 3; lay++) {
        if (cs.in[0] == 200 && dt != NT_F64) continue;
        TV in = filled(dt, cs.in, lay == 0 ? TRANSPOSED : (Layout)lay, 3);
        TV idx = index_of(lay == 1 ? NT_I32 : NT_I64, cs.idx, (Layout)((lay + 1) % 3), 0, cs.in[(size_t)cs.dim]);
        TV out = make(dt, cs.idx, (Layout)((lay + 2) % 3));
        int rc = run(NT_OP_gather, {&in, &idx, &out}, {}, {cs.dim});
        bool ok = rc == 0 && outside_untouched(out);
        for (int64_t e = 0; e < out.numel() && ok; e++) {
          std::vector<int64_t> c = unravel(e, out.v);
          c[(size_t)cs.dim] = (int64_t)rd(idx.v, e);
          ok = same(rd(out.v, e), rd(in.v, ravel(c, in.v)));
        }
        check(ok, "gather %s in %dd dim %d layout %d", nt_dtype_name(dt), (int)cs.in.size(), cs.dim, lay);
      }
  std::string msg;
  TV in = filled(NT_F32, {3, 2}, CONTIG, 0), idx = make(NT_I64, {2, 2}), out = make(NT_F32, {2, 2});
  wr(idx.v, 0, 0); wr(idx.v, 1, 7); wr(idx.v, 2, 1); wr(idx.v, 3, 9);
  check(run(NT_OP_gather, {&in, &idx, &out}, {}, {1}, &msg) != 0 &&
            has(msg, "index 7 is out of range for dimension 1 with size 2") && all_zero(out),
        "gather reports the first bad index and zeroes its output: %s", msg.c_str());
  TV big_idx = make(NT_I64, {3, 2});
  check(run(NT_OP_gather, {&in, &big_idx, &out}, {}, {1}, &msg) != 0, "gather with index/out shape mismatch: %s",
        msg.c_str());

  // take: flat logical index into any-strided input, negatives wrap once.
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
    for (int lay = 0; lay < 4; lay++) {
      bool big = dt == NT_I32;
      std::vector<int64_t> ishape = big ? std::vector<int64_t>{300, 400} : std::vector<int64_t>{3, 4};
      TV tin = filled(dt, ishape, (Layout)lay, 5);
      int64_t N = tin.numel();
      TV tidx = index_of(lay & 1 ? NT_I32 : NT_I64, big ? std::vector<int64_t>{400, 500} : std::vector<int64_t>{2, 3, 2},
                         (Layout)((lay + 1) % 4), -N, N);
      TV tout = make(dt, big ? std::vector<int64_t>{400, 500} : std::vector<int64_t>{2, 3, 2}, (Layout)((lay + 2) % 4));
      bool ok = run(NT_OP_take, {&tin, &tidx, &tout}, {}, {}) == 0 && outside_untouched(tout);
      for (int64_t e = 0; e < tout.numel() && ok; e++) {
        int64_t j = (int64_t)rd(tidx.v, e);
        ok = same(rd(tout.v, e), rd(tin.v, j < 0 ? j + N : j));
      }
      check(ok, "take %s layout %s", nt_dtype_name(dt), kLayoutName[lay]);
    }
  TV tin = filled(NT_F32, {3, 2}, TRANSPOSED, 0), tidx = make(NT_I64, {3}), tout = make(NT_F32, {3});
  wr(tidx.v, 0, -1); wr(tidx.v, 1, -6); wr(tidx.v, 2, 2);
  check(run(NT_OP_take, {&tin, &tidx, &tout}, {}, {}) == 0 && rd(tout.v, 0) == rd(tin.v, 5) &&
            rd(tout.v, 1) == rd(tin.v, 0), "take with -1 and -6");
  wr(tidx.v, 1, 100); wr(tidx.v, 2, -7);
  check(run(NT_OP_take, {&tin, &tidx, &tout}, {}, {}, &msg) != 0 && has(msg, "index 100 is out of range") &&
            has(msg, "6 elements") && all_zero(tout), "take bad index 100: %s", msg.c_str());
  wr(tidx.v, 1, 0);
  check(run(NT_OP_take, {&tin, &tidx, &tout}, {}, {}, &msg) != 0 && has(msg, "index -7 "), "take bad index -7: %s",
        msg.c_str());
}

static void test_scatter() {
  struct Case { std::vector<int64_t> out, idx, src; int dim; };
  const Case cases[] = {{{5, 6}, {3, 4}, {4, 5}, 0}, {{5, 6}, {4, 9}, {4, 9}, 1}, {{4, 5, 6}, {3, 7, 2}, {3, 8, 2}, 1},
                        {{64, 500}, {300, 500}, {300, 500}, 0}, {{500, 64}, {500, 300}, {500, 300}, 1}};
  for (int add = 0; add < 2; add++)
    for (int scalar = 0; scalar < 2; scalar++)
      for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
        for (const Case& cs : cases)
          for (int lay = 0; lay < 2; lay++) {
            bool big = cs.out[0] >= 64;
            if (big && (scalar || (dt != NT_F32 && dt != NT_I64 && dt != NT_F16))) continue;
            TV out = filled(dt, cs.out, lay ? STEPPED : CONTIG, 1), src = filled(dt, cs.src, lay ? TRANSPOSED : CONTIG, 2);
            TV idx = index_of(lay ? NT_I32 : NT_I64, cs.idx, lay ? REVERSED : CONTIG, 0, cs.out[(size_t)cs.dim]);
            std::vector<ld> ref((size_t)out.numel());
            for (int64_t e = 0; e < out.numel(); e++) ref[(size_t)e] = rd(out.v, e);
            const double sv = 2.75;
            for (int64_t e = 0; e < idx.numel(); e++) {  // torch's order: the index's row-major order
              std::vector<int64_t> c = unravel(e, idx.v);
              ld v = scalar ? ref_cast(sv, NT_F64, dt) : rd(src.v, ravel(c, src.v));
              c[(size_t)cs.dim] = (int64_t)rd(idx.v, e);
              ld& o = ref[(size_t)ravel(c, out.v)];
              o = add ? ref_add(dt, o, v) : v;
            }
            int threads[2] = {1, 6};
            bool ok = true;
            for (int t : threads) {
              TV o2 = make(dt, cs.out, lay ? STEPPED : CONTIG);
              for (int64_t e = 0; e < out.numel(); e++) memcpy(elem_ptr(o2.v, e), elem_ptr(out.v, e), nt_dtype_size(dt));
              nt::set_num_threads(t);
              int rc = run(add ? NT_OP_scatter_add : NT_OP_scatter, {&src, &idx, &o2}, {sv}, {cs.dim, scalar});
              nt::set_num_threads(g_threads);
              ok &= rc == 0 && (!lay || outside_untouched(o2));
              for (int64_t e = 0; e < o2.numel() && ok; e++) ok = same(rd(o2.v, e), ref[(size_t)e]);
            }
            check(ok, "%s%s %s out %dd [%lld, ...] dim %d layout %d", add ? "scatter_add" : "scatter",
                  scalar ? " (scalar)" : "", nt_dtype_name(dt), (int)cs.out.size(), (long long)cs.out[0], cs.dim, lay);
          }
  std::string msg;
  TV out = make(NT_F32, {3}), idx = make(NT_I64, {1}), src = filled(NT_F32, {1}, CONTIG, 0);
  wr(idx.v, 0, 4);
  check(run(NT_OP_scatter, {&src, &idx, &out}, {}, {0, 0}, &msg) != 0 &&
            has(msg, "index 4 is out of range for dimension 0 with size 3"), "scatter bad index: %s", msg.c_str());
  TV out2 = make(NT_F32, {2, 2}), idx2 = make(NT_I64, {1, 2}), src2 = filled(NT_F32, {1, 2}, CONTIG, 0);
  wr(idx2.v, 0, 0); wr(idx2.v, 1, 9);
  check(run(NT_OP_scatter_add, {&src2, &idx2, &out2}, {}, {0, 0}, &msg) != 0 && has(msg, "index 9 "),
        "scatter_add bad index: %s", msg.c_str());
  TV src3 = filled(NT_F32, {1, 1}, CONTIG, 0);
  check(run(NT_OP_scatter_add, {&src3, &idx2, &out2}, {}, {0, 0}, &msg) != 0 && has(msg, "must not exceed src"),
        "scatter with src smaller than index: %s", msg.c_str());
  TV src4 = filled(NT_I64, {1, 2}, CONTIG, 0);
  check(run(NT_OP_scatter, {&src4, &idx2, &out2}, {}, {0, 0}, &msg) != 0 && has(msg, "dtype"),
        "scatter with src dtype != out dtype: %s", msg.c_str());
}

static void test_index_add() {
  for (int dt = 0; dt < NT_DTYPE_COUNT; dt++)
    for (int dim = 0; dim < 2; dim++)
      for (int big = 0; big < 2; big++) {
        if (big && dt != NT_F32 && dt != NT_I32) continue;
        std::vector<int64_t> os = big ? std::vector<int64_t>{300, 200} : std::vector<int64_t>{5, 6};
        int64_t L = big ? 500 : 4;
        std::vector<int64_t> ss = os;
        ss[(size_t)dim] = L;
        TV out = filled(dt, os, dim ? STEPPED : CONTIG, 1), src = filled(dt, ss, dim ? CONTIG : TRANSPOSED, 4);
        TV idx = index_of(dim ? NT_I32 : NT_I64, {L}, dim ? CONTIG : STEPPED, 0, os[(size_t)dim]);
        const double alpha = dt == NT_BOOL ? 1 : 2.5;
        std::vector<ld> ref((size_t)out.numel());
        for (int64_t e = 0; e < out.numel(); e++) ref[(size_t)e] = rd(out.v, e);
        for (int64_t e = 0; e < src.numel(); e++) {
          std::vector<int64_t> c = unravel(e, src.v);
          ld v = ref_scaled(dt, rd(src.v, e), alpha);
          c[(size_t)dim] = (int64_t)rd(idx.v, c[(size_t)dim]);
          ld& o = ref[(size_t)ravel(c, out.v)];
          o = ref_add(dt, o, v);
        }
        bool ok = run(NT_OP_index_add, {&src, &idx, &out}, {alpha}, {dim}) == 0 && (!dim || outside_untouched(out));
        for (int64_t e = 0; e < out.numel() && ok; e++) ok = same(rd(out.v, e), ref[(size_t)e]);
        check(ok, "index_add %s dim %d%s", nt_dtype_name(dt), dim, big ? " (big)" : "");
      }
  std::string msg;
  TV out = make(NT_F32, {3, 2}), idx = make(NT_I64, {2}), src = filled(NT_F32, {2, 2}, CONTIG, 0);
  wr(idx.v, 0, 1); wr(idx.v, 1, 3);
  check(run(NT_OP_index_add, {&src, &idx, &out}, {1}, {0}, &msg) != 0 &&
            has(msg, "index 3 is out of range for dimension 0 with size 3") && outside_untouched(out),
        "index_add bad index fails before writing: %s", msg.c_str());
}

// ---- timings (printed, not asserted) ----
static double best_ms(const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

static void timings() {
  const int64_t n = 16 << 20;
  TV a = make(NT_F32, {n}), b = make(NT_F32, {n}), h = make(NT_F16, {n});
  TV t = make(NT_F32, {4096, 4096}, TRANSPOSED), c = make(NT_F32, {4096, 4096});
  for (int64_t e = 0; e < n; e++) { float x = (float)e * 0.001f; memcpy((float*)a.v.data + e, &x, 4); }
  double ms = best_ms([&] { run(NT_OP_copy, {&a, &b}, {}, {}); });
  printf("timing: copy 16M float32 contiguous: %.2f ms (%.1f GB/s)\n", ms, 2 * 4.0 * n / ms / 1e6);
  ms = best_ms([&] { run(NT_OP_copy, {&t, &c}, {}, {}); });
  printf("timing: copy 4096x4096 float32 transposed -> contiguous: %.2f ms (%.1f GB/s)\n", ms, 2 * 4.0 * n / ms / 1e6);
  ms = best_ms([&] { run(NT_OP_copy, {&a, &h}, {}, {}); });
  printf("timing: copy 16M float32 -> float16: %.2f ms\n", ms);
  ms = best_ms([&] { run(NT_OP_rand_uniform, {&b}, {0, 1}, {1, 0}); });
  printf("timing: rand_uniform 16M float32: %.2f ms\n", ms);
  ms = best_ms([&] { run(NT_OP_rand_normal, {&b}, {0, 1}, {1, 0}); });
  printf("timing: rand_normal 16M float32: %.2f ms\n", ms);
  printf("(threads: %d)\n", nt::num_threads());
}

int main(int argc, char** argv) {
  g_threads = nt::num_threads();
  nt_cpu_register_copy(g_slots);
  nt_cpu_register_index(g_slots);
  test_copy_pairs();
  test_copy_layouts();
  test_half_paths();
  test_fill_arange();
  test_philox_kat();
  test_random_spec();
  test_random_stats();
  test_index_select();
  test_gather_take();
  test_scatter();
  test_index_add();
  if (!(argc > 1 && !strcmp(argv[1], "--no-timings"))) timings();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
