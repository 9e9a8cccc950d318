// cuda_fp16.h (CPU stand-in): __half lives in this directory's cuda_runtime.h.
#pragma once
#include "cuda_runtime.h"
