// loader.h — finds a backend by name: the CPU one is built in; 'cuda' and 'cann' are shared
// libraries dlopen'ed on first use (beside the .node, or from NODETENSOR_<NAME>_LIB).
// Not here: device queues (addon.cpp owns them) or anything a backend does once loaded.
#pragma once
#include <string>

#include "backend.h"

namespace nt {
enum BackendId { BACKEND_CPU = 0, BACKEND_CUDA = 1, BACKEND_CANN = 2, BACKEND_COUNT = 3 };
const char* backend_name(int id);
// Returns the backend, loading and initialising it on first call; on failure returns null and sets
// `why` to a sentence saying what is missing. The result (and the failure) is cached.
const nt_backend* load_backend(int id, std::string* why);
// Directory that holds the .node (set once by the addon at load time).
void set_addon_dir(const std::string& dir);
}  // namespace nt
