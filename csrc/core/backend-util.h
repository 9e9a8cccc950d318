// backend-util.h — what every backend's vtable file does the same way: start the vtable (header and
// device entries) and write the info/memory JSON that nt.backendInfo() and nt.memory() parse.
// Not here: the vtable itself (backend.h), kernel registration, or any backend's own content.
#pragma once
#include <string.h>

#include <string>
#include <type_traits>

#include "backend.h"

// A vtable with this build's api_version and op_count, the backend's name and its device entries
// (bind_thread and sync may be null); every kernel slot and optional entry is null. The caller then
// registers its kernels and sets the optional entries it has (supports, info_json, ...).
static inline nt_backend nt_backend_begin(const char* name, decltype(nt_backend::init) init,
                                          decltype(nt_backend::device_count) device_count,
                                          decltype(nt_backend::bind_thread) bind_thread, decltype(nt_backend::alloc) alloc,
                                          decltype(nt_backend::free) free_fn,
                                          decltype(nt_backend::copy_to_host) copy_to_host,
                                          decltype(nt_backend::copy_from_host) copy_from_host,
                                          decltype(nt_backend::sync) sync) {
  nt_backend b;
  memset(&b, 0, sizeof b);
  b.api_version = NT_BACKEND_API_VERSION;
  b.op_count = NT_OP_COUNT;
  b.name = name;
  b.init = init;
  b.device_count = device_count;
  b.bind_thread = bind_thread;
  b.alloc = alloc;
  b.free = free_fn;
  b.copy_to_host = copy_to_host;
  b.copy_from_host = copy_from_host;
  b.sync = sync;
  return b;
}

// A JSON string literal: quotes and backslashes escaped, control characters dropped.
static inline std::string nt_json_quote(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if ((unsigned char)ch >= 0x20) o += ch;
  }
  return o + "\"";
}

// A flat JSON object, keys in call order:
//   return nt_json().num("threads", 4).str("simd", "avx2").raw("gemm", blas_json).into(out);
// `into` writes it to storage the caller keeps (the C ABI hands out a const char*, valid until the
// next call; the core copies it at once) and returns its text.
class nt_json {
 public:
  nt_json& str(const char* key, const std::string& v) { return raw(key, nt_json_quote(v)); }
  template <class T>
  nt_json& num(const char* key, T v) {
    static_assert(std::is_integral<T>::value, "nt_json::num takes integers");
    return raw(key, std::to_string(v));
  }
  nt_json& boolean(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
  // A value that is JSON already (an object or array built elsewhere).
  nt_json& raw(const char* key, const std::string& json) {
    body_ += (body_.empty() ? "" : ",") + nt_json_quote(key) + ":" + json;
    return *this;
  }
  // Appends a JSON value to an array's text `list` ("[...]" is added by array()).
  static void push(std::string* list, const std::string& json) { *list += (list->empty() ? "" : ",") + json; }
  static std::string array(const std::string& list) { return "[" + list + "]"; }
  std::string text() const { return "{" + body_ + "}"; }
  const char* into(std::string& out) const {
    out = text();
    return out.c_str();
  }

 private:
  std::string body_;
};
