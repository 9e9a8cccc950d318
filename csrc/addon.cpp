// addon.cpp — the N-API glue and nothing else: storage alloc/free/copy, enqueue(op, views,
// params) from a shared command buffer, reads (sync and promise-backed), sync, errors, info.
// Not here: shape/dtype logic (TypeScript) or kernels (backends). lib/native.ts declares this surface.
//
// Hot path: lib writes one op's descriptor into a Float64Array shared at init() and calls
// submit(): one N-API call per op, no JS objects created. Pointers travel as doubles (user-space
// addresses fit in 53 bits). Device keys are backend * 256 + device index.
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/loader.h"
#include "core/parallel.h"
#include "core/queue.h"

namespace {

// ---- command buffer layout (keep in sync with lib/native.ts) ----
const int kHeader = 4;                 // op, device key, nviews, reserved
const int kF = 4;                      // f[8]
const int kI = kF + NT_MAX_PARAMS;     // i[8]
const int kViews = kI + NT_MAX_PARAMS; // views start
const int kViewSize = 4 + 2 * NT_MAX_DIMS;  // ptr, dtype, ndim, offset, shape[8], strides[8]
const int kCmdDoubles = kViews + NT_MAX_VIEWS * kViewSize;

std::mutex g_queues_mu;
std::unordered_map<int, nt::DeviceQueue*> g_queues;  // live for the process: queues are shared by
                                                     // every worker_thread's instance of the addon

// The name users give a backend's devices: 'cpu', 'cuda', 'npu' (the CANN backend's devices).
const char* device_prefix(int backend_id) { return backend_id == nt::BACKEND_CANN ? "npu" : nt::backend_name(backend_id); }
const char* device_prefix(const nt_backend* b) { return strcmp(b->name, "cann") == 0 ? "npu" : b->name; }

nt::DeviceQueue* queue_for(Napi::Env env, int key) {
  static nt::DeviceQueue* cpu = nullptr;
  if (key == 0 && cpu) return cpu;
  std::lock_guard<std::mutex> lk(g_queues_mu);
  auto it = g_queues.find(key);
  if (it != g_queues.end()) return it->second;
  int backend_id = key >> 8, device = key & 255;
  std::string why;
  const nt_backend* b = nt::load_backend(backend_id, &why);
  if (!b) {
    Napi::Error::New(env, std::string(device_prefix(backend_id)) + " is not available: " + why)
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  int count = b->device_count ? b->device_count() : 0;
  if (device >= count) {
    Napi::RangeError::New(env, std::string(device_prefix(backend_id)) + ":" +
                                   std::to_string(device) + " does not exist (" +
                                   std::to_string(count) + " device(s) found)")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  auto* q = new nt::DeviceQueue(b, device);
  g_queues[key] = q;
  if (key == 0) cpu = q;
  return q;
}

// Throws the device's pending asynchronous error, if any. Returns true if it threw.
bool throw_pending(Napi::Env env, nt::DeviceQueue* q) {
  if (!q->has_error()) return false;
  Napi::Error::New(env, q->take_error()).ThrowAsJavaScriptException();
  return true;
}

struct Notify {
  double id;
};

struct Instance {
  double* cmd = nullptr;
  Napi::Reference<Napi::Float64Array> cmd_ref;
  Napi::ThreadSafeFunction tsfn;
  int pending = 0;
  int64_t external_delta = 0;  // bytes not yet reported to V8
  std::string last_error;
};

void report_external(Napi::Env env, Instance* inst, int64_t delta) {
  inst->external_delta += delta;
  if (inst->external_delta > (1 << 20) || inst->external_delta < -(1 << 20)) {
    int64_t adjusted;
    napi_adjust_external_memory(env, inst->external_delta, &adjusted);
    inst->external_delta = 0;
  }
}

Instance* inst_of(const Napi::CallbackInfo& info) { return info.Env().GetInstanceData<Instance>(); }

// init(cmdBuffer, onNotify)
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Instance* inst = inst_of(info);
  auto arr = info[0].As<Napi::Float64Array>();
  if (arr.ElementLength() < (size_t)kCmdDoubles) {
    Napi::Error::New(env, "command buffer too small").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  inst->cmd = arr.Data();
  inst->cmd_ref = Napi::Persistent(arr);
  inst->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "nodetensor.read", 0, 1);
  inst->tsfn.Unref(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("cmdDoubles", kCmdDoubles);
  out.Set("maxDims", NT_MAX_DIMS);
  out.Set("maxViews", NT_MAX_VIEWS);
  return out;
}

Napi::Value OpNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, NT_OP_COUNT);
  for (int i = 0; i < NT_OP_COUNT; i++) a.Set(i, nt_op_name(i));
  return a;
}

// submit(): enqueue the op in the command buffer; throws with a clear message on failure.
// NOTE: written against the raw N-API (not node-addon-api) because it runs once per op.
napi_value SubmitRaw(napi_env env, napi_callback_info) {
  Instance* inst = nullptr;
  napi_get_instance_data(env, (void**)&inst);
  const double* c = inst->cmd;
  int op = (int)c[0], key = (int)c[1], nviews = (int)c[2];
  nt::DeviceQueue* q = queue_for(Napi::Env(env), key);
  if (!q) return nullptr;
  if (q->has_error()) {
    std::string e = q->take_error();
    napi_throw_error(env, nullptr, e.c_str());
    return nullptr;
  }
  if (op < 0 || op >= NT_OP_COUNT || nviews < 1 || nviews > NT_MAX_VIEWS) {
    napi_throw_error(env, nullptr, "internal: malformed command");
    return nullptr;
  }
  const nt_backend* b = q->backend();
  if (!b->kernels[op]) {
    std::string e = std::string("op '") + nt_op_name(op) + "' is not implemented on " + device_prefix(b) +
                    ":" + std::to_string(q->device());
    napi_throw_error(env, nullptr, e.c_str());
    return nullptr;
  }
  nt::Command cmd;
  cmd.type = nt::CMD_KERNEL;
  nt_args& a = cmd.args;
  a.op = op;
  a.nviews = nviews;
  for (int k = 0; k < NT_MAX_PARAMS; k++) {
    a.f[k] = c[kF + k];
    a.i[k] = (int64_t)c[kI + k];
  }
  for (int v = 0; v < nviews; v++) {
    const double* d = c + kViews + v * kViewSize;
    nt_view& w = a.v[v];
    w.data = (void*)(uintptr_t)d[0];
    w.dtype = (int32_t)d[1];
    w.ndim = (int32_t)d[2];
    w.offset = (int64_t)d[3];
    if (w.dtype < 0 || w.dtype >= NT_DTYPE_COUNT || w.ndim < 0 || w.ndim > NT_MAX_DIMS) {
      napi_throw_error(env, nullptr, "internal: malformed view");
      return nullptr;
    }
    for (int k = 0; k < w.ndim; k++) {
      w.shape[k] = (int64_t)d[4 + k];
      w.strides[k] = (int64_t)d[4 + NT_MAX_DIMS + k];
    }
  }
  if (b->supports) {
    nt_error err;
    err.msg[0] = 0;
    if (!b->supports(&a, &err)) {
      std::string e = std::string("op '") + nt_op_name(op) + "' is not supported on " + device_prefix(b) +
                      ":" + std::to_string(q->device()) + " (" + err.msg + ")";
      napi_throw_error(env, nullptr, e.c_str());
      return nullptr;
    }
  }
  q->push(cmd);
  return nullptr;
}

// alloc(key, nbytes) -> pointer as a number
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int key = info[0].As<Napi::Number>().Int32Value();
  double nbytes = info[1].As<Napi::Number>().DoubleValue();
  nt::DeviceQueue* q = queue_for(env, key);
  if (!q) return env.Undefined();
  nt_error err;
  err.msg[0] = 0;
  void* p = q->backend()->alloc(q->device(), (size_t)nbytes, &err);
  if (!p) {
    Napi::RangeError::New(env, err.msg[0] ? err.msg : "out of memory").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  report_external(env, inst_of(info), (int64_t)nbytes);
  return Napi::Number::New(env, (double)(uintptr_t)p);
}

// free(key, ptr, nbytes): stream-ordered
Napi::Value Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int key = info[0].As<Napi::Number>().Int32Value();
  nt::DeviceQueue* q = queue_for(env, key);
  if (!q) return env.Undefined();
  nt::Command cmd;
  cmd.type = nt::CMD_FREE;
  cmd.dev = (void*)(uintptr_t)info[1].As<Napi::Number>().DoubleValue();
  cmd.nbytes = (size_t)info[2].As<Napi::Number>().DoubleValue();
  q->push(cmd);
  report_external(env, inst_of(info), -(int64_t)cmd.nbytes);
  return env.Undefined();
}

// write(key, ptr, byteOffset, typedArray, fresh): host data -> storage. `fresh` storage (just
// allocated, unseen by any queued work) on a host backend is written directly on this thread.
Napi::Value Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int key = info[0].As<Napi::Number>().Int32Value();
  nt::DeviceQueue* q = queue_for(env, key);
  if (!q) return env.Undefined();
  char* dst = (char*)(uintptr_t)info[1].As<Napi::Number>().DoubleValue() +
              (size_t)info[2].As<Napi::Number>().DoubleValue();
  auto ta = info[3].As<Napi::TypedArray>();
  const char* src = (const char*)ta.ArrayBuffer().Data() + ta.ByteOffset();
  size_t n = ta.ByteLength();
  bool fresh = info[4].ToBoolean();
  if (fresh && (key >> 8) == nt::BACKEND_CPU) {
    if (n) memcpy(dst, src, n);
    return env.Undefined();
  }
  void* staging = malloc(n ? n : 1);
  if (!staging) {
    Napi::RangeError::New(env, "out of host memory for an upload").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (n) memcpy(staging, src, n);
  nt::Command cmd;
  cmd.type = nt::CMD_FROM_HOST;
  cmd.dev = dst;
  cmd.host = staging;
  cmd.nbytes = n;
  cmd.free_host = true;
  q->push(cmd);
  return env.Undefined();
}

// readSync(key, ptr, byteOffset, typedArray): waits for queued work, then copies into typedArray.
Napi::Value ReadSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int key = info[0].As<Napi::Number>().Int32Value();
  nt::DeviceQueue* q = queue_for(env, key);
  if (!q) return env.Undefined();
  auto ta = info[3].As<Napi::TypedArray>();
  nt::Command cmd;
  cmd.type = nt::CMD_TO_HOST;
  cmd.dev = (char*)(uintptr_t)info[1].As<Napi::Number>().DoubleValue() +
            (size_t)info[2].As<Napi::Number>().DoubleValue();
  cmd.host = (char*)ta.ArrayBuffer().Data() + ta.ByteOffset();
  cmd.nbytes = ta.ByteLength();
  q->wait(q->push(cmd));
  throw_pending(env, q);
  return env.Undefined();
}

void notify_js(Napi::Env env, Napi::Function cb, Notify* n) {
  if (env != nullptr && cb != nullptr) cb.Call({Napi::Number::New(env, n->id)});
  delete n;
}

void notify_from_queue(void* ctx, const char*) {
  auto* pair = (std::pair<Napi::ThreadSafeFunction*, Notify*>*)ctx;
  pair->first->BlockingCall(pair->second, notify_js);
  delete pair;
}

// readAsync(key, ptr, byteOffset, typedArray, id): enqueues the copy; onNotify(id) fires on the JS
// thread when it is done (lib resolves the promise and checks takeError). The typedArray is kept
// alive by lib until then.
Napi::Value ReadAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Instance* inst = inst_of(info);
  int key = info[0].As<Napi::Number>().Int32Value();
  nt::DeviceQueue* q = queue_for(env, key);
  if (!q) return env.Undefined();
  auto ta = info[3].As<Napi::TypedArray>();
  nt::Command cmd;
  cmd.type = nt::CMD_TO_HOST;
  cmd.dev = (char*)(uintptr_t)info[1].As<Napi::Number>().DoubleValue() +
            (size_t)info[2].As<Napi::Number>().DoubleValue();
  cmd.host = (char*)ta.ArrayBuffer().Data() + ta.ByteOffset();
  cmd.nbytes = ta.ByteLength();
  q->push(cmd);
  nt::Command note;
  note.type = nt::CMD_NOTIFY;
  note.fn = notify_from_queue;
  note.ctx = new std::pair<Napi::ThreadSafeFunction*, Notify*>(&inst->tsfn,
                                                              new Notify{info[4].As<Napi::Number>().DoubleValue()});
  if (inst->pending++ == 0) inst->tsfn.Ref(env);
  q->push(note);
  return env.Undefined();
}

// readDone(): lib calls this from onNotify so the process may exit once no read is pending.
Napi::Value ReadDone(const Napi::CallbackInfo& info) {
  Instance* inst = inst_of(info);
  if (--inst->pending == 0) inst->tsfn.Unref(info.Env());
  return info.Env().Undefined();
}

// sync(key): waits for all queued work on the device; throws its pending error.
Napi::Value Sync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  nt::DeviceQueue* q = queue_for(env, info[0].As<Napi::Number>().Int32Value());
  if (!q) return env.Undefined();
  q->drain();
  if (q->backend()->sync) {
    nt_error err;
    err.msg[0] = 0;
    if (q->backend()->sync(q->device(), &err) != 0) {
      Napi::Error::New(env, std::string("synchronize failed: ") + err.msg).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  throw_pending(env, q);
  return env.Undefined();
}

// takeError(key) -> string | null : the device's pending asynchronous error, cleared.
Napi::Value TakeError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  nt::DeviceQueue* q = queue_for(env, info[0].As<Napi::Number>().Int32Value());
  if (!q) return env.Undefined();
  if (!q->has_error()) return env.Null();
  return Napi::String::New(env, q->take_error());
}

// backendStatus(backendId) -> { available, reason, deviceCount, info }
Napi::Value BackendStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = info[0].As<Napi::Number>().Int32Value();
  std::string why;
  const nt_backend* b = nt::load_backend(id, &why);
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", nt::backend_name(id));
  o.Set("available", b != nullptr);
  if (!b) {
    o.Set("reason", why);
    o.Set("deviceCount", 0);
    return o;
  }
  o.Set("deviceCount", b->device_count ? b->device_count() : 0);
  o.Set("info", b->info_json ? b->info_json() : "{}");
  Napi::Array ops = Napi::Array::New(env);
  uint32_t n = 0;
  for (int i = 0; i < NT_OP_COUNT; i++)
    if (b->kernels[i]) ops.Set(n++, nt_op_name(i));
  o.Set("ops", ops);
  return o;
}

// backendSupports(backendId, op, dtype) -> null if the backend can run `op` on `dtype`, else why not
// (a synthetic call: every view of that dtype, one element; for nt.npu.supports()).
Napi::Value BackendSupports(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = info[0].As<Napi::Number>().Int32Value(), op = info[1].As<Napi::Number>().Int32Value();
  int dtype = info[2].As<Napi::Number>().Int32Value();
  std::string why;
  const nt_backend* b = nt::load_backend(id, &why);
  if (!b) {
    Napi::Error::New(env, std::string(device_prefix(id)) + " is not available: " + why).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (op < 0 || op >= NT_OP_COUNT || dtype < 0 || dtype >= NT_DTYPE_COUNT) {
    Napi::RangeError::New(env, "backendSupports: bad op or dtype id").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!b->kernels[op]) return Napi::String::New(env, std::string(nt_op_name(op)) + " is not implemented");
  if (!b->supports) return env.Null();
  nt_args a;
  memset(&a, 0, sizeof a);
  a.op = op;
  a.nviews = NT_MAX_VIEWS;
  for (int v = 0; v < NT_MAX_VIEWS; v++) {
    a.v[v].dtype = dtype;
    a.v[v].ndim = 1;
    a.v[v].shape[0] = 1;
    a.v[v].strides[0] = 1;
  }
  nt_error err;
  err.msg[0] = 0;
  if (b->supports(&a, &err)) return env.Null();
  return Napi::String::New(env, err.msg[0] ? err.msg : "not supported");
}

// setOption(backendId, name, value): the backend's set_option (npu "allow_hf32", cuda "allow_tf32").
Napi::Value SetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = info[0].As<Napi::Number>().Int32Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  std::string why;
  const nt_backend* b = nt::load_backend(id, &why);
  if (!b) {
    Napi::Error::New(env, std::string(device_prefix(id)) + " is not available: " + why).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  nt_error err;
  err.msg[0] = 0;
  if (!b->set_option || b->set_option(name.c_str(), info[2].As<Napi::Number>().DoubleValue(), &err) != 0) {
    Napi::Error::New(env, err.msg[0] ? err.msg : ("unknown " + std::string(device_prefix(id)) + " option '" + name + "'"))
        .ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// memoryStats(key) -> JSON string from the backend
Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  nt::DeviceQueue* q = queue_for(env, info[0].As<Napi::Number>().Int32Value());
  if (!q) return env.Undefined();
  const nt_backend* b = q->backend();
  return Napi::String::New(env, b->memory_json ? b->memory_json(q->device()) : "{}");
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  nt::DeviceQueue* q = queue_for(info.Env(), 0);
  if (q) q->drain();
  nt_cpu_empty_cache();
  std::vector<nt::DeviceQueue*> devices;  // device backends with a cache of their own (npu, cuda)
  {
    std::lock_guard<std::mutex> lk(g_queues_mu);
    for (auto& kv : g_queues)
      if (kv.first != 0 && kv.second->backend()->empty_cache) devices.push_back(kv.second);
  }
  for (nt::DeviceQueue* d : devices) {
    d->drain();
    d->backend()->empty_cache(d->device());
  }
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  nt::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), nt::num_threads());
}

Napi::Object Main(Napi::Env env, Napi::Object exports) {
  auto* inst = new Instance();
  env.SetInstanceData<Instance>(inst);
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("opNames", Napi::Function::New(env, OpNames));
  napi_value submit;
  napi_create_function(env, "submit", NAPI_AUTO_LENGTH, SubmitRaw, nullptr, &submit);
  exports.Set("submit", Napi::Value(env, submit));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("readSync", Napi::Function::New(env, ReadSync));
  exports.Set("readAsync", Napi::Function::New(env, ReadAsync));
  exports.Set("readDone", Napi::Function::New(env, ReadDone));
  exports.Set("sync", Napi::Function::New(env, Sync));
  exports.Set("takeError", Napi::Function::New(env, TakeError));
  exports.Set("backendStatus", Napi::Function::New(env, BackendStatus));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
  exports.Set("backendSupports", Napi::Function::New(env, BackendSupports));
  exports.Set("setOption", Napi::Function::New(env, SetOption));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("setAddonDir", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    nt::set_addon_dir(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  }));
  return exports;
}

}  // namespace

NODE_API_MODULE(nodetensor, Main)
