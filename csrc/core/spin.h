// spin.h — how our threads wait a short while for each other (the pool, the device queue): `pause`,
// and yield the core every so often. NOTE: on a machine shared with other processes our threads often
// share one core; a thread that spins long without yielding burns the very core the thread it waits
// for needs (measured in core/parallel.cpp's note). Not here: sleeping waits (condition variables).
#pragma once
#include <thread>

namespace nt {

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// Spinning waits yield every this many pauses (~2.5 us).
const int kSpinYieldEvery = 100;

// Step `s` (0, 1, 2, ...) of a spinning wait: a pause, and a yield every kSpinYieldEvery steps.
inline void spin_step(int s) {
  cpu_relax();
  if (s % kSpinYieldEvery == kSpinYieldEvery - 1) std::this_thread::yield();
}

}  // namespace nt
