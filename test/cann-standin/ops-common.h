// ops-common.h — how a stand-in aclnn operator is written (TEST ONLY): phase 1 validates its
// arguments like the documented operator (161001 null, 161002 invalid, with aclGetRecentErrMsg) and
// builds an executor that computes the op on the host with nodetensor's CPU kernels; phase 2 is the
// shared ntsi_enqueue. Not here: the runtime or the per-op argument rules (ops-*.cpp).
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/backends/cpu/kernels.h"
#include "../../csrc/core/op-table.h"
#include "standin.h"

namespace ntsi {

// Phase 2 of aclnnName, plus the check that phase 1 has acl-api.h's exact type.
#define NTSI_PHASE2(Name)                                                                            \
  NTSI_API int aclnn##Name(void* ws, uint64_t size, aclOpExecutor* ex, aclrtStream stream) {         \
    return ntsi_enqueue("aclnn" #Name, ws, size, ex, stream);                                        \
  }                                                                                                  \
  static_assert(std::is_same<decltype(&aclnn##Name##GetWorkspaceSize), ntacl::aclnn##Name##_ws_t>::value, \
                "stand-in differs from acl-api.h: aclnn" #Name "GetWorkspaceSize");                 \
  static_assert(std::is_same<decltype(&aclnn##Name), ntacl::Run_t>::value, "aclnn" #Name);

// Runs a CPU kernel; "" or its error.
inline std::string cpu(const nt_args& a) {
  nt_error e;
  e.msg[0] = 0;
  int rc = nt_cpu_backend()->kernels[a.op](&a, &e);
  return rc ? std::string(e.msg[0] ? e.msg : "kernel failed") : std::string();
}

inline nt_args args_of(int op) {
  nt_args a;
  memset(&a, 0, sizeof a);
  a.op = op;
  return a;
}

class Op {
 public:
  explicit Op(const char* name) : name_(name) {
    if (!getenv("ASCEND_OPP_PATH")) fail(561107, "ASCEND_OPP_PATH is not set: the operator package cannot be found");
  }
  const char* name() const { return name_; }
  bool ok() const { return status_ == 0; }

  // A tensor argument; null -> 161001. Records it as used by the executor.
  nt_view in(const aclTensor* t, const char* arg) {
    nt_view v;
    memset(&v, 0, sizeof v);
    if (!t) {
      fail(161001, "%s is a null pointer", arg);
      return v;
    }
    handles_.push_back(t);
    return ntsi_tensor(t, name_, arg).view;
  }
  double scalar(const aclScalar* s, const char* arg) {
    if (!s) {
      fail(161001, "%s is a null pointer", arg);
      return 0;
    }
    return ntsi_scalar(s, name_, arg, nullptr);
  }
  std::vector<int64_t> ints(const aclIntArray* a, const char* arg) {
    if (!a) {
      fail(161001, "%s is a null pointer", arg);
      return {};
    }
    return ntsi_int_array(a, name_, arg);
  }

  // Records the first failed rule as 161002 (or `code`).
  bool check(bool cond, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
    if (cond || status_) return cond;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg_, sizeof msg_, fmt, ap);
    va_end(ap);
    status_ = 161002;
    return false;
  }
  int fail(int code, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
    if (status_) return status_;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg_, sizeof msg_, fmt, ap);
    va_end(ap);
    status_ = code;
    return code;
  }

  // A dim in [-ndim, ndim) normalised, or a failed check.
  int64_t dim(int64_t d, int ndim, const char* arg) {
    int64_t n = ndim > 0 ? ndim : 1;
    check(d >= -n && d < n, "%s %lld is out of range for %d dims", arg, (long long)d, ndim);
    return d < 0 ? d + n : d;
  }

  // Ends phase 1: the error (with its message) or a new executor running `run`.
  int finish(std::function<std::string()> run, uint64_t* ws, aclOpExecutor** ex) {
    if (status_) return ntsi_error(status_, "%sGetWorkspaceSize: %s (CANN stand-in)", name_, msg_);
    return ntsi_make_executor(name_, handles_, std::move(run), ws, ex);
  }
  int kernel(const nt_args& a, uint64_t* ws, aclOpExecutor** ex) {
    return finish([a]() { return cpu(a); }, ws, ex);
  }

 private:
  const char* name_;
  std::vector<const aclTensor*> handles_;
  int status_ = 0;
  char msg_[512] = {0};
};

inline bool same_shape(const nt_view& a, const nt_view& b) {
  if (a.ndim != b.ndim) return false;
  for (int i = 0; i < a.ndim; i++)
    if (a.shape[i] != b.shape[i]) return false;
  return true;
}

// `v` broadcast to `to`'s shape (numpy rules, right-aligned; stride 0 where expanded). False if
// the shapes do not broadcast.
inline bool broadcast_to(const nt_view& v, const nt_view& to, nt_view* out) {
  if (v.ndim > to.ndim) return false;
  *out = v;
  out->ndim = to.ndim;
  for (int i = to.ndim - 1, j = v.ndim - 1; i >= 0; i--, j--) {
    int64_t s = j >= 0 ? v.shape[j] : 1, st = j >= 0 ? v.strides[j] : 0;
    if (s == to.shape[i]) {
      out->shape[i] = s;
      out->strides[i] = st;
    } else if (s == 1) {
      out->shape[i] = to.shape[i];
      out->strides[i] = 0;
    } else {
      return false;
    }
  }
  return true;
}

// The broadcast shape of a and b into *out (shape only). False if they do not broadcast.
inline bool broadcast_shape(const nt_view& a, const nt_view& b, nt_view* out) {
  int n = a.ndim > b.ndim ? a.ndim : b.ndim;
  out->ndim = n;
  for (int i = n - 1, ia = a.ndim - 1, ib = b.ndim - 1; i >= 0; i--, ia--, ib--) {
    int64_t x = ia >= 0 ? a.shape[ia] : 1, y = ib >= 0 ? b.shape[ib] : 1;
    if (x != y && x != 1 && y != 1) return false;
    out->shape[i] = x == 1 ? y : x;
  }
  return true;
}

}  // namespace ntsi
