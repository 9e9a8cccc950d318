// optimizer.ts — the Optimizer base class shared by SGD, Adam, AdamW, RMSprop and Adagrad: parameter
// groups (per-group options over the defaults), zeroGrad, step() (the update runs inside noGrad),
// per-parameter state, and stateDict()/loadStateDict() in PyTorch's layout, plus the flattening of a
// state dict into named tensors + JSON for safetensors. Not here: the update rules (one file per
// optimizer) or learning-rate schedules (lr-scheduler.ts).
//
// The state dict has PyTorch's structure and key names, so a checkpoint maps onto torch's one to one:
//   { state: { 0: { step: 3, exp_avg: Tensor, exp_avg_sq: Tensor }, ... },
//     param_groups: [{ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, ..., params: [0, 1] }] }
// Group option names are camelCase here (weightDecay) and snake_case in the state dict (weight_decay);
// the conversion is mechanical both ways. `step` is a plain number (torch 1.13 stores a 0-dim tensor
// for some optimizers and converts numbers back on load; loadStateDict accepts either).
import { Tensor } from '../tensor';
import { noGrad, enableGrad } from '../autograd';
import { keep } from '../memory';
import { fullLike } from '../ops/creation';

/**
 * One parameter group as the optimizer holds it: the params plus every option (group values over defaults).
 * @example
 * const opt = new nt.optim.SGD([nt.zeros([2]).requiresGrad_()], { lr: 0.1 });
 * const g: nt.optim.ParamGroup<nt.optim.SGDOptions> = opt.paramGroups[0];
 * g.lr = 0.01;   // takes effect at the next step
 */
export type ParamGroup<O> = O & { params: Tensor[]; [extra: string]: unknown };

/**
 * A parameter group as given to the constructor or addParamGroup: params and any options to override.
 * @example
 * const head = nt.zeros([2]).requiresGrad_(), body = nt.zeros([2]).requiresGrad_();
 * const groups: nt.optim.ParamGroupSpec<nt.optim.AdamOptions>[] = [{ params: [body] }, { params: [head], lr: 1e-2 }];
 * const opt = new nt.optim.Adam(groups, { lr: 1e-3 });
 */
export type ParamGroupSpec<O> = Partial<O> & { params: Tensor[] | Tensor; [extra: string]: unknown };

/**
 * What the optimizer keeps per parameter (torch's key names: step, exp_avg, momentum_buffer, ...).
 * @example
 * const w = nt.zeros([2]).requiresGrad_();
 * const opt = new nt.optim.Adam([w]);
 * w.grad = nt.ones([2]); opt.step();
 * const s: nt.optim.ParamState = opt.state.get(w)!;  // { step: 1, exp_avg: Tensor, exp_avg_sq: Tensor }
 */
export type ParamState = Record<string, Tensor | number | null>;

/**
 * An optimizer's state in PyTorch's layout: per-parameter state keyed by the parameter's index
 * (counted across groups in order), and the groups' options (snake_case) with `params` as indices.
 * @example
 * const sd: nt.optim.OptimizerStateDict = {
 *   state: {},
 *   param_groups: [{ lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, params: [0] }],
 * };
 * new nt.optim.SGD([nt.zeros([2]).requiresGrad_()], { lr: 0.5 }).loadStateDict(sd);
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** @internal camelCase → snake_case (weightDecay → weight_decay). */
export function toSnake(k: string): string { return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`); }
/** @internal snake_case → camelCase (weight_decay → weightDecay; a leading underscore is kept). */
export function toCamel(k: string): string { return k.replace(/(?!^)_([a-z0-9])/g, (_, c: string) => c.toUpperCase()); }

// torch-only flags that have no meaning here; dropped when a torch state dict is loaded.
const TORCH_ONLY = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

function copyValue(v: unknown): unknown { return Array.isArray(v) ? v.slice() : v; }

const FLOAT_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/**
 * Base class of the optimizers: holds `paramGroups`, per-parameter `state`, and implements
 * `zeroGrad`, `step` (subclasses supply the update of one group), `addParamGroup` and the state dict.
 * @example
 * const w = nt.randn([3]).requiresGrad_();
 * const opt = new nt.optim.SGD([w], { lr: 0.1 });
 * w.grad = nt.ones([3]);
 * opt.step();            // w -= 0.1 * grad
 * opt.zeroGrad();        // w.grad === null
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export abstract class Optimizer<O extends object = any> {
  /** The options every group starts from (the constructor's options, completed with the defaults). */
  readonly defaults: O;
  /** The parameter groups; schedulers and users may change options (e.g. `lr`) between steps. */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (created at a parameter's first step). */
  readonly state = new Map<Tensor, ParamState>();
  /** @internal the name used in error messages ('Adam') */
  protected readonly _name: string;

  /** @internal Use a subclass (SGD, Adam, ...). */
  constructor(name: string, params: Tensor[] | ParamGroupSpec<O>[], defaults: O) {
    this._name = name;
    this.defaults = defaults;
    if (params instanceof Tensor || !Array.isArray(params)) {
      throw new TypeError(`${name}: params must be an array of Tensors or of parameter groups ({ params: Tensor[], ...options })`);
    }
    if (params.length === 0) throw new Error(`${name}: got an empty parameter list`);
    this._validate(defaults as ParamGroup<O>, 'options');
    const groups = params[0] instanceof Tensor ? [{ params: params as Tensor[] } as ParamGroupSpec<O>] : params as ParamGroupSpec<O>[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** @internal throws on an invalid option value; `where` names the group in messages. */
  protected abstract _validate(group: ParamGroup<O>, where: string): void;
  /** @internal the update of one group (runs inside noGrad). */
  protected abstract _updateGroup(group: ParamGroup<O>): void;

  /**
   * Adds a group of parameters with its own options (the rest from `defaults`), e.g. to train
   * layers that were frozen until now.
   * @example
   * const a = nt.zeros([2]).requiresGrad_(), b = nt.zeros([2]).requiresGrad_();
   * const opt = new nt.optim.Adam([a], { lr: 1e-3 });
   * opt.addParamGroup({ params: [b], lr: 1e-4 });
   */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const name = this._name;
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec) || spec instanceof Tensor) {
      throw new TypeError(`${name}: a parameter group must be an object { params: Tensor[], ...options }`);
    }
    const gi = this.paramGroups.length;
    const raw = spec.params;
    const params = raw instanceof Tensor ? [raw] : Array.isArray(raw) ? raw.slice() : null;
    if (params === null) throw new TypeError(`${name}: parameter group ${gi} has no params array`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: parameter ${i} of group ${gi} is not a Tensor (got ${p === null ? 'null' : typeof p})`);
      p._live(`${name}`);
      if (!FLOAT_DTYPES.has(p.dtype)) throw new TypeError(`${name}: parameter ${i} of group ${gi} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      if (p.gradFn !== null) throw new Error(`${name}: parameter ${i} of group ${gi} is not a leaf tensor (it was computed by ${p.gradFn.name}); optimize the leaf it came from, or detach() it`);
      if (seen.has(p)) throw new Error(`${name}: parameter ${i} of group ${gi} appears more than once in the parameter groups`);
      seen.add(p);
    });
    const group = { ...spec, params } as Record<string, unknown>;
    for (const [k, v] of Object.entries(this.defaults)) group[k] = copyValue(group[k] === undefined ? v : group[k]);
    this._validate(group as ParamGroup<O>, `group ${gi}`);
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /**
   * Clears the gradients of every parameter: by default disposes them and sets `.grad = null`
   * (the step then skips parameters that get no new gradient); with `{ setToNone: false }` fills them with zeros.
   * @example
   * const w = nt.ones([2]).requiresGrad_();
   * const opt = new nt.optim.SGD([w], { lr: 0.1 });
   * w.grad = nt.ones([2]);
   * opt.zeroGrad({ setToNone: false }); // w.grad is [0, 0]
   * opt.zeroGrad();                     // w.grad === null
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone || g.isDisposed) { g.dispose(); p.grad = null; continue; }
        if (g.requiresGrad) { const d = g.detach(); g.dispose(); p.grad = d; }
        noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (parameters whose `.grad` is null are
   * skipped). `closure`, if given, is called first with gradients enabled (re-evaluating the loss)
   * and its result is returned.
   * @example
   * const w = nt.tensor([1, 2]).float().requiresGrad_();
   * const opt = new nt.optim.Adam([w], { lr: 0.1 });
   * w.grad = nt.tensor([0.5, -0.5]);
   * opt.step();  // w ≈ [0.9, 2.1]
   */
  step<T = unknown>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure !== undefined) loss = enableGrad(closure);
    noGrad(() => { for (const g of this.paramGroups) this._updateGroup(g); });
    return loss;
  }

  /** @internal the state of p, created (empty) on first use. */
  protected _stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) { s = {}; this.state.set(p, s); }
    return s;
  }

  /** @internal the state tensor s[key], created filled with `value` (like p: shape, dtype, device) on first use. */
  protected _buf(s: ParamState, key: string, p: Tensor, value = 0): Tensor {
    const b = s[key];
    if (b instanceof Tensor) return b;
    const z = keep(fullLike(p, value));  // kept: state outlives an enclosing tidy()
    s[key] = z;
    return z;
  }

  /**
   * The optimizer's state in PyTorch's layout (see {@link OptimizerStateDict}). The tensors are the
   * live state tensors, not copies: save them (e.g. with {@link flattenStateDict}) before the next step.
   * @example
   * const w = nt.zeros([2]).requiresGrad_();
   * const opt = new nt.optim.Adam([w]);
   * w.grad = nt.ones([2]); opt.step();
   * const sd = opt.stateDict();
   * // sd.state[0] = { step: 1, exp_avg: Tensor, exp_avg_sq: Tensor }
   * // sd.param_groups[0] = { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, params: [0] }
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      packed.params = g.params.map((p) => { let i = index.get(p); if (i === undefined) { i = next++; index.set(p, i); } return i; });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups: groups };
  }

  /**
   * Loads a state dict made by {@link stateDict} (here or, converted, by torch's
   * `optimizer.state_dict()`): the groups' options replace the current ones (params stay), and the
   * state tensors are copied onto each parameter's device and dtype (the dict's tensors stay the caller's).
   * @example
   * const w = nt.zeros([2]).requiresGrad_();
   * const opt = new nt.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
   * const opt2 = new nt.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
   * w.grad = nt.ones([2]); opt.step();
   * opt2.loadStateDict(opt.stateDict());  // opt2 continues where opt is
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this._name;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || sd.state === null || typeof sd.state !== 'object') {
      throw new TypeError(`${name}.loadStateDict: expected { state, param_groups }`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${name}.loadStateDict: the state dict has ${saved.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    }
    saved.forEach((g, i) => {
      const n = Array.isArray(g?.params) ? g.params.length : -1;
      if (n !== this.paramGroups[i].params.length) {
        throw new Error(`${name}.loadStateDict: parameter group ${i} has ${n} params in the state dict, ${this.paramGroups[i].params.length} in the optimizer`);
      }
    });
    // Build the new groups first (and validate them) so that a bad dict changes nothing.
    const groups = saved.map((g, gi) => {
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params' && !TORCH_ONLY.has(k)) group[toCamel(k)] = copyValue(v);
      for (const [k, v] of Object.entries(this.defaults)) if (group[k] === undefined) group[k] = copyValue(v);
      group.params = this.paramGroups[gi].params;
      this._validate(group as ParamGroup<O>, `group ${gi}`);
      return group as ParamGroup<O>;
    });
    const idMap = new Map<string, Tensor>();
    saved.forEach((g, gi) => g.params.forEach((id, j) => idMap.set(String(id), this.paramGroups[gi].params[j])));
    const state = new Map<Tensor, ParamState>();
    try {
      for (const [id, s] of Object.entries(sd.state)) {
        const p = idMap.get(String(id));
        if (p === undefined || s === null || typeof s !== 'object') continue;
        const ps: ParamState = {};
        for (const [k, v] of Object.entries(s)) {
          if (v instanceof Tensor) {
            if (k === 'step') { ps[k] = Number(v.item()); continue; }
            if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
              throw new RangeError(`${name}.loadStateDict: state '${k}' of parameter ${id} has shape [${v.shape}], the parameter [${p.shape}]`);
            }
            const c = v.dtype === p.dtype && v.device === p.device ? v.clone() : v.to({ dtype: p.dtype, device: p.device });
            ps[k] = keep(c);
          } else if (typeof v === 'number' || v === null) {
            ps[k] = v;
          } else {
            throw new TypeError(`${name}.loadStateDict: state '${k}' of parameter ${id} is neither a Tensor, a number nor null`);
          }
        }
        state.set(p, ps);
      }
    } catch (e) {
      for (const ps of state.values()) for (const v of Object.values(ps)) if (v instanceof Tensor) v.dispose();
      throw e;
    }
    this._disposeState();
    for (const [p, s] of state) this.state.set(p, s);
    this.paramGroups = groups;
  }

  /** @internal */
  protected _disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  /**
   * Frees the optimizer's state tensors (momentum buffers, moment estimates). The parameters and
   * their gradients are not touched. A later step() starts from fresh state.
   * @example
   * const w = nt.zeros([2]).requiresGrad_();
   * const opt = new nt.optim.Adam([w]);
   * opt.dispose();
   */
  dispose(): void { this._disposeState(); }

  /** @internal number check used by the validators */
  protected _check(ok: boolean, what: string, v: unknown): void {
    if (!ok) throw new RangeError(`${this._name}: invalid ${what}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  }
  /** @internal */
  protected _nonNeg(v: unknown): boolean { return typeof v === 'number' && v >= 0 && v !== Infinity; }
  /** @internal */
  protected _bool(v: unknown, what: string, where: string): void {
    if (typeof v !== 'boolean') throw new TypeError(`${this._name}: ${what} must be a boolean (${where}), got ${String(v)}`);
  }
  /** @internal the lr check shared by all optimizers */
  protected _checkLr(g: { lr?: unknown }, where: string): void {
    if (g.lr === undefined) throw new Error(`${this._name}: lr is required (${where}): pass it in the options or in every parameter group`);
    this._check(this._nonNeg(g.lr), 'learning rate', g.lr);
  }
}

/** @internal Used by the optimizers: grads of another dtype are cast (PyTorch requires a match). */
export function gradOf(p: Tensor, name: string): Tensor | null {
  const g = p.grad;
  if (g === null) return null;
  if (g.isDisposed) throw new Error(`${name}: the gradient of a parameter was disposed; set p.grad = null (or call zeroGrad()) instead of disposing it`);
  if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i])) {
    throw new RangeError(`${name}: a parameter of shape [${p.shape}] has a gradient of shape [${g.shape}]`);
  }
  if (g.device !== p.device) throw new Error(`${name}: a parameter on ${p.device} has a gradient on ${g.device}`);
  return g;
}

// ---------------------------------------------------------------- safetensors-friendly form

/**
 * Splits a state dict into named tensors and a JSON string of everything else, for formats that hold
 * only tensors plus string metadata (safetensors). Tensor names are `${prefix}state.<param>.<key>`
 * (e.g. `optim.state.0.exp_avg`); the JSON holds the groups and the non-tensor state (steps, nulls).
 * The tensors are the state dict's own (not copies). {@link unflattenStateDict} is the inverse.
 * @example
 * const w = nt.zeros([2]).requiresGrad_();
 * const opt = new nt.optim.Adam([w]);
 * w.grad = nt.ones([2]); opt.step();
 * const { tensors, json } = nt.optim.flattenStateDict(opt.stateDict(), 'optim.');
 * // tensors: { 'optim.state.0.exp_avg': Tensor, 'optim.state.0.exp_avg_sq': Tensor }
 * // json: '{"state":{"0":{"step":1}},"param_groups":[{"lr":0.001,...,"params":[0]}]}'
 * const back = nt.optim.unflattenStateDict(tensors, json, 'optim.');
 */
export function flattenStateDict(sd: OptimizerStateDict, prefix = ''): { tensors: Record<string, Tensor>; json: string } {
  const tensors: Record<string, Tensor> = {};
  const state: Record<string, Record<string, number | null>> = {};
  for (const [id, s] of Object.entries(sd.state)) {
    const rest: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k.includes('.')) throw new Error(`flattenStateDict: state key '${k}' contains a '.'`);
      if (v instanceof Tensor) tensors[`${prefix}state.${id}.${k}`] = v;
      else rest[k] = v;
    }
    state[id] = rest;
  }
  return { tensors, json: JSON.stringify({ state, param_groups: sd.param_groups }) };
}

/**
 * The inverse of {@link flattenStateDict}: rebuilds a state dict from the named tensors (others,
 * without the prefix, are ignored — e.g. a model's weights in the same file) and the JSON string.
 * @example
 * const w = nt.zeros([2]).requiresGrad_();
 * const opt = new nt.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
 * w.grad = nt.ones([2]); opt.step();
 * const { tensors, json } = nt.optim.flattenStateDict(opt.stateDict());
 * opt.loadStateDict(nt.optim.unflattenStateDict(tensors, json));
 */
export function unflattenStateDict(tensors: Record<string, Tensor>, json: string, prefix = ''): OptimizerStateDict {
  const parsed = JSON.parse(json) as { state?: Record<string, ParamState>; param_groups?: OptimizerStateDict['param_groups'] };
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.param_groups)) {
    throw new TypeError('unflattenStateDict: the JSON is not a flattened optimizer state dict (no param_groups)');
  }
  const state: Record<number, ParamState> = {};
  for (const [id, s] of Object.entries(parsed.state ?? {})) state[Number(id)] = { ...s };
  const head = `${prefix}state.`;
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith(head)) continue;
    const rest = name.slice(head.length), dot = rest.indexOf('.');
    const id = Number(rest.slice(0, dot));
    if (dot <= 0 || !Number.isInteger(id)) throw new Error(`unflattenStateDict: can't parse tensor name '${name}' (expected ${head}<index>.<key>)`);
    if (!(t instanceof Tensor)) throw new TypeError(`unflattenStateDict: '${name}' is not a Tensor`);
    (state[id] ??= {})[rest.slice(dot + 1)] = t;
  }
  return { state, param_groups: parsed.param_groups };
}
