// queue-test.cpp — the device queue alone, against a fake backend: commands run in order with
// exactly the views they were pushed with (push copies only nviews of them), waiters wake when
// their ticket is done and not before, a tiny ring that is always full makes producers sleep and
// wake correctly with several producers and several waiters at once, and a failing kernel's error
// is reported once. A watchdog fails the test instead of hanging when a wake-up is lost.
// Not here: N-API, reads into JS memory (test/unit/queue.test.ts covers those end to end).
#include "core/queue.cpp"
#include "core/backend-util.h"
#include "check.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

// What the fake kernel saw.
static std::atomic<int64_t> g_ran{0};        // kernels completed
static std::atomic<int64_t> g_bad_order{0};  // a kernel ran out of push order (single producer)
static std::atomic<int64_t> g_bad_views{0};  // a view differed from what was pushed
static std::atomic<int> g_delay_us{0};       // each kernel sleeps this long (makes the ring fill)
static int64_t g_next = 0;                   // single-producer runs: the index expected next
static bool g_check_order = false;

// f[0] = push index; view v has offset = index * 16 + v and shape[0] = v + 1 (ndim 1).
static int fake_kernel(const nt_args* a, nt_error* err) {
  const int64_t idx = (int64_t)a->f[0];
  if (g_check_order) {
    if (idx != g_next) g_bad_order++;
    g_next = idx + 1;
  }
  for (int v = 0; v < a->nviews; v++)
    if (a->v[v].offset != idx * 16 + v || a->v[v].ndim != 1 || a->v[v].shape[0] != v + 1) g_bad_views++;
  if (int d = g_delay_us.load()) std::this_thread::sleep_for(std::chrono::microseconds(d));
  g_ran++;
  if (a->i[0] == 1) return nt_errorf(err, "planted failure at %lld", (long long)idx);
  return 0;
}

static void fake_free(int, void*, size_t) {}

static nt_backend make_backend() {
  nt_backend b = nt_backend_begin("fake", nullptr, nullptr, nullptr, nullptr, fake_free, nullptr, nullptr, nullptr);
  b.kernels[0] = fake_kernel;
  return b;
}

static nt::Command kernel_cmd(int64_t idx, int nviews, bool fail = false) {
  nt::Command c;
  memset(&c, 0xAB, sizeof c);  // garbage beyond nviews, as SubmitRaw leaves it
  c.type = nt::CMD_KERNEL;
  c.args.op = 0;
  c.args.nviews = nviews;
  for (int k = 0; k < NT_MAX_PARAMS; k++) c.args.f[k] = 0, c.args.i[k] = 0;
  c.args.f[0] = (double)idx;
  c.args.i[0] = fail ? 1 : 0;
  for (int v = 0; v < nviews; v++) {
    c.args.v[v].data = nullptr;
    c.args.v[v].dtype = 0;
    c.args.v[v].ndim = 1;
    c.args.v[v].offset = idx * 16 + v;
    c.args.v[v].shape[0] = v + 1;
    c.args.v[v].strides[0] = 1;
  }
  return c;
}

// Fails the whole test (exit 1) if `progress` stops moving for `seconds` while armed.
struct Watchdog {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> progress{0};
  std::thread t;
  explicit Watchdog(const char* what, int seconds = 20) {
    t = std::thread([this, what, seconds] {
      int64_t last = -1;
      int still = 0;
      while (!stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const int64_t p = progress.load();
        still = p == last ? still + 1 : 0;
        last = p;
        if (still >= seconds * 10) {
          printf("FAIL %s: no progress for %d s (a lost wake-up?)\n%d passed, %d failed\n", what, seconds,
                 g_pass, g_fail + 1);
          fflush(stdout);
          _exit(1);
        }
      }
    });
  }
  ~Watchdog() {
    stop = true;
    t.join();
  }
};

static void order_and_views() {
  nt_backend b = make_backend();
  g_ran = 0, g_bad_order = 0, g_bad_views = 0, g_next = 0, g_check_order = true, g_delay_us = 0;
  {
    nt::DeviceQueue q(&b, 0, 64);
    Watchdog w("order_and_views");
    const int64_t n = 200000;
    for (int64_t i = 0; i < n; i++) {
      q.push(kernel_cmd(i, 1 + (int)(i % NT_MAX_VIEWS)));
      if (i % 1024 == 0) w.progress++;
    }
    q.drain();
    CHECK(g_ran.load() == n, "ran %lld of %lld", (long long)g_ran.load(), (long long)n);
    CHECK(g_bad_order.load() == 0, "%lld kernels ran out of order", (long long)g_bad_order.load());
    CHECK(g_bad_views.load() == 0, "%lld views differed from what was pushed", (long long)g_bad_views.load());
    CHECK(!q.has_error(), "no error");
  }
  g_check_order = false;
}

// Several producers and waiters on a 16-slot ring with slow kernels: producers keep finding it
// full (and sleep until half of it is free), waiters sleep on tickets far ahead. Every wait must
// return only once its ticket ran, and nobody may sleep forever.
static void many_waiters() {
  nt_backend b = make_backend();
  g_ran = 0, g_bad_views = 0, g_delay_us = 0;
  std::atomic<int64_t> early{0}, waits{0};
  {
    nt::DeviceQueue q(&b, 0, 16);
    Watchdog w("many_waiters");
    std::atomic<bool> producing{true};
    std::vector<std::thread> ts;
    const int per_producer = 30000;
    for (int p = 0; p < 2; p++)
      ts.emplace_back([&, p] {
        for (int i = 0; i < per_producer; i++) {
          const int64_t idx = (int64_t)p * per_producer + i;
          q.push(kernel_cmd(idx, 3));
          if (i % 256 == 0) w.progress++;
          if (i % 5000 == 2500) g_delay_us = g_delay_us.load() ? 0 : 20;  // phases: slow, fast
        }
      });
    for (int k = 0; k < 3; k++)
      ts.emplace_back([&, k] {
        std::mt19937 rng(k);
        while (producing.load()) {
          const uint64_t t = q.last_ticket();
          if (rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 50));
          q.wait(t);
          // Every command here is a kernel, and done_ is published after it ran.
          if (g_ran.load() < (int64_t)t) early++;
          waits++;
          w.progress++;
        }
      });
    ts[0].join();
    ts[1].join();
    producing = false;
    for (size_t i = 2; i < ts.size(); i++) ts[i].join();
    q.drain();
    CHECK(g_ran.load() == 2 * per_producer, "ran %lld of %d", (long long)g_ran.load(), 2 * per_producer);
    CHECK(early.load() == 0, "%lld waits returned before their ticket ran", (long long)early.load());
    CHECK(waits.load() > 0, "the waiters waited (%lld)", (long long)waits.load());
    CHECK(g_bad_views.load() == 0, "%lld views differed", (long long)g_bad_views.load());
  }
  g_delay_us = 0;
}

// Waits that outlast the spin and go to sleep, on the last command queued (no later command
// comes along to wake them by accident): one waiter, then three on the same ticket.
static void sleepers() {
  nt_backend b = make_backend();
  g_ran = 0;
  std::atomic<int64_t> early{0};
  {
    nt::DeviceQueue q(&b, 0, 8);
    Watchdog w("sleepers", 10);
    for (int i = 0; i < 40; i++) {
      g_delay_us = 2000;
      const uint64_t t = q.push(kernel_cmd(i, 1));
      if (i % 2 == 0) {
        q.wait(t);
        if (g_ran.load() < (int64_t)t) early++;
      } else {
        std::vector<std::thread> ws;
        for (int k = 0; k < 3; k++)
          ws.emplace_back([&] {
            q.wait(t);
            if (g_ran.load() < (int64_t)t) early++;
          });
        for (auto& x : ws) x.join();
      }
      w.progress++;
    }
    g_delay_us = 0;
  }
  CHECK(g_ran.load() == 40, "ran %lld of 40", (long long)g_ran.load());
  CHECK(early.load() == 0, "%lld sleeping waits returned before their ticket ran", (long long)early.load());
}

static void sticky_error() {
  nt_backend b = make_backend();
  g_ran = 0;
  nt::DeviceQueue q(&b, 0, 32);
  Watchdog w("sticky_error");
  for (int i = 0; i < 100; i++) q.push(kernel_cmd(i, 2, i == 40 || i == 60));
  const std::string e = q.take_error();  // drains first
  CHECK(g_ran.load() == 100, "every command ran (%lld)", (long long)g_ran.load());
  CHECK(e.find("planted failure at 40") != std::string::npos && e.find(nt_op_name(0)) == 0,
        "the first failure, with the op's name: '%s'", e.c_str());
  CHECK(!q.has_error() && q.take_error().empty(), "reported once, then cleared");
}

int main() {
  order_and_views();
  many_waiters();
  sleepers();
  sticky_error();
  return check_summary();
}
