// queue.cpp — the in-order device queue: a single-producer ring (the JS thread) and one worker.
// Not here: what the commands mean for a device (that is the backend vtable).
#include "queue.h"
#include "spin.h"

#include <cstdlib>
#include <cstring>

namespace nt {

DeviceQueue::DeviceQueue(const nt_backend* backend, int device, size_t capacity)
    : backend_(backend), device_(device), ring_(capacity), cap_(capacity) {
  thread_ = std::thread([this] { run(); });
}

DeviceQueue::~DeviceQueue() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_.store(true);
  }
  cv_work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t DeviceQueue::push(const Command& cmd) {
  std::lock_guard<std::mutex> producer(push_mu_);
  uint64_t t = tail_.load(std::memory_order_relaxed);
  // Bounded: when full, sleep until HALF the ring is free, not one slot. The queue is full only
  // when the device is far behind, so the wait costs no throughput, and the JS thread then wakes
  // once per cap/2 commands instead of once per command (each wake took a core from the kernel).
  if (t - head_seen_ >= cap_) {
    head_seen_ = head_.load(std::memory_order_acquire);
    if (t - head_seen_ >= cap_) {
      wait_until(t + 1 - cap_ + cap_ / 2);
      head_seen_ = head_.load(std::memory_order_acquire);
    }
  }
  Command& slot = ring_[t % cap_];
  if (cmd.type == CMD_KERNEL) {
    // Only the views in use: a Command holds NT_MAX_VIEWS views (~1.4 KB), an add uses 3, and this
    // copy crosses to the worker's core once per op.
    slot.type = CMD_KERNEL;
    slot.args.op = cmd.args.op;
    slot.args.nviews = cmd.args.nviews;
    memcpy(slot.args.f, cmd.args.f, sizeof cmd.args.f);
    memcpy(slot.args.i, cmd.args.i, sizeof cmd.args.i);
    memcpy(slot.args.v, cmd.args.v, sizeof(nt_view) * (size_t)cmd.args.nviews);
  } else {
    slot = cmd;
  }
  tail_.store(t + 1);  // NOTE: seq_cst pairs with worker_sleeping_ (Dekker-style handshake)
  if (worker_sleeping_.load()) {
    std::lock_guard<std::mutex> lk(mu_);
    cv_work_.notify_one();
  }
  return t + 1;
}

void DeviceQueue::wait(uint64_t ticket) {
  if (done_.load(std::memory_order_acquire) >= ticket) return;
  // Short waits (a read right after a small op) spin; longer ones sleep in wait_until.
  for (int s = 0; s < 4000; s++) {
    if (done_.load(std::memory_order_acquire) >= ticket) return;
    spin_step(s);
  }
  wait_until(ticket);
}

void DeviceQueue::wait_until(uint64_t count) {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    // NOTE: seq_cst store of wake_at_ THEN seq_cst load of done_, against the worker's store of
    // done_ then load of wake_at_: one of the two sees the other's write, so no wake-up is lost.
    if (count < wake_at_.load()) wake_at_.store(count);
    if (done_.load() >= count) return;
    cv_done_.wait(lk);
  }
}

std::string DeviceQueue::take_error() {
  // Let everything already queued run first: a later queued op failing after we cleared the error
  // would otherwise surface as a second, stale error at the next sync. One report covers them all.
  drain();
  std::lock_guard<std::mutex> lk(mu_);
  std::string e = error_;
  error_.clear();
  has_error_.store(false, std::memory_order_release);
  return e;
}

void DeviceQueue::set_error(const std::string& msg) {
  std::lock_guard<std::mutex> lk(mu_);
  if (error_.empty()) error_ = msg;  // keep the first failure: later ones are usually its echoes
  has_error_.store(true, std::memory_order_release);
}

void DeviceQueue::execute(Command& c) {
  nt_error err;
  err.msg[0] = 0;
  switch (c.type) {
    case CMD_KERNEL: {
      nt_kernel_fn fn = backend_->kernels[c.args.op];
      int rc = fn ? fn(&c.args, &err) : 1;
      if (rc != 0) {
        set_error(std::string(nt_op_name(c.args.op)) + ": " +
                  (err.msg[0] ? err.msg : "kernel failed"));
      }
      break;
    }
    case CMD_FREE:
      backend_->free(device_, c.dev, c.nbytes);
      break;
    case CMD_TO_HOST:
      if (backend_->copy_to_host(device_, c.host, c.dev, c.nbytes, &err) != 0)
        set_error(std::string("copy to host: ") + err.msg);
      else if (backend_->sync && backend_->sync(device_, &err) != 0)
        set_error(std::string("synchronize: ") + err.msg);
      break;
    case CMD_FROM_HOST:
      if (backend_->copy_from_host(device_, c.dev, c.host, c.nbytes, &err) != 0)
        set_error(std::string("copy from host: ") + err.msg);
      if (c.free_host) std::free(c.host);
      break;
    case CMD_NOTIFY:
    case CMD_CALL: {
      if (backend_->sync && backend_->sync(device_, &err) != 0)
        set_error(std::string("synchronize: ") + err.msg);
      c.fn(c.ctx, nullptr);
      break;
    }
  }
}

void DeviceQueue::run() {
  nt_error err;
  if (backend_->bind_thread && backend_->bind_thread(device_, &err) != 0)
    set_error(std::string("binding the device to its queue thread failed: ") + err.msg);
  for (;;) {
    uint64_t h = head_.load(std::memory_order_relaxed);
    if (h == tail_.load(std::memory_order_acquire)) {
      // Spin a little for back-to-back ops, then sleep until the producer wakes us.
      for (int s = 0; s < 20000 && h == tail_.load(std::memory_order_acquire); s++) spin_step(s);
      if (h == tail_.load(std::memory_order_acquire)) {
        std::unique_lock<std::mutex> lk(mu_);
        worker_sleeping_.store(true, std::memory_order_seq_cst);
        cv_work_.wait(lk, [&] { return stop_.load() || h != tail_.load(); });
        worker_sleeping_.store(false, std::memory_order_relaxed);
        if (h == tail_.load(std::memory_order_acquire) && stop_.load()) return;
      }
    }
    Command& c = ring_[h % cap_];
    execute(c);
    head_.store(h + 1, std::memory_order_release);
    done_.store(h + 1);  // NOTE: seq_cst pairs with wake_at_ in wait_until()
    if (h + 1 >= wake_at_.load()) {
      // Some sleeper's count is reached: wake them all; those still short re-register.
      std::lock_guard<std::mutex> lk(mu_);
      wake_at_.store(UINT64_MAX);
      cv_done_.notify_all();
    }
  }
}

}  // namespace nt
