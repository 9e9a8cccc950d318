// guard.cpp — the stand-in's memory guard (TEST ONLY). Device memory lives in one reserved arena
// that is PROT_NONE except while the stand-in itself runs a queued task, so host code that touches
// an NPU pointer faults; pinned buffers that a queued copy still uses are read-only (host to device)
// or inaccessible (device to host). A SIGSEGV in either turns into a contract-violation message;
// any other SIGSEGV goes to the handler that was installed before (V8's, ASan's, the default).
// Env: NT_STANDIN_GUARD=0 turns the guard off (device memory is then plain host memory).
// Not here: the bookkeeping of what is queued (runtime.cpp).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include "standin.h"

namespace {

const size_t kArena = size_t(64) << 30;  // address space only (MAP_NORESERVE)
const size_t kAlign = 512;
char* g_arena = nullptr;
size_t g_top = 0;  // high-water mark of the arena in use
std::multimap<size_t, size_t>& g_free = *new std::multimap<size_t, size_t>();  // size -> offset (exact-size reuse)
std::mutex& g_mu = *new std::mutex();  // NOTE: never destroyed (queue threads may outlive exit)
int g_depth = 0;
bool g_on = true;
struct Pin { uintptr_t hi; std::string why; };
std::map<uintptr_t, Pin>& g_pins = *new std::map<uintptr_t, Pin>();  // protected pinned blocks
struct sigaction g_previous;

void say(const char* s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

void on_segv(int sig, siginfo_t* info, void* uctx) {
  uintptr_t a = (uintptr_t)info->si_addr;
  char buf[1024];
  if (g_arena && a >= (uintptr_t)g_arena && a < (uintptr_t)g_arena + kArena) {
    snprintf(buf, sizeof buf,
             "\nCANN stand-in: contract violation: host code touched NPU device memory at %p; device memory is not "
             "host-accessible (copy it with aclrtMemcpyAsync)\n",
             (void*)a);
    say(buf);
    abort();
  }
  auto it = g_pins.upper_bound(a);
  if (it != g_pins.begin() && a < (--it)->second.hi) {
    snprintf(buf, sizeof buf,
             "\nCANN stand-in: contract violation: stream order: the host touched pinned buffer %p while %s\n",
             (void*)it->first, it->second.why.c_str());
    say(buf);
    abort();
  }
  // Not ours: hand it to whoever was there before.
  if (g_previous.sa_flags & SA_SIGINFO) {
    g_previous.sa_sigaction(sig, info, uctx);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
  } else {
    sigaction(SIGSEGV, &g_previous, nullptr);  // the fault repeats with the default action
  }
}

}  // namespace

void ntsi_guard_init() {
  const char* e = getenv("NT_STANDIN_GUARD");
  g_on = !(e && strcmp(e, "0") == 0);
  void* p = mmap(nullptr, kArena, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) ntsi_violation("could not reserve the device arena");
  g_arena = (char*)p;
  if (!g_on) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous);
}

bool ntsi_in_arena(uintptr_t p) { return g_arena && p >= (uintptr_t)g_arena && p < (uintptr_t)g_arena + kArena; }

void* ntsi_arena_alloc(size_t size) {
  size_t r = (size + 32 + kAlign - 1) & ~(kAlign - 1);  // like aclrtMalloc: padded, then aligned
  std::lock_guard<std::mutex> lk(g_mu);
  size_t off;
  auto it = g_free.find(r);
  if (it != g_free.end()) {
    off = it->second;
    g_free.erase(it);
  } else {
    if (g_top + r > kArena) return nullptr;
    off = g_top;
    g_top += r;
  }
  char* p = g_arena + off;
  char* lo = g_arena + (off & ~size_t(4095));  // mprotect works on whole pages
  size_t len = ((off + r + 4095) & ~size_t(4095)) - (off & ~size_t(4095));
  mprotect(lo, len, PROT_READ | PROT_WRITE);
  memset(p, 0xFF, r);  // fresh device memory is garbage: NaN for floats, -1 for integers
  if (g_on && g_depth == 0) mprotect(lo, len, PROT_NONE);
  return p;
}

void ntsi_arena_free(void* p, size_t size) {
  size_t r = (size + 32 + kAlign - 1) & ~(kAlign - 1);
  std::lock_guard<std::mutex> lk(g_mu);
  g_free.emplace(r, (size_t)((char*)p - g_arena));
}

void ntsi_device_access(bool on) {
  std::lock_guard<std::mutex> lk(g_mu);
  size_t len = (g_top + 4095) & ~size_t(4095);
  if (on) {
    if (g_depth++ == 0 && len) mprotect(g_arena, len, PROT_READ | PROT_WRITE);
  } else if (--g_depth == 0 && len && g_on) {
    mprotect(g_arena, len, PROT_NONE);  // with the guard off, device memory stays readable
  }
}

void ntsi_pinned_protect(void* base, size_t size, int mode, const std::string& why) {
  if (!g_on) return;
  std::lock_guard<std::mutex> lk(g_mu);
  uintptr_t b = (uintptr_t)base;
  if (mode == 0) g_pins.erase(b);
  else g_pins[b] = Pin{b + size, why};
  mprotect(base, size, mode == 0 ? PROT_READ | PROT_WRITE : mode == 1 ? PROT_READ : PROT_NONE);
}
