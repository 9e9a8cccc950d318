// parallel.cpp — a small fork-join pool for CPU kernels: the caller runs chunks too, pool threads
// take the rest. Not a task scheduler: one parallel_for at a time per pool (the device queue has
// one worker thread); nested calls run inline.
//
// Each call publishes a Job that lives on the caller's stack. A worker takes a reference to the
// job under the pool mutex (users++); the caller returns only after every chunk is done AND every
// worker has let go of the job, so a worker that wakes late can never run a chunk of a later job.
#include "parallel.h"
#include "spin.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace nt {
namespace {

thread_local bool t_in_parallel = false;

// NOTE: every wait here spins with `pause` only for a few microseconds, then yields. On a machine
// shared with other processes our two threads often share one core: a thread that spins for long
// then burns the very core the thread it waits for needs. Measured on 2 cores with one busy-loop
// process beside (bench/gemm-kernel.cpp), spinning 4000 pauses (~100 us) before yielding and never
// yielding while idle: the built-in GEMM at 128^3 took 0.06-0.08 ms, with these waits 0.047 ms;
// with both cores free the two are the same (0.031 ms).
const int kSpinPauses = 200;  // ~5 us of `pause` before the first yield

// Waits for `v` to reach 0: spins briefly, then yields the core (the other threads may need it).
inline void wait_zero(const std::atomic<int>& v) {
  for (int s = 0; v.load() != 0; s++) {
    if (s < kSpinPauses) cpu_relax();
    else std::this_thread::yield();
  }
}

struct Job {
  const std::function<void(int64_t, int64_t)>* fn;
  int64_t begin, chunk, end;
  int nchunks;
  std::atomic<int> next{0};
  std::atomic<int> pending{0};
  std::atomic<int> users{0};

  void run_chunks() {
    for (;;) {
      int c = next.fetch_add(1);
      if (c >= nchunks) return;
      int64_t lo = begin + c * chunk, hi = lo + chunk < end ? lo + chunk : end;
      (*fn)(lo, hi);
      pending.fetch_sub(1);
    }
  }
};

struct Pool {
  std::mutex mu;
  std::condition_variable cv_work;
  std::vector<std::thread> threads;
  Job* job = nullptr;          // guarded by mu
  std::atomic<uint64_t> generation{0};
  bool stop = false;           // guarded by mu

  void worker() {
    t_in_parallel = true;  // nested parallel_for inside a chunk runs inline
    uint64_t seen = 0;
    for (;;) {
      // Spin (~0.5 ms) for back-to-back kernels before sleeping, yielding now and then so that a
      // thread with work on this core (the caller's serial part, another process) gets it.
      for (int s = 0; s < 20000 && generation.load(std::memory_order_acquire) == seen; s++) {
        spin_step(s);
      }
      Job* j;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_work.wait(lk, [&] { return stop || generation.load() != seen; });
        if (stop) return;
        seen = generation.load();
        j = job;
        if (j) j->users.fetch_add(1);
      }
      if (j) {
        j->run_chunks();
        j->users.fetch_sub(1);
      }
    }
  }
};

int env_threads() {
  const char* s = getenv("NODETENSOR_NUM_THREADS");
  if (!s || !*s) s = getenv("OMP_NUM_THREADS");
  int n = s ? atoi(s) : 0;
  if (n <= 0) n = (int)std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

std::atomic<int> g_threads{0};
std::mutex g_pool_mu;
Pool* g_pool = nullptr;  // NOTE: never destroyed; its threads end with the process

Pool* pool_for(int n) {
  std::lock_guard<std::mutex> lk(g_pool_mu);
  if (g_pool && (int)g_pool->threads.size() == n - 1) return g_pool;
  if (g_pool) {  // resize: stop the old pool's threads
    {
      std::lock_guard<std::mutex> plk(g_pool->mu);
      g_pool->stop = true;
    }
    g_pool->cv_work.notify_all();
    for (auto& t : g_pool->threads) t.join();
    delete g_pool;
  }
  g_pool = new Pool();
  for (int i = 0; i < n - 1; i++) g_pool->threads.emplace_back([p = g_pool] { p->worker(); });
  return g_pool;
}

}  // namespace

int num_threads() {
  int n = g_threads.load();
  if (n == 0) {
    n = env_threads();
    g_threads.store(n);
  }
  return n;
}

void set_num_threads(int n) { g_threads.store(n > 0 ? n : env_threads()); }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  int64_t total = end - begin;
  if (grain < 1) grain = 1;
  int nt = num_threads();
  int64_t max_chunks = total / grain;
  if (nt <= 1 || max_chunks <= 1 || t_in_parallel) {
    fn(begin, end);
    return;
  }
  int nchunks = (int)(max_chunks < nt ? max_chunks : nt);
  Pool* p = pool_for(nt);
  Job job;
  job.fn = &fn;
  job.begin = begin;
  job.end = end;
  job.chunk = (total + nchunks - 1) / nchunks;
  job.nchunks = (int)((total + job.chunk - 1) / job.chunk);
  job.pending.store(job.nchunks);
  {
    std::lock_guard<std::mutex> lk(p->mu);
    p->job = &job;
    p->generation.fetch_add(1);
  }
  p->cv_work.notify_all();
  t_in_parallel = true;
  job.run_chunks();
  t_in_parallel = false;
  wait_zero(job.pending);
  {
    std::lock_guard<std::mutex> lk(p->mu);
    p->job = nullptr;
  }
  wait_zero(job.users);
}

}  // namespace nt
