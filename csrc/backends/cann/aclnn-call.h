// aclnn-call.h — one kernel's worth of aclnn objects and the two-phase call behind one macro:
//   NT_ACLNN(c, Add, self, other, alpha, out)
// runs aclnnAddGetWorkspaceSize, takes the workspace from the device's stream-ordered pool, enqueues
// aclnnAdd on the device's stream and hands the workspace back (safe: see cann-device.h). The
// arguments are type-checked against acl-api.h. Not here: which aclnn call an op maps to.
#pragma once
#include <vector>

#include "../../core/backend.h"
#include "acl-loader.h"
#include "cann-device.h"

namespace ntcann {

// aclDataType of an nt_dtype.
int acl_dtype(int nt_dtype);

// Elements of a view and whether it has broadcast (stride 0, size > 1) dimensions.
int64_t numel_of(const nt_view& v);
bool has_broadcast(const nt_view& v);

class Call {
 public:
  explicit Call(nt_error* err);
  ~Call();  // destroys every aclTensor/aclScalar/aclIntArray made here; returns temps to the pool
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  int dev() const { return dev_; }

  // An aclTensor over a view: the storage's base pointer, the view's element offset and strides,
  // ND format, 1-D storage dims spanning the view's extent. Size-1 dims get the contiguous stride.
  ntacl::Tensor* tensor(const nt_view& v);
  // Operands of an operator that broadcasts dims [0, upto): a broadcast dim (stride 0, size > 1) is
  // passed as size 1 so that the operator broadcasts natively, except where EVERY operand is
  // broadcast (the operator could not know the output's size): there, and in dims >= upto, the
  // operand is materialised with dense(). Fills out[0..n).
  void broadcast_args(const nt_view* const* in, int n, int upto, ntacl::Tensor** out);
  // An input for operators that do not broadcast: broadcast dims are first copied (aclnnInplaceCopy)
  // into a contiguous temporary.
  ntacl::Tensor* dense(const nt_view& v);

  // Scalars: DOUBLE for float dtypes, INT64 for integer ones, BOOL for bool.
  ntacl::Scalar* scalar(double v, int nt_dtype);
  ntacl::Scalar* int_scalar(int64_t v);
  ntacl::IntArray* ints(const int64_t* v, int n);

  // A contiguous device temporary, returned to the pool when the kernel ends (stream-ordered).
  nt_view temp(int dtype, int ndim, const int64_t* shape);
  // A one-element device tensor holding `v`, viewed with `ndim` size-1 dims (for broadcasting).
  ntacl::Tensor* scalar_tensor(double v, int dtype, int ndim);

  // Phase 1 + workspace + phase 2. Use through NT_ACLNN.
  template <class F, class... A>
  int run(int id, F ws, A... args) {
    if (bad_) return 1;
    if (!ws || !g_acl.run[id]) return failed("%s is not in the installed CANN's operator libraries", aclnn_name(id));
    uint64_t size = 0;
    ntacl::Executor* ex = nullptr;
    ntacl::Status st = ws(args..., &size, &ex);
    if (st != 0) return failed("%sGetWorkspaceSize failed (%s)", aclnn_name(id), acl_error_text(st).c_str());
    return execute(id, size, ex);
  }

  // Records a failure (the first one wins); returns 1.
  int failed(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  bool bad() const { return bad_; }

 private:
  ntacl::Tensor* make(void* base, int dtype, int ndim, const int64_t* shape, const int64_t* strides, int64_t offset);
  int execute(int id, uint64_t size, ntacl::Executor* ex);

  int dev_;
  nt_error* err_;
  bool bad_ = false;
  std::vector<ntacl::Tensor*> tensors_;
  std::vector<ntacl::Scalar*> scalars_;
  std::vector<ntacl::IntArray*> arrays_;
  std::vector<void*> temps_;
};

#define NT_ACLNN(call, Name, ...) \
  (call).run(ntacl::ACLNN_##Name, (ntacl::aclnn##Name##_ws_t)g_acl.ws[ntacl::ACLNN_##Name], __VA_ARGS__)

// Runs `body` as the kernel of one op on the calling queue thread's device: holds the stream,
// skips ops whose output is empty, and turns failures into the kernel's error.
int run_kernel(const nt_args* a, nt_error* err, int (*body)(Call&, const nt_args*));

#define NT_CANN_KERNEL(name)                                                                \
  static int name##_body(Call& c, const nt_args* a);                                         \
  static int name(const nt_args* a, nt_error* err) { return run_kernel(a, err, name##_body); } \
  static int name##_body(Call& c, const nt_args* a)

// Kernel registration per family (cann-ops-*.cpp).
void register_elementwise(nt_kernel_fn* k);
void register_data(nt_kernel_fn* k);
void register_reduce(nt_kernel_fn* k);

}  // namespace ntcann
