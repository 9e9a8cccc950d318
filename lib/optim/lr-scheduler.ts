// lr-scheduler.ts — learning-rate schedules that set `lr` in an optimizer's parameter groups, with
// the semantics of torch.optim.lr_scheduler in torch 1.13: the same chainable updates (each step
// from the group's current lr) and closed forms (used by step(epoch), as SequentialLR does), so the
// sequences agree with torch's to the last bit. Exported as `nt.optim.lrScheduler`.
// Not here: the optimizers (they read `group.lr` at each step).
//
// Usage as in PyTorch: call `scheduler.step()` once per epoch (or iteration) after `optimizer.step()`.
// Constructing a scheduler performs its first step (lastEpoch -1 → 0), and records `initialLr` in
// each group (in the state dict: initial_lr), as torch does.
import type { Optimizer } from './optimizer';
import { toCamel, toSnake } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;
type Group = Record<string, unknown> & { lr: number };

// field names whose torch spelling isn't the mechanical snake_case of ours
const TO_TORCH: Record<string, string> = { tMax: 'T_max' };
const FROM_TORCH: Record<string, string> = { T_max: 'tMax' };

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as unknown as T;
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = deepCopy(x);
    return o as T;
  }
  return v;
}

function bisectRight(a: number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (x < a[mid]) hi = mid; else lo = mid + 1; }
  return lo;
}

function positiveInt(v: unknown, name: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(v)}`);
  return v;
}
function finite(v: unknown, name: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${name}: ${what} must be a finite number, got ${String(v)}`);
  return v;
}
function checkOptimizer(o: unknown, name: string): AnyOptimizer {
  const groups = (o as AnyOptimizer | null)?.paramGroups;
  if (!Array.isArray(groups)) throw new TypeError(`${name}: expected an optimizer (nt.optim.SGD, Adam, ...), got ${o === null ? 'null' : typeof o}`);
  return o as AnyOptimizer;
}

/**
 * What every scheduler has: `step()`, `getLastLr()`, `lastEpoch` and a JSON-able state dict whose
 * keys are torch's (last_epoch, base_lrs, _step_count, _last_lr, step_size, T_max, ...).
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
 * const s: nt.optim.lrScheduler.Scheduler = new nt.optim.lrScheduler.ExponentialLR(opt, { gamma: 0.9 });
 * s.step(); s.getLastLr(); // [0.09]
 */
export abstract class Scheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The index of the last step taken (-1 before the first; the constructor takes step 0). */
  lastEpoch: number;
  /** @internal the learning rates set by the last step */
  _lastLr: number[] = [];

  /** @internal */
  constructor(optimizer: AnyOptimizer, lastEpoch: number) {
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** Advances the schedule by one step and writes the new `lr` into the optimizer's groups. */
  abstract step(): void;

  /**
   * The learning rates the last step set, one per parameter group.
   * @example
   * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
   * const s = new nt.optim.lrScheduler.StepLR(opt, { stepSize: 2 });
   * s.getLastLr(); // [0.1]
   */
  getLastLr(): number[] { return this._lastLr.slice(); }

  /**
   * The scheduler's state with torch's key names (everything but the optimizer and functions),
   * JSON-able; `loadStateDict` on a scheduler of the same kind restores it.
   * @example
   * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
   * const s = new nt.optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
   * s.step();
   * s.stateDict(); // { last_epoch: 1, _last_lr: [0.1], step_size: 2, gamma: 0.5, base_lrs: [0.1], _step_count: 2 }
   */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[TO_TORCH[k] ?? toSnake(k)] = this._saveField(k, v);
    }
    return out;
  }

  /**
   * Restores a state dict made by {@link stateDict} (or torch's, as JSON: keys it doesn't know, like
   * torch's `verbose`, are ignored).
   * @example
   * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
   * const a = new nt.optim.lrScheduler.StepLR(opt, { stepSize: 2 });
   * a.step(); a.step();
   * const b = new nt.optim.lrScheduler.StepLR(opt, { stepSize: 2 });
   * b.loadStateDict(a.stateDict());  // b.lastEpoch === 2
   */
  loadStateDict(sd: Record<string, unknown>): void {
    if (sd === null || typeof sd !== 'object') throw new TypeError(`${this.constructor.name}.loadStateDict: expected an object`);
    const self = this as unknown as Record<string, unknown>;
    for (const [tk, v] of Object.entries(sd)) {
      const k = FROM_TORCH[tk] ?? toCamel(tk);
      if (k === 'optimizer' || !Object.prototype.hasOwnProperty.call(this, k) || typeof self[k] === 'function') continue;
      self[k] = this._loadField(k, v);
    }
  }

  /** @internal the state-dict form of a field (subclasses override for special ones) */
  _saveField(_k: string, v: unknown): unknown { return deepCopy(v); }
  /** @internal */
  _loadField(_k: string, v: unknown): unknown { return deepCopy(v); }
}

/**
 * Base of the schedules that compute one lr per group from `baseLrs` (each group's `initialLr`):
 * subclasses give the chainable form (`_getLr`, from the groups' current lr) and, where torch has
 * one, the closed form (`_closedFormLr`, used by `step(epoch)`). A subclass calls
 * `this._initialStep()` at the end of its constructor.
 * @example
 * class HalveEveryStep extends nt.optim.lrScheduler.LRScheduler {
 *   constructor(opt: nt.optim.Optimizer) { super(opt); this._initialStep(); }
 *   _getLr() { return this.optimizer.paramGroups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr / 2)); }
 * }
 */
export abstract class LRScheduler extends Scheduler {
  /** Each group's `initialLr` at construction. */
  baseLrs: number[];
  /** @internal how many times step() was called (torch's _step_count) */
  _stepCount = 0;

  /** @internal */
  constructor(optimizer: AnyOptimizer, lastEpoch = -1, name = 'LRScheduler') {
    super(checkOptimizer(optimizer, name), lastEpoch);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`${name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    const groups = optimizer.paramGroups as Group[];
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: 'initialLr' is not set in paramGroups[${i}] when resuming (lastEpoch ${lastEpoch}); load the optimizer's state dict first`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
  }

  /** @internal the chainable form: the lrs for `lastEpoch`, from the groups' current lrs */
  abstract _getLr(): number[];
  /** @internal the closed form, where torch has one */
  _closedFormLr?(): number[];

  /** @internal resets the step count and takes the first step (torch's _initial_step) */
  _initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /**
   * Advances to the next epoch (or, deprecated as in torch, jumps to `epoch` using the closed form
   * where there is one) and writes the new lrs into the optimizer's groups.
   * @example
   * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 1 });
   * const s = new nt.optim.lrScheduler.ExponentialLR(opt, { gamma: 0.5 });
   * s.step();
   * opt.paramGroups[0].lr; // 0.5
   */
  step(epoch?: number): void {
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this._getLr();
    } else {
      if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`${this.constructor.name}.step: epoch must be a non-negative integer, got ${epoch}`);
      this.lastEpoch = epoch;
      values = this._closedFormLr ? this._closedFormLr() : this._getLr();
    }
    const groups = this.optimizer.paramGroups as Group[];
    groups.forEach((g, i) => { g.lr = values[i]; });
    this._lastLr = groups.map((g) => g.lr);
  }

  /** @internal the groups' current lrs */
  protected _lrs(): number[] { return (this.optimizer.paramGroups as Group[]).map((g) => g.lr); }
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs.
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
 * const s = new nt.optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { opt.step(); s.step(); }  // lr 0.1, then 0.01 at 30, 0.001 at 60...
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative factor. Default 0.1. */
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, opts?.lastEpoch ?? -1, 'StepLR');
    this.stepSize = positiveInt(opts.stepSize, 'StepLR', 'stepSize');
    this.gamma = finite(opts.gamma ?? 0.1, 'StepLR', 'gamma');
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this._lrs();
    return this._lrs().map((lr) => lr * this.gamma);
  }
  /** @internal */
  override _closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize)); }
}

/**
 * Multiplies the lr by `gamma` at each milestone epoch (a milestone listed twice applies twice).
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.05 });
 * const s = new nt.optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * // lr 0.05 for epochs 0-29, 0.005 for 30-79, 0.0005 from 80
 */
export class MultiStepLR extends LRScheduler {
  /** The milestone epochs, sorted (in the state dict: a {epoch: count} object, like torch's Counter). */
  milestones: number[];
  /** Multiplicative factor. Default 0.1. */
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer, opts?.lastEpoch ?? -1, 'MultiStepLR');
    if (!Array.isArray(opts.milestones) || opts.milestones.some((m) => !Number.isInteger(m))) {
      throw new TypeError(`MultiStepLR: milestones must be an array of integers, got ${String(opts.milestones)}`);
    }
    this.milestones = opts.milestones.slice().sort((a, b) => a - b);
    this.gamma = finite(opts.gamma ?? 0.1, 'MultiStepLR', 'gamma');
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] {
    let count = 0;
    for (const m of this.milestones) if (m === this.lastEpoch) count++;
    if (count === 0) return this._lrs();
    return this._lrs().map((lr) => lr * this.gamma ** count);
  }
  /** @internal */
  override _closedFormLr(): number[] {
    const n = bisectRight(this.milestones, this.lastEpoch);
    return this.baseLrs.map((b) => b * this.gamma ** n);
  }
  /** @internal */
  override _saveField(k: string, v: unknown): unknown {
    if (k !== 'milestones') return super._saveField(k, v);
    const counter: Record<string, number> = {};
    for (const m of this.milestones) counter[m] = (counter[m] ?? 0) + 1;
    return counter;
  }
  /** @internal accepts torch's Counter ({epoch: count}) or an array */
  override _loadField(k: string, v: unknown): unknown {
    if (k !== 'milestones') return super._loadField(k, v);
    if (Array.isArray(v)) return v.map(Number).sort((a, b) => a - b);
    const out: number[] = [];
    for (const [m, c] of Object.entries(v as Record<string, number>)) for (let i = 0; i < c; i++) out.push(Number(m));
    return out.sort((a, b) => a - b);
  }
}

/**
 * Multiplies the lr by `gamma` every epoch.
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 1 });
 * const s = new nt.optim.lrScheduler.ExponentialLR(opt, { gamma: 0.9 });
 * s.step(); s.step(); s.getLastLr(); // [0.81]
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor. */
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { gamma: number; lastEpoch?: number }) {
    super(optimizer, opts?.lastEpoch ?? -1, 'ExponentialLR');
    this.gamma = finite(opts.gamma, 'ExponentialLR', 'gamma');
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] {
    if (this.lastEpoch === 0) return this._lrs();
    return this._lrs().map((lr) => lr * this.gamma);
  }
  /** @internal */
  override _closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch); }
}

/**
 * Cosine annealing from the initial lr down to `etaMin` over `tMax` epochs (SGDR without restarts;
 * past tMax the cosine continues, rising again, as in torch).
 * @example
 * const opt = new nt.optim.Adam([nt.zeros([1]).requiresGrad_()], { lr: 1e-3 });
 * const s = new nt.optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period in epochs (torch's T_max). */
  tMax: number;
  /** Minimum lr. Default 0. */
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, opts?.lastEpoch ?? -1, 'CosineAnnealingLR');
    this.tMax = positiveInt(opts.tMax, 'CosineAnnealingLR', 'tMax');
    this.etaMin = finite(opts.etaMin ?? 0, 'CosineAnnealingLR', 'etaMin');
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, m = this.etaMin;
    if (e === 0) return this._lrs();
    if (this._stepCount === 1 && e > 0) return this.baseLrs.map((b) => m + (b - m) * (1 + Math.cos(e * Math.PI / T)) / 2);
    if ((e - 1 - T) % (2 * T) === 0) { const lrs = this._lrs(); return this.baseLrs.map((b, i) => lrs[i] + (b - m) * (1 - Math.cos(Math.PI / T)) / 2); }
    return this._lrs().map((lr) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (lr - m) + m);
  }
  /** @internal */
  override _closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / this.tMax)) / 2);
  }
}

/**
 * Scales the lr by a factor going linearly from `startFactor` to `endFactor` over `totalIters`
 * epochs (a warmup, typically), then leaves it.
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.05 });
 * const s = new nt.optim.lrScheduler.LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
 * // lr 0.025, 0.03125, 0.0375, 0.04375, then 0.05
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0. Default 1/3. */
  startFactor: number;
  /** The factor from totalIters on. Default 1. */
  endFactor: number;
  /** Epochs of the ramp. Default 5. */
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, opts.lastEpoch ?? -1, 'LinearLR');
    const s = finite(opts.startFactor ?? 1 / 3, 'LinearLR', 'startFactor'), e = finite(opts.endFactor ?? 1, 'LinearLR', 'endFactor');
    if (s > 1 || s < 0) throw new RangeError(`LinearLR: startFactor must be in [0, 1], got ${s}`);
    if (e > 1 || e < 0) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${e}`);
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = positiveInt(opts.totalIters ?? 5, 'LinearLR', 'totalIters');
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, f = this.endFactor, n = this.totalIters;
    if (e === 0) return this._lrs().map((lr) => lr * s);
    if (e > n) return this._lrs();
    return this._lrs().map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  /** @internal */
  override _closedFormLr(): number[] {
    const s = this.startFactor, f = this.endFactor, n = this.totalIters;
    return this.baseLrs.map((b) => b * (s + (f - s) * Math.min(n, this.lastEpoch) / n));
  }
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)` (one function for all groups, or one per group).
 * The functions are not part of the state dict (torch saves them only for callable objects).
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1 });
 * const s = new nt.optim.lrScheduler.LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 */
export class LambdaLR extends LRScheduler {
  /** The factor functions, one per group. */
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, opts: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number }) {
    super(optimizer, opts?.lastEpoch ?? -1, 'LambdaLR');
    const n = optimizer.paramGroups.length, l = opts.lrLambda;
    if (Array.isArray(l)) {
      if (l.length !== n) throw new RangeError(`LambdaLR: expected ${n} lrLambda functions (one per parameter group), got ${l.length}`);
      this.lrLambdas = l.slice();
    } else this.lrLambdas = new Array(n).fill(l);
    this.lrLambdas.forEach((f, i) => { if (typeof f !== 'function') throw new TypeError(`LambdaLR: lrLambda ${i} is not a function`); });
    this._initialStep();
  }
  /** @internal */
  _getLr(): number[] { return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch)); }
  /** @internal functions are not saved: [null, ...] as torch does for plain functions */
  override _saveField(k: string, v: unknown): unknown { return k === 'lrLambdas' ? this.lrLambdas.map(() => null) : super._saveField(k, v); }
  /** @internal */
  override _loadField(k: string, v: unknown): unknown { return k === 'lrLambdas' ? this.lrLambdas : super._loadField(k, v); }
}

type Phase = { end_step: number; start_lr: string; end_lr: string; start_momentum: string; end_momentum: string };

/**
 * The 1cycle policy (Smith & Topin): the lr rises from `maxLr / divFactor` to `maxLr` over the first
 * `pctStart` of `totalSteps`, then anneals to `initialLr / finalDivFactor`; momentum (or Adam's beta1)
 * cycles inversely between `maxMomentum` and `baseMomentum`. Step it after every batch.
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([1]).requiresGrad_()], { lr: 0.1, momentum: 0.9 });
 * const s = new nt.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 1000 });
 * for (let i = 0; i < 1000; i++) { opt.step(); s.step(); }
 */
export class OneCycleLR extends LRScheduler {
  /** Total number of steps in the cycle. */
  totalSteps: number;
  /** @internal the phases, with torch's group key names */
  _schedulePhases: Phase[];
  /** 'cos' or 'linear'. */
  annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) is cycled. */
  cycleMomentum: boolean;
  /** Whether the optimizer's momentum is Adam's betas[0]. */
  useBeta1: boolean;
  constructor(optimizer: AnyOptimizer, opts: {
    maxLr: number | number[]; totalSteps?: number; epochs?: number; stepsPerEpoch?: number; pctStart?: number;
    annealStrategy?: 'cos' | 'linear'; cycleMomentum?: boolean; baseMomentum?: number | number[]; maxMomentum?: number | number[];
    divFactor?: number; finalDivFactor?: number; threePhase?: boolean; lastEpoch?: number;
  }) {
    const N = 'OneCycleLR';
    super(optimizer, opts?.lastEpoch ?? -1, N);
    if (opts.totalSteps === undefined && opts.epochs === undefined && opts.stepsPerEpoch === undefined) {
      throw new Error(`${N}: you must define either totalSteps or (epochs and stepsPerEpoch)`);
    }
    this.totalSteps = opts.totalSteps !== undefined ? positiveInt(opts.totalSteps, N, 'totalSteps')
      : positiveInt(opts.epochs, N, 'epochs') * positiveInt(opts.stepsPerEpoch, N, 'stepsPerEpoch');
    const pct = opts.pctStart ?? 0.3;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1)) throw new RangeError(`${N}: pctStart must be a number in [0, 1], got ${String(pct)}`);
    const T = this.totalSteps;
    this._schedulePhases = opts.threePhase ? [
      { end_step: pct * T - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
      { end_step: 2 * pct * T - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
      { end_step: T - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
    ] : [
      { end_step: pct * T - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
      { end_step: T - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
    ];
    const strat = opts.annealStrategy ?? 'cos';
    if (strat !== 'cos' && strat !== 'linear') throw new RangeError(`${N}: annealStrategy must be 'cos' or 'linear', got ${String(strat)}`);
    this.annealStrategy = strat;
    const groups = optimizer.paramGroups as Group[];
    const per = (v: number | number[], what: string): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length) throw new RangeError(`${N}: expected ${groups.length} values for ${what}, got ${v.length}`);
        return v.map((x) => finite(x, N, what));
      }
      return groups.map(() => finite(v, N, what));
    };
    const maxLrs = per(opts.maxLr, 'maxLr');
    const divFactor = finite(opts.divFactor ?? 25, N, 'divFactor'), finalDivFactor = finite(opts.finalDivFactor ?? 1e4, N, 'finalDivFactor');
    if (this.lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
      this.baseLrs = groups.map((g) => g.initialLr as number);
    }
    this.cycleMomentum = opts.cycleMomentum ?? true;
    this.useBeta1 = false;
    if (this.cycleMomentum) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d)) throw new Error(`${N}: the optimizer has no momentum (nor betas) to cycle; pass cycleMomentum: false`);
      this.useBeta1 = 'betas' in d;
      const maxM = per(opts.maxMomentum ?? 0.95, 'maxMomentum'), baseM = per(opts.baseMomentum ?? 0.85, 'baseMomentum');
      if (this.lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    this._initialStep();
  }

  /** The state dict (torch has use_beta1 only when momentum is cycled). */
  override stateDict(): Record<string, unknown> {
    const sd = super.stateDict();
    if (!this.cycleMomentum) delete sd.use_beta1;
    return sd;
  }

  private _anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') {
      const cosOut = Math.cos(Math.PI * pct) + 1;
      return end + (start - end) / 2.0 * cosOut;
    }
    return (end - start) * pct + start;
  }

  /** @internal */
  _getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this._schedulePhases;
    return (this.optimizer.paramGroups as Group[]).map((g) => {
      const val = (k: string): number => g[toCamel(k)] as number;
      let startStep = 0, lr = 0, mom = 0;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i], endStep = ph.end_step;
        if (stepNum <= endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = this._anneal(val(ph.start_lr), val(ph.end_lr), pct);
          if (this.cycleMomentum) mom = this._anneal(val(ph.start_momentum), val(ph.end_momentum), pct);
          break;
        }
        startStep = ph.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [mom, ...(g.betas as number[]).slice(1)];
        else g.momentum = mom;
      }
      return lr;
    });
  }
}

/**
 * Runs schedulers one after another: `schedulers[i + 1]` takes over at epoch `milestones[i]`
 * (restarting from its own epoch 0). The schedulers must be built on the same optimizer, before this.
 * @example
 * const opt = new nt.optim.AdamW([nt.zeros([1]).requiresGrad_()], { lr: 1e-3 });
 * const { LinearLR, CosineAnnealingLR, SequentialLR } = nt.optim.lrScheduler;
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 95 });
 * const s = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR extends Scheduler {
  /** @internal */ _schedulers: LRScheduler[];
  /** @internal */ _milestones: number[];
  constructor(optimizer: AnyOptimizer, opts: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    const N = 'SequentialLR';
    super(checkOptimizer(optimizer, N), (opts?.lastEpoch ?? -1) + 1);
    const { schedulers, milestones } = opts;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new TypeError(`${N}: schedulers must be a non-empty array`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`${N}: schedulers[${i}] is not a scheduler of nt.optim.lrScheduler (SequentialLR can't nest)`);
      if (s.optimizer !== optimizer) throw new Error(`${N}: expects all schedulers to belong to the same optimizer, but scheduler ${i} belongs to another one`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(`${N}: expects the number of schedulers (${schedulers.length}) to be one more than the number of milestones (${Array.isArray(milestones) ? milestones.length : String(milestones)})`);
    }
    this._schedulers = schedulers.slice();
    this._milestones = milestones.slice();
    for (const g of optimizer.paramGroups as Group[]) g.lr = g.initialLr as number;  // undo the schedulers' first steps
    for (const s of this._schedulers) s.lastEpoch -= 1;
    this._schedulers[0]._initialStep();
    this._lastLr = this._schedulers[0].getLastLr();
  }

  /**
   * Advances the active scheduler (switching at milestones).
   * @example
   * // see the class example
   */
  step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this._lastLr = s.getLastLr();
  }

  /** @internal the wrapped schedulers' state dicts */
  override _saveField(k: string, v: unknown): unknown {
    return k === '_schedulers' ? this._schedulers.map((s) => s.stateDict()) : super._saveField(k, v);
  }
  /** @internal */
  override _loadField(k: string, v: unknown): unknown {
    if (k !== '_schedulers') return super._loadField(k, v);
    if (!Array.isArray(v) || v.length !== this._schedulers.length) throw new Error(`SequentialLR.loadStateDict: expected ${this._schedulers.length} scheduler states`);
    v.forEach((sd, i) => this._schedulers[i].loadStateDict(sd as Record<string, unknown>));
    return this._schedulers;
  }
}
