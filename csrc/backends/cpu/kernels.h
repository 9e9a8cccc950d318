// kernels.h — how the CPU backend's kernel families plug into its vtable.
// Each family file (elementwise.cpp, reduce.cpp, ...) defines one register function that fills
// the slots of the ops it implements; slots left null are "not implemented on cpu".
// Not here: the kernels themselves, the queue, or memory.
#pragma once
#include "../../core/backend.h"

void nt_cpu_register_elementwise(nt_kernel_fn* slots);  // UNARY, BINARY, TERNARY
void nt_cpu_register_copy(nt_kernel_fn* slots);         // COPY, FILL (incl. arange, random)
void nt_cpu_register_reduce(nt_kernel_fn* slots);       // REDUCE, DIM (softmax, cumsum), SORT
void nt_cpu_register_matmul(nt_kernel_fn* slots);       // MATMUL (BLAS found at run time, or built-in GEMM)
void nt_cpu_register_index(nt_kernel_fn* slots);        // INDEX
void nt_cpu_register_attention(nt_kernel_fn* slots);    // ATTENTION (fused, flash style)
// Tests only: run attention's portable float32 paths even where AVX2 is available.
void nt_cpu_attention_force_portable(bool on);

// Which GEMM is in use, as a JSON fragment for backendInfo: {"blas":"openblas","path":"..."} etc.
const char* nt_cpu_blas_info_json();

// Helper for kernels: fill err with printf-style text and return 1 (the core's nt_errorf).
#define nt_fail nt_errorf

// The CPU backend's vtable (cpu-backend.cpp) and its cache release (nt.emptyCache()).
const nt_backend* nt_cpu_backend();
void nt_cpu_empty_cache();
