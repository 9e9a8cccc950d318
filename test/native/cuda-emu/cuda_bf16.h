// cuda_bf16.h (CPU stand-in): __nv_bfloat16 lives in this directory's cuda_runtime.h.
#pragma once
#include "cuda_runtime.h"
