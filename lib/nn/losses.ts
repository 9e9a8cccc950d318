// losses.ts — loss functions with PyTorch 1.13's semantics (reductions, ignoreIndex, class weights,
// label smoothing, pos_weight, log targets), each a composite of tensor ops so autograd handles them.
// Not here: the loss modules (layers-loss.ts).
import { tidy } from '../memory';
import { where } from '../ops/elementwise';
import { Tensor } from '../tensor';
import { checkFloat, checkIndexDtype, checkReduction, checkTensor, fmtShape, isFloat, Reduction } from './_util';

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

function sameShape(a: Tensor, b: Tensor): boolean { return a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]); }

/** @internal checks [N, C, d...] input against an index target [N, d...] (or [C] with a 0-d target). */
function checkIndexTarget(input: Tensor, target: Tensor, op: string): number {
  checkIndexDtype(target, op, 'target class indices');
  if (input.ndim === 0) throw new RangeError(`${op}: expected input of shape [N, C], [N, C, d1, ...] or [C], got a 0-d tensor`);
  const cdim = input.ndim === 1 ? 0 : 1;
  const want = input.shape.filter((_, i) => i !== cdim);
  if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i])) {
    if (input.ndim >= 2 && target.ndim >= 1 && target.shape[0] !== input.shape[0]) throw new RangeError(`${op}: expected input batch size (${input.shape[0]}) to match target batch size (${target.shape[0]})`);
    throw new RangeError(`${op}: expected target of shape ${fmtShape(want)} for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`);
  }
  return cdim;
}

function checkWeight(weight: Tensor | null | undefined, C: number, op: string): void {
  if (!weight) return;
  checkTensor(weight, op, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== C) throw new RangeError(`${op}: expected weight of shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
}

/** Options of nllLoss / crossEntropy. @example nt.nn.functional.nllLoss(nt.randn([2, 3]).logSoftmax(1), nt.tensor([0, 2]), { ignoreIndex: 0, reduction: 'sum' }) */
export interface ClassLossOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }

/**
 * Negative log-likelihood of class indices `target` under log-probabilities `input` (`[N, C]`,
 * `[N, C, d1, ...]` or `[C]`). With `weight`, 'mean' divides by the summed weights of the targets;
 * targets equal to `ignoreIndex` (-100) count for nothing.
 * @example
 * const logp = nt.tensor([[0.2, 0.8], [0.6, 0.4]]).log();
 * nt.nn.functional.nllLoss(logp, nt.tensor([1, 0])).item(); // ≈ 0.367 (= -(ln 0.8 + ln 0.6) / 2)
 */
export function nllLoss(input: Tensor, target: Tensor, opts?: ClassLossOptions, op = 'nllLoss'): Tensor {
  checkTensor(input, op); checkTensor(target, op, 'target'); checkFloat(input, op);
  const reduction = opts?.reduction ?? 'mean';
  checkReduction(reduction, op);
  const cdim = checkIndexTarget(input, target, op);
  const weight = opts?.weight ?? null, ignoreIndex = opts?.ignoreIndex ?? -100;
  checkWeight(weight, input.shape[cdim], op);
  return tidy(() => {
    const ign = target.eq(ignoreIndex);
    const safe = target.maskedFill(ign, 0);
    const picked = input.gather(cdim, safe.unsqueeze(cdim)).squeeze(cdim);
    let w = weight ? weight.indexSelect(0, safe.reshape([-1])).reshape(target.shape) : ign.logicalNot().to(input.dtype);
    if (weight) w = w.maskedFill(ign, 0);
    const loss = picked.mul(w).neg();
    if (reduction === 'none') return loss;
    return reduction === 'sum' ? loss.sum() : loss.sum().div(w.sum());
  });
}

/**
 * Cross entropy between logits `input` (`[N, C]`, `[N, C, d1, ...]` or `[C]`) and either class indices
 * (int64, with `ignoreIndex`) or class probabilities (float, same shape as input). Options as PyTorch:
 * `weight`, `ignoreIndex` (-100), `reduction` ('mean'), `labelSmoothing` (0).
 * @example
 * const logits = nt.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]);
 * nt.nn.functional.crossEntropy(logits, nt.tensor([0, 2])).item();                       // ≈ 0.1755
 * nt.nn.functional.crossEntropy(logits, nt.tensor([0, 2]), { labelSmoothing: 0.1 }).item();
 */
export function crossEntropy(input: Tensor, target: Tensor, opts?: ClassLossOptions & { labelSmoothing?: number }): Tensor {
  const op = 'crossEntropy';
  checkTensor(input, op); checkTensor(target, op, 'target'); checkFloat(input, op);
  const reduction = opts?.reduction ?? 'mean';
  checkReduction(reduction, op);
  const ls = opts?.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new RangeError(`${op}: labelSmoothing must be between 0.0 and 1.0, got ${ls}`);
  const weight = opts?.weight ?? null;
  if (input.ndim === 0) throw new RangeError(`${op}: expected input of shape [N, C], [N, C, d1, ...] or [C], got a 0-d tensor`);
  const cdim = input.ndim === 1 ? 0 : 1, C = input.shape[cdim];
  checkWeight(weight, C, op);
  const wshape = input.shape.map((s, i) => (i === cdim ? C : 1));
  if (isFloat(target.dtype)) {
    if (!sameShape(input, target)) throw new RangeError(`${op}: class-probability targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)} (for class indices, use an int64 target)`);
    return tidy(() => {
      const logp = input.logSoftmax(cdim);
      const t = ls > 0 ? target.mul(1 - ls).add(ls / C) : target;
      let prod = logp.mul(t);
      if (weight) prod = prod.mul(weight.reshape(wshape));
      if (reduction === 'none') return prod.sum(cdim).neg();
      const s = prod.sum().neg();
      return reduction === 'sum' ? s : s.div(input.numel / C);
    });
  }
  if (target.dtype !== 'int64' && target.dtype !== 'int32') throw new TypeError(`${op}: expected target to be class indices (int64) or class probabilities (a float tensor of the input's shape), got ${target.dtype}`);
  checkIndexTarget(input, target, op);
  return tidy(() => {
    const logp = input.logSoftmax(cdim);
    const nll = nllLoss(logp, target, { weight, ignoreIndex: opts?.ignoreIndex, reduction }, op);
    if (ls === 0) return nll;
    const ign = target.eq(opts?.ignoreIndex ?? -100);
    const smooth = (weight ? logp.mul(weight.reshape(wshape)) : logp).sum(cdim).neg().maskedFill(ign, 0);
    let ret: Tensor;
    if (reduction === 'none') ret = smooth;
    else if (reduction === 'sum') ret = smooth.sum();
    else if (weight) {
      const safe = target.maskedFill(ign, 0);
      ret = smooth.sum().div(weight.indexSelect(0, safe.reshape([-1])).maskedFill(ign.reshape([-1]), 0).sum());
    } else ret = smooth.sum().div(ign.logicalNot().sum().to(input.dtype));
    return nll.mul(1 - ls).add(ret.mul(ls / C));
  });
}

function pairCheck(input: Tensor, target: Tensor, op: string, exact: boolean): void {
  checkTensor(input, op); checkTensor(target, op, 'target'); checkFloat(input, op);
  if (exact && !sameShape(input, target)) throw new RangeError(`${op}: using a target size (${fmtShape(target.shape)}) that is different to the input size (${fmtShape(input.shape)}) is not supported; please ensure they have the same size`);
}

/**
 * Mean squared error `(input - target)²` (broadcasting), reduced by 'mean' (default), 'sum' or 'none'.
 * @example nt.nn.functional.mseLoss(nt.tensor([1.0, 2.0], { dtype: 'float32' }), nt.tensor([0.0, 4.0], { dtype: 'float32' })).item() // 2.5
 */
export function mseLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  pairCheck(input, target, 'mseLoss', false);
  const r = opts?.reduction ?? 'mean'; checkReduction(r, 'mseLoss');
  return tidy(() => reduce(input.sub(target).square(), r));
}

/** Mean absolute error. @example nt.nn.functional.l1Loss(nt.tensor([1.0, 2.0], { dtype: 'float32' }), nt.tensor([0.0, 4.0], { dtype: 'float32' })).item() // 1.5 */
export function l1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  pairCheck(input, target, 'l1Loss', false);
  const r = opts?.reduction ?? 'mean'; checkReduction(r, 'l1Loss');
  return tidy(() => reduce(input.sub(target).abs(), r));
}

/**
 * Smooth L1: `0.5 d² / beta` where |d| < beta, else `|d| - 0.5 beta` (beta = 0: L1).
 * @example nt.nn.functional.smoothL1Loss(nt.tensor([0.5, 3.0]), nt.tensor([0.0, 0.0], { dtype: 'float32' })).item() // 1.3125
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; beta?: number }): Tensor {
  pairCheck(input, target, 'smoothL1Loss', false);
  const r = opts?.reduction ?? 'mean', beta = opts?.beta ?? 1;
  checkReduction(r, 'smoothL1Loss');
  if (typeof beta !== 'number' || !(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  return tidy(() => {
    const d = input.sub(target).abs();
    if (beta === 0) return reduce(d, r);
    return reduce(where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta)), r);
  });
}

/**
 * Huber loss: `0.5 d²` where |d| < delta, else `delta (|d| - 0.5 delta)`.
 * @example nt.nn.functional.huberLoss(nt.tensor([0.5, 3.0]), nt.tensor([0.0, 0.0], { dtype: 'float32' })).item() // 1.3125
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; delta?: number }): Tensor {
  pairCheck(input, target, 'huberLoss', false);
  const r = opts?.reduction ?? 'mean', delta = opts?.delta ?? 1;
  checkReduction(r, 'huberLoss');
  if (typeof delta !== 'number' || !(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  return tidy(() => {
    const d = input.sub(target).abs();
    return reduce(where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), r);
  });
}

/**
 * Binary cross entropy of probabilities `input` (in [0, 1]) against `target` (same shape); logs are
 * clamped at -100 as in PyTorch. Optional per-element `weight` (broadcast).
 * @example nt.nn.functional.binaryCrossEntropy(nt.tensor([0.8, 0.3]), nt.tensor([1.0, 0.0], { dtype: 'float32' })).item() // ≈ 0.2899
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; reduction?: Reduction }): Tensor {
  pairCheck(input, target, 'binaryCrossEntropy', true);
  const r = opts?.reduction ?? 'mean'; checkReduction(r, 'binaryCrossEntropy');
  return tidy(() => {
    // (t - 1) * max(log1p(-x), -100) - t * max(log(x), -100)
    let loss = target.sub(1).mul(input.neg().log1p().clamp(-100)).sub(target.mul(input.log().clamp(-100)));
    if (opts?.weight) loss = loss.mul(opts.weight);
    return reduce(loss, r);
  });
}

/**
 * Binary cross entropy on logits (numerically stable sigmoid + BCE), with `posWeight` (per class,
 * broadcast over the last dim) and `weight`.
 * @example nt.nn.functional.binaryCrossEntropyWithLogits(nt.tensor([1.5, -0.5]), nt.tensor([1.0, 0.0], { dtype: 'float32' })).item() // ≈ 0.3377
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }): Tensor {
  pairCheck(input, target, 'binaryCrossEntropyWithLogits', true);
  const r = opts?.reduction ?? 'mean'; checkReduction(r, 'binaryCrossEntropyWithLogits');
  return tidy(() => {
    // PyTorch's formula: m = max(-x, 0); (1 - t) x + lw (log(exp(-m) + exp(-x - m)) + m), lw = 1 + (pw - 1) t
    const m = input.neg().relu();
    const sp = m.neg().exp().add(input.neg().sub(m).exp()).log().add(m);
    const lin = target.neg().add(1).mul(input);
    let loss = opts?.posWeight ? lin.add(opts.posWeight.sub(1).mul(target).add(1).mul(sp)) : lin.add(sp);
    if (opts?.weight) loss = loss.mul(opts.weight);
    return reduce(loss, r);
  });
}

/**
 * Kullback-Leibler divergence with `input` as log-probabilities: `target * (log target - input)`
 * (0 where target is 0), or with `logTarget`, `exp(target) * (target - input)`. Reductions: 'mean'
 * (over elements, PyTorch's default), 'batchmean' (sum / batch size, the mathematically correct one),
 * 'sum', 'none'.
 * @example
 * const p = nt.tensor([[0.25, 0.75]]), q = nt.tensor([[0.5, 0.5]]);
 * nt.nn.functional.klDiv(q.log(), p, { reduction: 'batchmean' }).item(); // ≈ 0.1308
 */
export function klDiv(input: Tensor, target: Tensor, opts?: { reduction?: Reduction | 'batchmean'; logTarget?: boolean }): Tensor {
  pairCheck(input, target, 'klDiv', false);
  const r = opts?.reduction ?? 'mean';
  checkReduction(r, 'klDiv', ['batchmean']);
  return tidy(() => {
    let out: Tensor;
    if (opts?.logTarget) out = target.exp().mul(target.sub(input));
    else {
      const xlogy = where(target.eq(0), 0, target.mul(where(target.eq(0), 1, target).log()));
      out = xlogy.sub(target.mul(input));
    }
    if (r === 'batchmean') return input.ndim === 0 ? out.sum() : out.sum().div(input.shape[0]);
    return reduce(out, r);
  });
}
