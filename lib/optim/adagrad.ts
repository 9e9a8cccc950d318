// adagrad.ts — Adagrad with learning-rate decay, weight decay, an initial accumulator value and
// maximize: the update of torch.optim.Adagrad (torch 1.13, single-tensor path, dense gradients).
// State: step, sum — created for every parameter at construction, as torch does.
import { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamGroupSpec, ParamState, gradOf } from './optimizer';

/**
 * Options of {@link Adagrad}.
 * @example
 * const o: Partial<nt.optim.AdagradOptions> = { lr: 0.1, initialAccumulatorValue: 0.1 };
 * new nt.optim.Adagrad([nt.zeros([2]).requiresGrad_()], o);
 */
export interface AdagradOptions {
  /** Learning rate. Default 1e-2. */
  lr: number;
  /** Learning-rate decay: the step uses `lr / (1 + (step - 1) * lrDecay)`. Default 0. */
  lrDecay: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** The starting value of the accumulated squared gradients. Default 0. */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability. Default 1e-10. */
  eps: number;
  /** Maximize the objective instead of minimizing. Default false. */
  maximize: boolean;
}

/**
 * Adagrad (Duchi et al.): divides each step by the root of the sum of all past squared gradients.
 * @example
 * const w = nt.zeros([3]).requiresGrad_();
 * const opt = new nt.optim.Adagrad([w], { lr: 0.1, lrDecay: 1e-4 });
 * w.grad = nt.ones([3]);
 * opt.step();   // w ≈ [-0.1, -0.1, -0.1]
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Tensor[] | ParamGroupSpec<AdagradOptions>[], opts: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...opts });
  }

  /**
   * Adds a group; its parameters get their state (step 0, sum = initialAccumulatorValue) at once.
   * @example
   * const a = nt.zeros([2]).requiresGrad_(), b = nt.zeros([2]).requiresGrad_();
   * const opt = new nt.optim.Adagrad([a]);
   * opt.addParamGroup({ params: [b], lr: 0.1 });
   */
  override addParamGroup(spec: ParamGroupSpec<AdagradOptions>): void {
    super.addParamGroup(spec);   // (also called by the base constructor for the initial groups)
    const g = this.paramGroups[this.paramGroups.length - 1];
    for (const p of g.params) this._init(this._stateOf(p), p, g.initialAccumulatorValue);
  }

  /** @internal */
  protected _validate(g: ParamGroup<AdagradOptions>, where: string): void {
    this._checkLr(g, where);
    this._check(this._nonNeg(g.lrDecay), 'lrDecay value', g.lrDecay);
    this._check(this._nonNeg(g.weightDecay), 'weightDecay value', g.weightDecay);
    this._check(this._nonNeg(g.initialAccumulatorValue), 'initialAccumulatorValue value', g.initialAccumulatorValue);
    this._check(this._nonNeg(g.eps), 'epsilon value', g.eps);
    this._bool(g.maximize, 'maximize', where);
  }

  /** @internal */
  private _init(state: ParamState, p: Tensor, init: number): void {
    if (state.step === undefined) state.step = 0;
    this._buf(state, 'sum', p, init);
  }

  /** @internal */
  protected _updateGroup(group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      const g0 = gradOf(p, 'Adagrad');
      if (g0 === null) continue;
      const state = this._stateOf(p);
      this._init(state, p, group.initialAccumulatorValue);
      const step = (state.step as number) + 1;
      state.step = step;
      let grad = maximize ? g0.neg() : g0;
      if (weightDecay !== 0) { const t = grad.add(p, { alpha: weightDecay }); if (grad !== g0) grad.dispose(); grad = t; }
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.sum as Tensor;
      const sq = grad.mul(grad);            // addcmul_(grad, grad, value=1)
      sum.add_(sq);
      sq.dispose();
      const std = sum.sqrt();
      std.add_(eps);
      const q = grad.mul(-clr);             // addcdiv_(grad, std, value=-clr)
      q.div_(std);
      p.add_(q);
      q.dispose(); std.dispose();
      if (grad !== g0) grad.dispose();
    }
  }
}
