// queue.h — every device is an in-order, bounded command queue with one worker thread.
// The JS thread validates, allocates and enqueues; the worker runs kernels (CPU: on the worker and
// its thread pool; CUDA: launches onto the stream; CANN: the submission thread owning the context).
// Not here: N-API (addon.cpp bridges promises/callbacks) or kernels (backends).
//
// Ordering is the whole memory model: a free is a command like any other, so a tensor disposed
// while queued work still reads it stays alive until that work has run. Reads are tickets: the
// reader waits until the worker has completed the ticket of its copy command.
// Kernel failures (e.g. an index out of range) are sticky: recorded with the op's name, reported at
// the next submit or read on that device, then cleared (like CUDA's asynchronous errors).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend.h"

namespace nt {

enum CmdType : int32_t { CMD_KERNEL, CMD_FREE, CMD_TO_HOST, CMD_FROM_HOST, CMD_NOTIFY, CMD_CALL };

struct Command {
  int32_t type;
  // CMD_KERNEL
  nt_args args;
  // CMD_FREE / CMD_TO_HOST / CMD_FROM_HOST
  void* dev;        // device pointer (already offset in bytes for copies)
  void* host;       // host pointer
  size_t nbytes;
  bool free_host;   // CMD_FROM_HOST: free the staging buffer afterwards
  // CMD_NOTIFY / CMD_CALL
  void (*fn)(void* ctx, const char* error);
  void* ctx;
};

class DeviceQueue {
 public:
  DeviceQueue(const nt_backend* backend, int device, size_t capacity = 1024);
  ~DeviceQueue();

  // Enqueue; blocks the caller only while the queue is full. Returns the command's ticket.
  uint64_t push(const Command& cmd);
  // Blocks until every command up to `ticket` has run (then the backend's stream is synced).
  void wait(uint64_t ticket);
  // Waits for everything enqueued so far.
  void drain() { wait(last_ticket()); }
  uint64_t last_ticket() const { return tail_.load(std::memory_order_acquire); }

  // Sticky error: true if a command failed since the last take_error().
  bool has_error() const { return has_error_.load(std::memory_order_acquire); }
  // Waits for the queued work, then returns the first failure and clears it (error path only).
  std::string take_error();

  const nt_backend* backend() const { return backend_; }
  int device() const { return device_; }

 private:
  void run();
  void execute(Command& cmd);
  // Sleeps until done_ >= count (read waits, and the producer when the ring is full).
  void wait_until(uint64_t count);
  void set_error(const std::string& msg);

  const nt_backend* backend_;
  int device_;
  std::vector<Command> ring_;
  size_t cap_;
  // NOTE: the counters sit on separate cache lines by writer: tail_ (producers), head_/done_ (the
  // worker), the flags below (read-mostly). Sharing one line made every push and every completed
  // command pull it back and forth between the two cores (per-op overhead).
  alignas(64) std::atomic<uint64_t> tail_{0};  // next to fill (ticket of a pushed command = tail before push + 1)
  uint64_t head_seen_ = 0;  // producers' last look at head_ (under push_mu_): re-read only when full
  alignas(64) std::atomic<uint64_t> head_{0};  // next to run
  std::atomic<uint64_t> done_{0};  // commands completed
  alignas(64) std::atomic<bool> worker_sleeping_{false};
  // The smallest done_ count a sleeping waiter needs (UINT64_MAX: none). The worker wakes waiters
  // only when done_ reaches it, not after every command: a thread in synchronize() sleeps through
  // the queued work instead of being woken (and taking a core from the kernel) once per command.
  std::atomic<uint64_t> wake_at_{UINT64_MAX};
  std::atomic<bool> has_error_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::mutex push_mu_;  // producers: the JS threads of every worker_thread using this device
  std::condition_variable cv_work_, cv_done_;
  std::string error_;
  std::thread thread_;
};

}  // namespace nt
