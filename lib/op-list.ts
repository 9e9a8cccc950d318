// op-list.ts — the TypeScript side of the one op table (csrc/core/ops.def), as ids.
// Not here: what the ops do (lib/ops/*). test/unit/op-table.test.ts checks this equals native.opNames().

/** Every kernel op, in ops.def order. */
export const OP_NAMES = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'relu', 'gelu', 'gelu_tanh', 'silu', 'softplus', 'erf',
  'floor', 'ceil', 'round', 'clamp', 'logical_not', 'isnan', 'isinf',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'logical_and', 'logical_or',
  'where',
  'copy', 'fill', 'arange', 'rand_uniform', 'rand_normal', 'randint',
  'sum', 'prod', 'amax', 'amin', 'argmax', 'argmin', 'var', 'all', 'any',
  'softmax', 'log_softmax', 'cumsum', 'cumprod', 'sort', 'topk',
  'matmul',
  'index_select', 'gather', 'scatter', 'scatter_add', 'index_add', 'take',
  'attention', 'attention_backward',
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** Op name -> id. */
export const OP = Object.fromEntries(OP_NAMES.map((n, i) => [n, i])) as { readonly [K in OpName]: number };

const OP_SORT = OP.sort, OP_TOPK = OP.topk, OP_ATTN = OP.attention, OP_ATTN_BWD = OP.attention_backward;

/** How many of an op's views are outputs (they come last): 2 for sort/topk/attention, 3 for attention_backward, else 1. */
export function outputCount(op: number): number {
  return op === OP_SORT || op === OP_TOPK || op === OP_ATTN ? 2 : op === OP_ATTN_BWD ? 3 : 1;
}
