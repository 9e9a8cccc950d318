// plans.h — the CUDA backend's names for the core's host-side plans (core/plans.h: view checks, the
// reduction plan, lines along one dim) and its error fill (core/view.h's nt_errorf), which every
// CUDA file uses. test/native/cuda-host-test.cpp runs the plans with g++.
// Not here: the plans themselves (core), offset calculators (index-math.h), kernels or launches.
#pragma once
#include "../../core/plans.h"

#define nt_cu_fail nt_errorf
#define nt_cu_check_view nt_check_view
#define nt_cu_same_shape nt_same_shape
#define nt_cu_shape_str nt_shape_str
