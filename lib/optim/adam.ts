// adam.ts — Adam and AdamW (decoupled weight decay), with AMSGrad and maximize: the updates of
// torch.optim.Adam / AdamW (torch 1.13, single-tensor path), in the same order of operations so that
// float32 results agree to rounding. State: step, exp_avg, exp_avg_sq (+ max_exp_avg_sq with amsgrad).
import { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamGroupSpec, ParamState, gradOf } from './optimizer';

/**
 * Options of {@link Adam} and {@link AdamW}.
 * @example
 * const o: Partial<nt.optim.AdamOptions> = { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1 };
 * new nt.optim.AdamW([nt.zeros([2]).requiresGrad_()], o);
 */
export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay `p *= 1 - lr * weightDecay` (default 0.01). */
  weightDecay: number;
  /** Use the AMSGrad variant (the maximum of past squared-gradient averages). Default false. */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing. Default false. */
  maximize: boolean;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  /** @internal true for AdamW */
  protected abstract readonly _decoupled: boolean;

  /** @internal */
  protected _validate(g: ParamGroup<AdamOptions>, where: string): void {
    this._checkLr(g, where);
    this._check(this._nonNeg(g.eps), 'epsilon value', g.eps);
    const b = g.betas;
    if (!Array.isArray(b) || b.length !== 2) throw new TypeError(`${this._name}: betas must be an array of two numbers (${where}), got ${String(b)}`);
    this._check(typeof b[0] === 'number' && b[0] >= 0 && b[0] < 1, 'beta parameter at index 0', b[0]);
    this._check(typeof b[1] === 'number' && b[1] >= 0 && b[1] < 1, 'beta parameter at index 1', b[1]);
    this._check(this._nonNeg(g.weightDecay), 'weightDecay value', g.weightDecay);
    this._bool(g.amsgrad, 'amsgrad', where);
    this._bool(g.maximize, 'maximize', where);
  }

  /** @internal */
  protected _updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      const g0 = gradOf(p, this._name);
      if (g0 === null) continue;
      const state = this._stateOf(p);
      if (state.step === undefined) this._init(state, p, amsgrad);
      const step = (state.step as number) + 1;
      state.step = step;
      let grad = maximize ? g0.neg() : g0;
      if (this._decoupled) {
        if (weightDecay !== 0) p.mul_(1 - lr * weightDecay);
      } else if (weightDecay !== 0) {
        const t = grad.add(p, { alpha: weightDecay });
        if (grad !== g0) grad.dispose();
        grad = t;
      }
      const expAvg = this._buf(state, 'exp_avg', p), expAvgSq = this._buf(state, 'exp_avg_sq', p);
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      const sq = grad.mul(1 - beta2);       // addcmul_(grad, grad, value=1-beta2): ((v*g)*g) as torch rounds it
      sq.mul_(grad);
      expAvgSq.mul_(beta2).add_(sq);
      sq.dispose();
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2 = 1 - beta2 ** step;
      const stepSize = lr / biasCorrection1;
      const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
      let second = expAvgSq;
      if (amsgrad) {
        const mx = this._buf(state, 'max_exp_avg_sq', p);
        const m = mx.maximum(expAvgSq);
        mx.copy_(m);
        m.dispose();
        second = mx;
      }
      const denom = second.sqrt();
      denom.div_(biasCorrection2Sqrt).add_(eps);
      const upd = expAvg.mul(-stepSize);    // addcdiv_(exp_avg, denom, value=-step_size)
      upd.div_(denom);
      p.add_(upd);
      upd.dispose(); denom.dispose();
      if (grad !== g0) grad.dispose();
    }
  }

  /** @internal the state in torch's key order */
  private _init(state: ParamState, p: Tensor, amsgrad: boolean): void {
    state.step = 0;
    this._buf(state, 'exp_avg', p);
    this._buf(state, 'exp_avg_sq', p);
    if (amsgrad) this._buf(state, 'max_exp_avg_sq', p);
  }
}

/**
 * Adam (Kingma & Ba), with the L2 `weightDecay` added to the gradient as in torch.optim.Adam.
 * @example
 * const w = nt.randn([4]).requiresGrad_();
 * const opt = new nt.optim.Adam([w], { lr: 1e-3, betas: [0.9, 0.999], amsgrad: false });
 * w.grad = nt.ones([4]);
 * opt.step();   // each element moves by ≈ -1e-3
 */
export class Adam extends AdamBase {
  /** @internal */ protected readonly _decoupled = false;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...opts });
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, `p *= 1 - lr * weightDecay` before
 * the Adam step (default weightDecay 0.01), as torch.optim.AdamW.
 * @example
 * const w = nt.ones([4]).requiresGrad_();
 * const opt = new nt.optim.AdamW([w], { lr: 1e-3, weightDecay: 0.01 });
 * w.grad = nt.zeros([4]);
 * opt.step();   // w = 1 - 1e-3 * 0.01 (the gradient is zero)
 */
export class AdamW extends AdamBase {
  /** @internal */ protected readonly _decoupled = true;
  constructor(params: Tensor[] | ParamGroupSpec<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...opts });
  }
}
