// index.ts — the public surface of nodetensor: `import * as nt from 'nodetensor'`.
// Not here: implementations (each export comes from the file that owns it).
export { Tensor } from './tensor';
export type { ValuesIndices, Dims } from './tensor';
export type { DType, DataTypeMap } from './dtype';
export { DTYPES, promoteTypes } from './dtype';
export { backendInfo } from './device';
export type { BackendInfo, Device } from './device';
export { tidy, keep, memory } from './memory';
export {
  tensor, zeros, ones, full, empty, zerosLike, onesLike, fullLike, emptyLike, arange, linspace, eye,
  rand, randn, randint, uniform, normal, manualSeed, getRngState, setRngState, cat, stack,
} from './ops/creation';
export type { TensorOptions, NestedArray } from './ops/creation';
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot,
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sin, cos, tan, tanh, sigmoid,
  relu, gelu, silu, softplus, erf, floor, ceil, round, clamp, isnan, isinf, where, maskedFill,
} from './ops/elementwise';
export type { Scalar } from './ops/elementwise';
export {
  sum, mean, prod, amax, amin, argmax, argmin, logsumexp, all, any, softmax, logSoftmax, cumsum, cumprod,
  sort, argsort, topk,
} from './ops/reduce';
export { matmul, mm, bmm, outer } from './ops/linalg';
export { indexSelect, gather, take, indexAdd } from './ops/indexing';
export { fromNdarray, toNdarray } from './ndarray';
export { formatTensor } from './format';
export { synchronize, setNumThreads, getNumThreads, emptyCache } from './runtime';
export { noGrad, enableGrad, isGradEnabled } from './autograd';
export * as autograd from './autograd-api';
export { save, load, loadMetadata, serialize, deserialize, type LoadOptions, type SaveOptions } from './io/safetensors';
export * as optim from './optim';
export * as nn from './nn';
export * as F from './nn/functional';
export * as cuda from './cuda';
export * as npu from './npu';
export { setFallback, getFallback } from './fallback';
