// layers-loss.ts — loss modules (CrossEntropyLoss, NLLLoss, MSELoss, ...): options stored once,
// `forward(input, target)` calls the function in losses.ts. Class weights and pos_weight are buffers
// (in the state dict as `weight` / `pos_weight`, as PyTorch). Not here: the formulas (losses.ts).
import { Tensor } from '../tensor';
import { checkReduction, Reduction } from './_util';
import * as L from './losses';
import { Module } from './module';

/** @internal */
abstract class Loss extends Module {
  constructor(readonly reduction: Reduction = 'mean', extra: string[] = []) { super(); checkReduction(reduction, new.target.name, extra); }
  override forward(_input: Tensor, _target: Tensor): Tensor { throw new Error('unreachable'); }
}

/**
 * Cross entropy on logits (see F.crossEntropy): class indices or probabilities, `weight`,
 * `ignoreIndex`, `labelSmoothing`, `reduction`.
 * @example
 * const lossFn = new nt.nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(nt.randn([4, 10]), nt.tensor([1, 0, 9, 3]));
 */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  weight: Tensor | null;
  constructor(opts?: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number }) {
    super(opts?.reduction);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.labelSmoothing = opts?.labelSmoothing ?? 0;
    this.weight = this.registerBuffer('weight', opts?.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * Negative log-likelihood on log-probabilities (see F.nllLoss).
 * @example new nt.nn.NLLLoss().forward(nt.randn([3, 5]).logSoftmax(1), nt.tensor([1, 0, 4]))
 */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  weight: Tensor | null;
  constructor(opts?: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }) {
    super(opts?.reduction);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.weight = this.registerBuffer('weight', opts?.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor { return L.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction }); }
}

/** Mean squared error. @example new nt.nn.MSELoss().forward(nt.tensor([1.0], { dtype: 'float32' }), nt.tensor([3.0], { dtype: 'float32' })).item() // 4 */
export class MSELoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return L.mseLoss(input, target, { reduction: this.reduction }); }
}

/** Mean absolute error. @example new nt.nn.L1Loss().forward(nt.tensor([1.0], { dtype: 'float32' }), nt.tensor([3.0], { dtype: 'float32' })).item() // 2 */
export class L1Loss extends Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return L.l1Loss(input, target, { reduction: this.reduction }); }
}

/** Smooth L1 (see F.smoothL1Loss). @example new nt.nn.SmoothL1Loss({ beta: 0.5 }).forward(nt.tensor([1.0], { dtype: 'float32' }), nt.tensor([3.0], { dtype: 'float32' })).item() // 1.75 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts?: { reduction?: Reduction; beta?: number }) { super(opts?.reduction); this.beta = opts?.beta ?? 1; }
  override forward(input: Tensor, target: Tensor): Tensor { return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Huber loss (see F.huberLoss). @example new nt.nn.HuberLoss({ delta: 0.5 }).forward(nt.tensor([1.0], { dtype: 'float32' }), nt.tensor([3.0], { dtype: 'float32' })).item() // 0.875 */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts?: { reduction?: Reduction; delta?: number }) { super(opts?.reduction); this.delta = opts?.delta ?? 1; }
  override forward(input: Tensor, target: Tensor): Tensor { return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/** Binary cross entropy on probabilities. @example new nt.nn.BCELoss().forward(nt.tensor([0.8]), nt.tensor([1.0], { dtype: 'float32' })).item() // ≈ 0.2231 */
export class BCELoss extends Loss {
  weight: Tensor | null;
  constructor(opts?: { weight?: Tensor | null; reduction?: Reduction }) { super(opts?.reduction); this.weight = this.registerBuffer('weight', opts?.weight ?? null); }
  override forward(input: Tensor, target: Tensor): Tensor { return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

/** Binary cross entropy on logits, with `posWeight`. @example new nt.nn.BCEWithLogitsLoss({ posWeight: nt.tensor([2.0], { dtype: 'float32' }) }).forward(nt.tensor([0.0], { dtype: 'float32' }), nt.tensor([1.0], { dtype: 'float32' })) */
export class BCEWithLogitsLoss extends Loss {
  weight: Tensor | null;
  posWeight: Tensor | null;
  constructor(opts?: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }) {
    super(opts?.reduction);
    this.weight = this.registerBuffer('weight', opts?.weight ?? null);
    this.posWeight = this.registerBuffer('posWeight', opts?.posWeight ?? null);
    this._stateKey('posWeight', 'pos_weight');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** KL divergence (see F.klDiv); reductions include 'batchmean'. @example new nt.nn.KLDivLoss({ reduction: 'batchmean', logTarget: true }) */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;
  constructor(opts?: { reduction?: Reduction | 'batchmean'; logTarget?: boolean }) {
    super();
    this.reduction = opts?.reduction ?? 'mean';
    checkReduction(this.reduction, 'KLDivLoss', ['batchmean']);
    this.logTarget = opts?.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor { return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }); }
}
