// utils.ts — nn.utils: gradient clipping (clipGradNorm_, clipGradValue_) and flattening parameters to
// one vector and back. All run without recording gradients. Not here: optimizers (lib/optim).
import { noGrad } from '../autograd';
import { tidy } from '../memory';
import { cat, stack, zeros } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkTensor, fmtShape } from './_util';

function asList(params: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.from(params);
  list.forEach((p, i) => checkTensor(p, op, `parameter ${i}`));
  return list;
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType`-norm (all gradients
 * as one vector) is at most `maxNorm`; returns the total norm before clipping (a 0-d tensor). Like
 * PyTorch it does not read the norm back (no sync) unless `errorIfNonfinite` is set.
 * @example
 * const total = nt.nn.utils.clipGradNorm_(model.parameters(), 1.0);
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, opts?: { errorIfNonfinite?: boolean }): Tensor {
  const grads = asList(parameters, 'clipGradNorm_').map((p) => p.grad).filter((g): g is Tensor => g !== null && g !== undefined && !g.isDisposed);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm_: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be a positive number or Infinity, got ${normType}`);
  if (grads.length === 0) return zeros([]);
  return noGrad(() => {
    const total = tidy(() => {
      const dt = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
      if (normType === Infinity) return stack(grads.map((g) => g.abs().amax().to(dt))).amax();
      const norms = grads.map((g) => (normType === 2 ? g.square().sum().sqrt() : g.abs().pow(normType).sum().pow(1 / normType)).to(dt));
      const s = stack(norms);
      return normType === 2 ? s.square().sum().sqrt() : s.pow(normType).sum().pow(1 / normType);
    });
    if (opts?.errorIfNonfinite) {
      const v = total.item();
      if (!Number.isFinite(v)) throw new Error(`clipGradNorm_: the total norm of order ${normType} for gradients from \`parameters\` is non-finite (${v}), so it cannot be clipped; set errorIfNonfinite to false to skip this check`);
    }
    tidy(() => {
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      for (const g of grads) g.mul_(coef.to(g.dtype));
    });
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` in place into [-clipValue, clipValue].
 * @example nt.nn.utils.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`clipGradValue_: clipValue must be a number, got ${String(clipValue)}`);
  const v = Math.abs(clipValue);
  noGrad(() => { for (const p of asList(parameters, 'clipGradValue_')) if (p.grad && !p.grad.isDisposed) p.grad.clamp_(-v, v); });
}

/**
 * The parameters flattened and concatenated into one 1-D tensor (a copy).
 * @example nt.nn.utils.parametersToVector(new nt.nn.Linear(3, 2).parameters()).shape // [8]
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = asList(parameters, 'parametersToVector');
  if (!list.length) throw new RangeError('parametersToVector: expected at least one parameter');
  return tidy(() => cat(list.map((p) => p.reshape([-1]))));
}

/**
 * Copies consecutive slices of the 1-D `vec` into the parameters, in place (the inverse of
 * parametersToVector).
 * @example
 * const m = new nt.nn.Linear(3, 2);
 * nt.nn.utils.vectorToParameters(nt.zeros([8]), m.parameters()); // all weights now 0
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  checkTensor(vec, 'vectorToParameters', 'vec');
  const list = asList(parameters, 'vectorToParameters');
  const total = list.reduce((a, p) => a + p.numel, 0);
  if (vec.ndim !== 1 || vec.shape[0] !== total) throw new RangeError(`vectorToParameters: expected a 1-D vector of ${total} elements (the parameters' total), got shape ${fmtShape(vec.shape)}`);
  noGrad(() => tidy(() => {
    let at = 0;
    for (const p of list) { p.copy_(vec.narrow(0, at, p.numel).reshape(p.shape)); at += p.numel; }
  }));
}
