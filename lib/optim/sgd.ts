// sgd.ts — stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay
// and maximize, the update of torch.optim.SGD (torch 1.13, single-tensor path). State: momentum_buffer.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { Optimizer, ParamGroup, ParamGroupSpec, gradOf } from './optimizer';

/**
 * Options of {@link SGD}.
 * @example
 * const o: Partial<nt.optim.SGDOptions> = { lr: 0.1, momentum: 0.9, nesterov: true };
 * new nt.optim.SGD([nt.zeros([2]).requiresGrad_()], o);
 */
export interface SGDOptions {
  /** Learning rate (required: in the options or in every group). */
  lr: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Dampening for momentum. Default 0. */
  dampening: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing. Default false. */
  maximize: boolean;
}

/**
 * Stochastic gradient descent, optionally with momentum (PyTorch's formulation: the buffer starts as
 * the first gradient; `buf = momentum * buf + (1 - dampening) * g`; the step is `-lr * buf`, or
 * `-lr * (g + momentum * buf)` with Nesterov).
 * @example
 * const w = nt.tensor([1, -1]).float().requiresGrad_();
 * const opt = new nt.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
 * w.grad = nt.tensor([1, 1]).float();
 * opt.step();  // w = [0.9, -1.1]
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Tensor[] | ParamGroupSpec<SGDOptions>[], opts: Partial<SGDOptions> = {}) {
    super('SGD', params, {
      lr: opts.lr as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts,
    });
  }

  /** @internal */
  protected _validate(g: ParamGroup<SGDOptions>, where: string): void {
    if (where !== 'options' || g.lr !== undefined) this._checkLr(g, where);
    this._check(this._nonNeg(g.momentum), 'momentum value', g.momentum);
    this._check(typeof g.dampening === 'number' && Number.isFinite(g.dampening), 'dampening value', g.dampening);
    this._check(this._nonNeg(g.weightDecay), 'weightDecay value', g.weightDecay);
    this._bool(g.nesterov, 'nesterov', where);
    this._bool(g.maximize, 'maximize', where);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
  }

  /** @internal */
  protected _updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      const grad = gradOf(p, 'SGD');
      if (grad === null) continue;
      const state = this._stateOf(p);
      let d = grad;                         // d_p; owned (disposed here) unless it is grad or buf
      if (maximize) d = d.neg();
      if (weightDecay !== 0) { const t = d.add(p, { alpha: weightDecay }); if (d !== grad) d.dispose(); d = t; }
      if (momentum !== 0) {
        let buf = state.momentum_buffer;
        if (!(buf instanceof Tensor)) {
          buf = keep(d === grad ? d.clone() : d);  // torch: clone(d_p)
          state.momentum_buffer = buf;
        } else {
          buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
        }
        if (nesterov) { const t = d.add(buf, { alpha: momentum }); if (d !== grad && d !== buf) d.dispose(); d = t; }
        else { if (d !== grad && d !== buf) d.dispose(); d = buf; }
      } else {
        state.momentum_buffer = null;
      }
      p.add_(d, { alpha: -lr });
      if (d !== grad && d !== state.momentum_buffer) d.dispose();
    }
  }
}
