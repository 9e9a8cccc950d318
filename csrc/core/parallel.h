// parallel.h — the CPU thread pool that kernels split work over. Not here: the device queue
// (core/queue.h), whose worker thread is the one calling these and joins the work itself.
#pragma once
#include <stdint.h>
#include <functional>

namespace nt {
// Threads used by parallel_for, including the calling thread. Default: hardware cores
// (NODETENSOR_NUM_THREADS or OMP_NUM_THREADS override).
int num_threads();
void set_num_threads(int n);
// Splits [begin, end) into at most num_threads() chunks of at least `grain` items and runs
// fn(lo, hi) on each; returns when all are done. Runs inline when the range is small.
// NOTE: not re-entrant: fn must not call parallel_for (nested calls run inline, serially).
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);
}  // namespace nt
