// functional-basic.ts — stateless building blocks of nn, each a composite of existing tensor ops (so
// autograd differentiates them through those ops' rules): linear, embedding, dropout, activations,
// softmax, oneHot, pad, normalize. Not here: normalisation layers (functional-norm.ts), convolution
// and pooling (functional-conv.ts), attention (functional-attention.ts), losses (losses.ts).
import { tidy } from '../memory';
import { arange, cat, full, rand, tensor } from '../ops/creation';
import { where } from '../ops/elementwise';
import { Tensor } from '../tensor';
import { checkFloat, checkIndexDtype, checkTensor, fmtShape, sameDevice } from './_util';

/**
 * `y = x Wᵀ + b` over the last dimension of `input` (PyTorch's F.linear).
 * @example
 * const y = nt.nn.functional.linear(nt.randn([2, 4]), nt.randn([3, 4]), nt.zeros([3])); // shape [2, 3]
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null, name = 'linear'): Tensor {
  checkTensor(input, name); checkTensor(weight, name, 'weight');
  if (weight.ndim !== 2) throw new RangeError(`${name}: expected a 2-D weight [out_features, in_features], got shape ${fmtShape(weight.shape)}`);
  const [out, inF] = weight.shape;
  if (input.ndim === 0 || input.shape[input.ndim - 1] !== inF) throw new RangeError(`${name}: expected input with last dimension ${inF}, got shape ${fmtShape(input.shape)}`);
  if (input.dtype !== weight.dtype) throw new TypeError(`${name}: input dtype ${input.dtype} does not match the weight's dtype ${weight.dtype}`);
  sameDevice(input, weight, name, 'weight');
  if (bias) {
    checkTensor(bias, name, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== out) throw new RangeError(`${name}: expected bias of shape [${out}], got ${fmtShape(bias.shape)}`);
  }
  return tidy(() => {
    const y = input.matmul(weight.t());
    return bias ? y.add(bias) : y;
  });
}

/**
 * Rows of `weight` picked by integer `input` (any shape): output shape `[...input.shape, dim]`.
 * With `paddingIdx`, those positions get no gradient (their row is still returned).
 * @example
 * const w = nt.randn([10, 3]);
 * nt.nn.functional.embedding(nt.tensor([[1, 2], [4, 9]]), w).shape; // [2, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null, name = 'embedding'): Tensor {
  checkTensor(input, name, 'indices'); checkTensor(weight, name, 'weight');
  checkIndexDtype(input, name);
  if (weight.ndim !== 2) throw new RangeError(`${name}: expected a 2-D weight [num_embeddings, embedding_dim], got shape ${fmtShape(weight.shape)}`);
  sameDevice(weight, input, name, 'indices');
  const n = weight.shape[0];
  let pad: number | null = null;
  if (paddingIdx !== undefined && paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) throw new RangeError(`${name}: paddingIdx must be within the number of embeddings [${-n}, ${n - 1}], got ${paddingIdx}`);
    pad = paddingIdx < 0 ? paddingIdx + n : paddingIdx;
  }
  return tidy(() => {
    const rows = weight.indexSelect(0, input.reshape([-1]));
    const out = rows.reshape([...input.shape, weight.shape[1]]);
    if (pad === null || !weight.requiresGrad) return out;
    // Same values; no gradient flows to the padding row (where() routes it to the detached branch).
    return where(input.eq(pad).unsqueeze(-1), out.detach(), out);
  });
}

/**
 * Zeroes elements with probability `p` and scales the rest by `1/(1-p)` when `training`; else returns
 * `input` itself. (The random mask comes from nodetensor's generator, so values differ from PyTorch's.)
 * @example
 * nt.nn.functional.dropout(nt.ones([4]), 0.5);                      // e.g. tensor([2., 0., 2., 2.])
 * nt.nn.functional.dropout(nt.ones([4]), 0.5, false);               // the input, unchanged
 */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  checkTensor(input, 'dropout');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return input;
  checkFloat(input, 'dropout');
  return tidy(() => {
    if (p === 1) return input.mul(0);
    const gdt = input.dtype === 'float64' ? 'float64' : 'float32';
    const u = rand(input.shape, { dtype: gdt, device: input.device });
    let scale = where(u.ge(p), 1 / (1 - p), 0);
    if (scale.dtype !== input.dtype) scale = scale.to(input.dtype);
    return input.mul(scale);
  });
}

/** max(0, x). @example nt.nn.functional.relu(nt.tensor([-1, 2])) // tensor([0, 2]) */
export function relu(input: Tensor): Tensor { return checkTensor(input, 'relu').relu(); }
/** GELU, exact (erf) or `approximate: 'tanh'`. @example nt.nn.functional.gelu(nt.tensor([1.0], { dtype: 'float32' })) // tensor([0.8413]) */
export function gelu(input: Tensor, opts?: { approximate?: 'none' | 'tanh' }): Tensor { return checkTensor(input, 'gelu').gelu(opts); }
/** x·σ(x) (swish). @example nt.nn.functional.silu(nt.tensor([1.0], { dtype: 'float32' })) // tensor([0.7311]) */
export function silu(input: Tensor): Tensor { return checkTensor(input, 'silu').silu(); }
/** @example nt.nn.functional.tanh(nt.tensor([0.5])) // tensor([0.4621]) */
export function tanh(input: Tensor): Tensor { return checkTensor(input, 'tanh').tanh(); }
/** @example nt.nn.functional.sigmoid(nt.tensor([0.0], { dtype: 'float32' })) // tensor([0.5000]) */
export function sigmoid(input: Tensor): Tensor { return checkTensor(input, 'sigmoid').sigmoid(); }
/** log(1 + exp(βx))/β, linear above `threshold`. @example nt.nn.functional.softplus(nt.tensor([0.0], { dtype: 'float32' })) // tensor([0.6931]) */
export function softplus(input: Tensor, opts?: { beta?: number; threshold?: number }): Tensor { return checkTensor(input, 'softplus').softplus(opts); }
/**
 * x for x > 0, `negativeSlope`·x otherwise.
 * @example nt.nn.functional.leakyRelu(nt.tensor([-2.0, 3.0], { dtype: 'float32' }), 0.1) // tensor([-0.2000,  3.0000])
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor(input, 'leakyRelu');
  return tidy(() => where(input.gt(0), input, input.mul(negativeSlope)));
}
/** Softmax along `dim`. @example nt.nn.functional.softmax(nt.tensor([1.0, 2.0], { dtype: 'float32' }), -1) // tensor([0.2689, 0.7311]) */
export function softmax(input: Tensor, dim: number): Tensor { return checkTensor(input, 'softmax').softmax(dim); }
/** log(softmax(x)) along `dim`, computed stably. @example nt.nn.functional.logSoftmax(nt.tensor([1.0, 2.0], { dtype: 'float32' }), -1) // tensor([-1.3133, -0.3133]) */
export function logSoftmax(input: Tensor, dim: number): Tensor { return checkTensor(input, 'logSoftmax').logSoftmax(dim); }

/**
 * One-hot encoding of class indices: int64 of shape `[...input.shape, numClasses]`
 * (`numClasses = -1`: max + 1). Reads the values to check them (a synchronous read).
 * @example nt.nn.functional.oneHot(nt.tensor([0, 2]), 3) // tensor([[1, 0, 0], [0, 0, 1]])
 */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  checkTensor(input, 'oneHot');
  checkIndexDtype(input, 'oneHot', 'class indices');
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new RangeError(`oneHot: numClasses must be -1 or a non-negative integer, got ${numClasses}`);
  if (input.numel === 0 && numClasses === -1) throw new RangeError('oneHot: can not infer the total number of classes from an empty tensor; pass numClasses');
  if (input.numel) {
    const lo = tidy(() => input.amin().item()), hi = tidy(() => input.amax().item());
    if (lo < 0) throw new RangeError(`oneHot: class values must be non-negative, got ${lo}`);
    if (numClasses === -1) numClasses = hi + 1;
    else if (hi >= numClasses) throw new RangeError(`oneHot: class values must be smaller than numClasses (${numClasses}), got ${hi}`);
  }
  const C = numClasses;
  return tidy(() => input.unsqueeze(-1).eq(arange(C, undefined, 1, { dtype: input.dtype, device: input.device })).long());
}

/** @internal index [n + l + r] that pads a dim of size n by l/r in a non-constant mode. */
function padIndex(n: number, l: number, r: number, mode: string): Int32Array {
  const out = new Int32Array(n + l + r);
  for (let i = 0; i < out.length; i++) {
    const j = i - l;
    if (mode === 'replicate') out[i] = Math.min(Math.max(j, 0), n - 1);
    else if (mode === 'circular') out[i] = ((j % n) + n) % n;
    else out[i] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;  // reflect
  }
  return out;
}

/**
 * Pads (or, with negative amounts, crops) the last dims: `pad` lists (left, right) pairs starting
 * from the LAST dim, as in PyTorch. Modes: 'constant' (with `value`), 'reflect', 'replicate', 'circular'.
 * @example
 * nt.nn.functional.pad(nt.ones([1, 2]), [1, 2]);                  // shape [1, 5]: [[0, 1, 1, 0, 0]]
 * nt.nn.functional.pad(nt.arange(3).float().reshape([1, 3]), [2, 0], 'reflect'); // [[2, 1, 0, 1, 2]]
 */
export function pad(input: Tensor, pad: number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  checkTensor(input, 'pad');
  if (!Array.isArray(pad) || pad.length % 2 !== 0 || pad.some((v) => !Number.isInteger(v))) throw new RangeError(`pad: expected an even-length list of integers, got ${JSON.stringify(pad)}`);
  if (pad.length / 2 > input.ndim) throw new RangeError(`pad: padding length ${pad.length} is too large for an input with ${input.ndim} dimensions (at most ${2 * input.ndim})`);
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw new TypeError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(mode)}`);
  return tidy(() => {
    let y = input;
    for (let j = 0; j < pad.length / 2; j++) {
      const d = input.ndim - 1 - j, l = pad[2 * j], r = pad[2 * j + 1];
      if (l === 0 && r === 0) continue;
      const n = y.shape[d];
      if (mode === 'constant') {
        const cl = Math.max(-l, 0), cr = Math.max(-r, 0);
        if (cl || cr) {
          if (cl + cr > n) throw new RangeError(`pad: negative padding (${l}, ${r}) removes more than the ${n} elements of dimension ${d}`);
          y = y.narrow(d, cl, n - cl - cr);
        }
        const parts: Tensor[] = [];
        const side = (k: number): Tensor => { const s = y.shape.slice(); s[d] = k; return full(s, value, { dtype: input.dtype, device: input.device }); };
        if (l > 0) parts.push(side(l));
        parts.push(y);
        if (r > 0) parts.push(side(r));
        if (parts.length > 1) y = cat(parts, d);
      } else {
        if (l < 0 || r < 0) throw new RangeError(`pad: negative padding is only supported in 'constant' mode, got (${l}, ${r})`);
        if (mode === 'reflect' && (l >= n || r >= n)) throw new RangeError(`pad: reflect padding (${l}, ${r}) must be smaller than the size ${n} of dimension ${d}`);
        if (mode === 'circular' && (l > n || r > n)) throw new RangeError(`pad: circular padding (${l}, ${r}) must be at most the size ${n} of dimension ${d}`);
        if (n === 0) throw new RangeError(`pad: cannot ${mode}-pad dimension ${d} of size 0`);
        y = y.indexSelect(d, tensor(padIndex(n, l, r, mode), { device: input.device }));
      }
    }
    return y === input ? input.alias() : y;
  });
}

/**
 * Divides by the p-norm along `dim`, clamped below by `eps`: `x / max(‖x‖_p, eps)`.
 * @example nt.nn.functional.normalize(nt.tensor([[3.0, 4.0]], { dtype: 'float32' })) // tensor([[0.6000, 0.8000]])
 */
export function normalize(input: Tensor, opts?: { p?: number; dim?: number; eps?: number }): Tensor {
  checkTensor(input, 'normalize'); checkFloat(input, 'normalize');
  const p = opts?.p ?? 2, dim = opts?.dim ?? 1, eps = opts?.eps ?? 1e-12;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`normalize: p must be a positive number (or Infinity), got ${p}`);
  return tidy(() => {
    let norm: Tensor;
    if (p === Infinity) norm = input.abs().amax(dim, true).clamp(eps);
    else if (p === 2) norm = input.square().sum(dim, true).clamp(eps * eps).sqrt();
    else if (p === 1) norm = input.abs().sum(dim, true).clamp(eps);
    else norm = input.abs().pow(p).sum(dim, true).clamp(eps ** p).pow(1 / p);
    return input.div(norm);
  });
}
