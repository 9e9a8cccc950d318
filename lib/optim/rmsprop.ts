// rmsprop.ts — RMSprop with momentum, centering, weight decay and maximize: the update of
// torch.optim.RMSprop (torch 1.13, single-tensor path). State: step, square_avg (+ momentum_buffer
// with momentum > 0, + grad_avg when centered).
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamGroupSpec, gradOf } from './optimizer';

/**
 * Options of {@link RMSprop}.
 * @example
 * const o: Partial<nt.optim.RMSpropOptions> = { lr: 1e-3, alpha: 0.9, centered: true };
 * new nt.optim.RMSprop([nt.zeros([2]).requiresGrad_()], o);
 */
export interface RMSpropOptions {
  /** Learning rate. Default 1e-2. */
  lr: number;
  /** Smoothing constant of the squared-gradient average. Default 0.99. */
  alpha: number;
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance (square average minus squared average). Default false. */
  centered: boolean;
  /** Maximize the objective instead of minimizing. Default false. */
  maximize: boolean;
}

/**
 * RMSprop (Hinton): divides the gradient by a running root-mean-square of recent gradients.
 * @example
 * const w = nt.zeros([3]).requiresGrad_();
 * const opt = new nt.optim.RMSprop([w], { lr: 0.01, momentum: 0.9, centered: true });
 * w.grad = nt.ones([3]);
 * opt.step();
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Tensor[] | ParamGroupSpec<RMSpropOptions>[], opts: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...opts });
  }

  /** @internal */
  protected _validate(g: ParamGroup<RMSpropOptions>, where: string): void {
    this._checkLr(g, where);
    this._check(this._nonNeg(g.eps), 'epsilon value', g.eps);
    this._check(this._nonNeg(g.momentum), 'momentum value', g.momentum);
    this._check(this._nonNeg(g.weightDecay), 'weightDecay value', g.weightDecay);
    this._check(this._nonNeg(g.alpha), 'alpha value', g.alpha);
    this._bool(g.centered, 'centered', where);
    this._bool(g.maximize, 'maximize', where);
  }

  /** @internal */
  protected _updateGroup(group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      const g0 = gradOf(p, 'RMSprop');
      if (g0 === null) continue;
      const state = this._stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        this._buf(state, 'square_avg', p);
        if (momentum > 0) this._buf(state, 'momentum_buffer', p);
        if (centered) this._buf(state, 'grad_avg', p);
      }
      state.step = (state.step as number) + 1;
      let grad = maximize ? g0.neg() : g0;
      if (weightDecay !== 0) { const t = grad.add(p, { alpha: weightDecay }); if (grad !== g0) grad.dispose(); grad = t; }
      const squareAvg = this._buf(state, 'square_avg', p);
      const sq = grad.mul(1 - alpha);       // addcmul_(grad, grad, value=1-alpha)
      sq.mul_(grad);
      squareAvg.mul_(alpha).add_(sq);
      sq.dispose();
      let avg: Tensor;
      if (centered) {
        const gradAvg = this._buf(state, 'grad_avg', p);
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        const ga2 = gradAvg.square();       // square_avg.addcmul(grad_avg, grad_avg, value=-1): sq + (-ga)*ga
        const v = squareAvg.sub(ga2);
        ga2.dispose();
        avg = v.sqrt();
        v.dispose();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        const buf = this._buf(state, 'momentum_buffer', p);
        const q = grad.div(avg);            // buf.mul_(momentum).addcdiv_(grad, avg)
        buf.mul_(momentum).add_(q);
        q.dispose();
        p.add_(buf, { alpha: -lr });
      } else {
        const q = grad.mul(-lr);            // addcdiv_(grad, avg, value=-lr)
        q.div_(avg);
        p.add_(q);
        q.dispose();
      }
      avg.dispose();
      if (grad !== g0) grad.dispose();
    }
  }
}
