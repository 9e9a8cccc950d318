// op-table.h — the op enum and names generated from ops.def. Not here: kernels or shape rules.
#pragma once

enum nt_op_kind { NT_KIND_UNARY, NT_KIND_BINARY, NT_KIND_TERNARY, NT_KIND_COPY, NT_KIND_FILL,
                  NT_KIND_REDUCE, NT_KIND_DIM, NT_KIND_SORT, NT_KIND_MATMUL, NT_KIND_INDEX,
                  NT_KIND_ATTENTION };

enum nt_op_id {
#define NT_OP(id, kind) NT_OP_##id,
#include "ops.def"
#undef NT_OP
  NT_OP_COUNT
};

static inline const char* nt_op_name(int op) {
  static const char* names[] = {
#define NT_OP(id, kind) #id,
#include "ops.def"
#undef NT_OP
  };
  return (op >= 0 && op < NT_OP_COUNT) ? names[op] : "?";
}

static inline int nt_op_kind_of(int op) {
  static const int kinds[] = {
#define NT_OP(id, kind) NT_KIND_##kind,
#include "ops.def"
#undef NT_OP
  };
  return (op >= 0 && op < NT_OP_COUNT) ? kinds[op] : -1;
}
