// cann-caps.cpp — what each Ascend chip can run: a per-SoC capability table keyed by
// aclrtGetSocName(), and the backend's supports(op, args). The dtype lists come from the per-op
// docs of hicann/ops-math and hicann/ops-nn (Atlas A2/A3), narrowed per chip family as
// ../shared/reference/cann.md §3 says. NOTE: unverified on hardware; the binary kernel packages of a
// given CANN release can differ. Not here: the op mappings themselves.
#include <cstring>
#include <string>

#include "../../core/op-table.h"
#include "aclnn-call.h"
#include "cann-caps.h"

namespace ntcann {
namespace {

const uint8_t F32 = 1 << NT_F32, F64 = 1 << NT_F64, F16 = 1 << NT_F16, BF16 = 1 << NT_BF16, I32 = 1 << NT_I32,
              I64 = 1 << NT_I64, U8 = 1 << NT_U8, B = 1 << NT_BOOL;
const uint8_t FLOATS = F32 | F16 | BF16, FLOATS64 = FLOATS | F64, INTS = I32 | I64 | U8, ALL = 0xff;

struct Cap {
  int aclnn;      // the main aclnn operator (named in messages)
  uint8_t types;  // dtypes of the main operand on Atlas A2/A3
};

// The main aclnn operator of each nt op and its dtypes (as bits of 1 << nt_dtype).
Cap caps_a2(int op) {
  using namespace ntacl;
  switch (op) {
    case NT_OP_neg: return {ACLNN_Neg, FLOATS64 | I32 | I64};
    case NT_OP_abs: return {ACLNN_Abs, ALL & ~B};
    case NT_OP_sign: return {ACLNN_Sign, FLOATS | I32};
    case NT_OP_exp: return {ACLNN_Exp, FLOATS64};
    case NT_OP_log: return {ACLNN_Log, FLOATS64};
    case NT_OP_log1p: return {ACLNN_Log1p, FLOATS64};
    case NT_OP_expm1: return {ACLNN_Expm1, FLOATS};
    case NT_OP_sqrt: return {ACLNN_Sqrt, FLOATS};
    case NT_OP_rsqrt: return {ACLNN_Rsqrt, FLOATS};
    case NT_OP_square: return {ACLNN_Mul, ALL & ~B};
    case NT_OP_reciprocal: return {ACLNN_Reciprocal, FLOATS64};
    case NT_OP_sin: return {ACLNN_Sin, FLOATS64};
    case NT_OP_cos: return {ACLNN_Cos, FLOATS64};
    case NT_OP_tan: return {ACLNN_Tan, FLOATS};
    case NT_OP_tanh: return {ACLNN_Tanh, FLOATS};
    case NT_OP_sigmoid: return {ACLNN_Sigmoid, FLOATS};
    case NT_OP_relu: return {ACLNN_Relu, FLOATS | I32 | I64};
    case NT_OP_gelu: return {ACLNN_Gelu, FLOATS};
    case NT_OP_gelu_tanh: return {ACLNN_GeluV2, FLOATS};
    case NT_OP_silu: return {ACLNN_Silu, FLOATS};
    case NT_OP_softplus: return {ACLNN_Softplus, FLOATS};
    case NT_OP_erf: return {ACLNN_Erf, FLOATS};
    case NT_OP_floor: return {ACLNN_Floor, FLOATS | INTS};  // integers: a copy
    case NT_OP_ceil: return {ACLNN_Ceil, FLOATS64 | INTS};
    case NT_OP_round: return {ACLNN_Round, FLOATS | INTS};
    case NT_OP_clamp: return {ACLNN_Clamp, ALL & ~B};
    case NT_OP_logical_not: return {ACLNN_EqScalar, ALL};  // bool: aclnnLogicalNot
    case NT_OP_isnan: return {ACLNN_NeTensor, ALL};        // integers: a fill
    case NT_OP_isinf: return {ACLNN_IsInf, ALL};
    case NT_OP_add: return {ACLNN_Add, ALL};
    case NT_OP_sub: return {ACLNN_Sub, ALL & ~B};
    case NT_OP_mul: return {ACLNN_Mul, ALL};
    case NT_OP_div: return {ACLNN_Div, ALL & ~B};
    case NT_OP_pow: return {ACLNN_PowTensorTensor, ALL & ~B};
    case NT_OP_maximum: return {ACLNN_Maximum, ALL};
    case NT_OP_minimum: return {ACLNN_Minimum, ALL};
    case NT_OP_eq: return {ACLNN_EqTensor, ALL};
    case NT_OP_ne: return {ACLNN_NeTensor, ALL};
    case NT_OP_lt: return {ACLNN_LtTensor, ALL};
    case NT_OP_le: return {ACLNN_LeTensor, ALL};
    case NT_OP_gt: return {ACLNN_GtTensor, ALL};
    case NT_OP_ge: return {ACLNN_GeTensor, ALL};
    case NT_OP_logical_and: return {ACLNN_LogicalAnd, ALL};
    case NT_OP_logical_or: return {ACLNN_LogicalOr, ALL};
    case NT_OP_where: return {ACLNN_SWhere, ALL};
    case NT_OP_copy: return {ACLNN_InplaceCopy, ALL};
    case NT_OP_fill: return {ACLNN_InplaceFillScalar, ALL};
    case NT_OP_arange: return {ACLNN_Arange, FLOATS64 | INTS};
    case NT_OP_rand_uniform: case NT_OP_rand_normal: case NT_OP_randint: return {ACLNN_InplaceCopy, ALL};
    case NT_OP_sum: return {ACLNN_ReduceSum, ALL};
    case NT_OP_prod: return {ACLNN_ProdDim, ALL};
    case NT_OP_amax: return {ACLNN_Amax, ALL};
    case NT_OP_amin: return {ACLNN_Amin, ALL};
    case NT_OP_argmax: return {ACLNN_ArgMax, FLOATS64 | INTS};
    case NT_OP_argmin: return {ACLNN_ArgMin, FLOATS64 | INTS};
    case NT_OP_var: return {ACLNN_VarCorrection, FLOATS};
    case NT_OP_all: return {ACLNN_All, ALL};
    case NT_OP_any: return {ACLNN_Any, ALL};
    case NT_OP_softmax: return {ACLNN_Softmax, FLOATS64};
    case NT_OP_log_softmax: return {ACLNN_LogSoftmax, FLOATS64};
    case NT_OP_cumsum: return {ACLNN_Cumsum, FLOATS64 | INTS};
    case NT_OP_cumprod: return {ACLNN_Cumprod, FLOATS64 | INTS};
    case NT_OP_sort: return {ACLNN_Sort, FLOATS | INTS | B};
    case NT_OP_topk: return {ACLNN_Topk, FLOATS64 | INTS};
    case NT_OP_matmul: return {ACLNN_Matmul, FLOATS};
    case NT_OP_index_select: return {ACLNN_IndexSelect, ALL};
    case NT_OP_gather: return {ACLNN_Gather, ALL};
    case NT_OP_scatter: return {ACLNN_InplaceScatter, ALL};
    case NT_OP_scatter_add: return {ACLNN_ScatterAdd, ALL};
    case NT_OP_index_add: return {ACLNN_IndexAdd, ALL};
    case NT_OP_take: return {ACLNN_Take, ALL};
  }
  return {-1, 0};
}

// The operand whose dtype the table speaks of.
int main_dtype(const nt_args* a) {
  switch (nt_op_kind_of(a->op)) {
    case NT_KIND_BINARY: return a->i[0] == 2 ? a->v[1].dtype : a->v[0].dtype;
    case NT_KIND_TERNARY: return a->v[3].dtype;
    case NT_KIND_INDEX:
      return a->op == NT_OP_scatter || a->op == NT_OP_scatter_add || a->op == NT_OP_index_add ? a->v[2].dtype
                                                                                              : a->v[0].dtype;
    default: return a->v[0].dtype;
  }
}

}  // namespace

SocFamily soc_family(const std::string& soc) {
  if (soc.compare(0, 12, "Ascend910_93") == 0) return SOC_A3;
  if (soc.compare(0, 10, "Ascend910B") == 0) return SOC_A2;
  if (soc.compare(0, 10, "Ascend310P") == 0) return SOC_310P;
  if (soc.compare(0, 9, "Ascend910") == 0) return SOC_910;
  return SOC_UNKNOWN;
}

const char* soc_family_name(SocFamily f) {
  switch (f) {
    case SOC_A2: return "Atlas A2 (Ascend 910B)";
    case SOC_A3: return "Atlas A3 (Ascend 910C)";
    case SOC_310P: return "Atlas inference (Ascend 310P)";
    case SOC_910: return "Atlas training, first generation (Ascend 910)";
    default: return "unknown chip (treated as Atlas A2)";
  }
}

int supports_dtype(int op, int dtype, bool allow_down_precision, std::string* why) {
  Cap cap = caps_a2(op);
  const std::string& soc = g_acl.soc;
  SocFamily fam = soc_family(soc);
  const char* name = aclnn_name(cap.aclnn);
  if (cap.aclnn < 0) {
    *why = std::string("no aclnn mapping for ") + nt_op_name(op);
    return 0;
  }
  if (!g_acl.ws[cap.aclnn] || !g_acl.run[cap.aclnn]) {
    *why = std::string(nt_dtype_name(dtype)) + " " + nt_op_name(op) + " needs " + name +
           ", which is not in the installed CANN's operator libraries (" +
           (g_acl.op_libs.empty() ? std::string("none") : g_acl.op_libs[0]) + ") for " + soc +
           "; a newer CANN may have it. nt.setFallback('cpu') runs it on the CPU";
    return 0;
  }
  uint8_t types = cap.types;
  if (fam == SOC_310P || fam == SOC_910) types &= (uint8_t)~BF16;  // no bfloat16 on these chips
  if (!(types & (1 << dtype))) {
    *why = std::string(nt_dtype_name(dtype)) + " is not supported by " + name + " on " + soc +
           "; nt.setFallback('cpu') runs it on the CPU";
    return 0;
  }
  if (op == NT_OP_matmul && dtype == NT_F32 && (fam == SOC_310P || fam == SOC_910) && !allow_down_precision) {
    *why = std::string("float32 matmul is not supported by aclnnMatmul on ") + soc +
           ": its cube unit has no float32 mode. Set nt.npu.matmul.allowHF32 = true to compute it in float16, "
           "or nt.setFallback('cpu')";
    return 0;
  }
  return 1;
}

int supports(const nt_args* a, nt_error* err) {
  std::string why;
  int dt = main_dtype(a);
  if (!supports_dtype(a->op, dt, allow_hf32(), &why)) {
    snprintf(err->msg, NT_ERR_LEN, "%s", why.c_str());
    return 0;
  }
  if (a->op == NT_OP_copy && !supports_dtype(a->op, a->v[1].dtype, false, &why)) {
    snprintf(err->msg, NT_ERR_LEN, "%s", why.c_str());
    return 0;
  }
  if (a->op == NT_OP_var && a->f[0] != (double)(int64_t)a->f[0]) {
    snprintf(err->msg, NT_ERR_LEN, "a non-integer correction (%g) is not supported by aclnnVarCorrection", a->f[0]);
    return 0;
  }
  return 1;
}

}  // namespace ntcann
