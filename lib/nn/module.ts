// module.ts — nn.Module: the base class of layers and models. A module's parameters, buffers and
// submodules are discovered from its own enumerable properties, in insertion order (declaration order
// for class fields): Parameter-flagged tensors are parameters, Module instances are children, and
// tensors registered with registerBuffer() are buffers. Also: train/eval, to(device | dtype) in place,
// zeroGrad, stateDict/loadStateDict with PyTorch's key names, apply, and a repr like PyTorch's.
// Not here: the layers (layers-*.ts) or what they compute (functional*.ts).
import { inspect } from 'util';
import { noGrad } from '../autograd';
import { DType, DTYPES } from '../dtype';
import { keep } from '../memory';
import { Tensor } from '../tensor';
import { fmtShape, isFloat } from './_util';
import { isParameter, Parameter } from './parameter';

/** What `Module.to()` accepts: a device ('cpu', 'cuda:0'), a dtype ('float64'), or both. @example model.to({ device: 'cpu', dtype: 'float64' }) */
export type ModuleTarget = string | { device?: string; dtype?: DType };

/** The result of `loadStateDict`. @example const { missingKeys, unexpectedKeys } = model.loadStateDict(sd, { strict: false }); */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

type Entry = [key: string, value: Tensor | Module, prop: string];

/**
 * Base class for all neural-network modules. Subclass it, assign parameters (`nn.Parameter`),
 * submodules and buffers (`registerBuffer`) as properties, and implement `forward`.
 * @example
 * import * as nt from 'nodetensor';
 * class MLP extends nt.nn.Module {
 *   fc1 = new nt.nn.Linear(4, 8);
 *   fc2 = new nt.nn.Linear(8, 2);
 *   forward(x: nt.Tensor): nt.Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * const m = new MLP();
 * console.log(Object.keys(m.stateDict())); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * console.log(m.forward(nt.randn([3, 4])).shape); // [3, 2]
 */
export class Module {
  /** Whether the module is in training mode (see `train()` / `eval()`). */
  training = true;
  /** @internal property names registered as buffers */ _bufferNames: Set<string> = new Set();
  /** @internal buffers left out of the state dict */ _nonPersistent: Set<string> = new Set();
  /** @internal property name → state-dict key, where they differ (runningMean → running_mean) */ _keyMap: Record<string, string> | null = null;

  /** The computation; subclasses override it. Call it directly or through `call()`. (Typed `any` here so that code holding a plain `Module` can use the result.) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }
  /**
   * Runs `forward` (PyTorch's `module(x)`).
   * @example const y = new nt.nn.ReLU().call(nt.tensor([-1, 2])); // tensor([0, 2])
   */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    return (this.forward as (...a: unknown[]) => ReturnType<this['forward']>)(...args);
  }

  // ---------------------------------------------------------------- discovery

  /** @internal own [key, value, prop] entries, in order: containers override this. */
  _ownEntries(): Entry[] {
    const out: Entry[] = [];
    const self = this as unknown as Record<string, unknown>;
    for (const prop of Object.keys(this)) {
      const v = self[prop];
      if (v instanceof Module || v instanceof Tensor) out.push([this._keyMap?.[prop] ?? prop, v, prop]);
    }
    return out;
  }
  /** @internal */
  _ownParams(): [string, Parameter][] {
    return this._ownEntries().filter((e) => isParameter(e[1])).map((e) => [e[0], e[1] as Parameter]);
  }
  /** @internal */
  _ownBuffers(persistentOnly = false): [string, Tensor][] {
    return this._ownEntries()
      .filter((e) => e[1] instanceof Tensor && !isParameter(e[1]) && this._bufferNames.has(e[2]) && !(persistentOnly && this._nonPersistent.has(e[2])))
      .map((e) => [e[0], e[1] as Tensor]);
  }

  /** Direct submodules with their names. @example new nt.nn.Sequential(new nt.nn.ReLU()).namedChildren() // [['0', ReLU]] */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>(), out: [string, Module][] = [];
    for (const [k, v] of this._ownEntries()) if (v instanceof Module && !seen.has(v)) { seen.add(v); out.push([k, v]); }
    return out;
  }
  /** Direct submodules. @example model.children().length */
  children(): Module[] { return this.namedChildren().map((e) => e[1]); }
  /** This module and all submodules (pre-order, each once) with dotted names ('' for this one). @example model.namedModules().map(([n]) => n) */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [], seen = new Set<Module>();
    const walk = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m); out.push([p, m]);
      for (const [k, c] of m.namedChildren()) walk(c, p ? `${p}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }
  /** This module and all submodules, pre-order. @example model.modules().filter((m) => m instanceof nt.nn.Linear).length */
  modules(): Module[] { return this.namedModules().map((e) => e[1]); }

  /**
   * Parameters with dotted names, own first, then each submodule's (each tensor once).
   * @example new nt.nn.Linear(2, 3).namedParameters().map(([n, p]) => [n, p.shape]) // [['weight', [3, 2]], ['bias', [3]]]
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [], seen = new Set<Tensor>();
    for (const [p, m] of recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]]) {
      for (const [k, t] of m._ownParams()) if (!seen.has(t)) { seen.add(t); out.push([p ? `${p}.${k}` : k, t]); }
    }
    return out;
  }
  /** All parameters (what an optimizer takes). @example const opt = new nt.optim.SGD(model.parameters(), { lr: 0.1 }); */
  parameters(recurse = true): Parameter[] { return this.namedParameters('', recurse).map((e) => e[1]); }
  /** Buffers (running statistics and the like) with dotted names. @example new nt.nn.BatchNorm1d(3).namedBuffers().map(([n]) => n) // ['running_mean', 'running_var', 'num_batches_tracked'] */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [], seen = new Set<Tensor>();
    for (const [p, m] of recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]]) {
      for (const [k, t] of m._ownBuffers()) if (!seen.has(t)) { seen.add(t); out.push([p ? `${p}.${k}` : k, t]); }
    }
    return out;
  }
  /** All buffers. @example new nt.nn.BatchNorm2d(8).buffers().length // 3 */
  buffers(recurse = true): Tensor[] { return this.namedBuffers('', recurse).map((e) => e[1]); }

  /** The submodule at a dotted path. @example model.getSubmodule('blocks.1.attn') */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = m.namedChildren().find(([k]) => k === part);
      if (!next) throw new Error(`getSubmodule: ${m._getName()} has no submodule named "${part}" (in "${target}")`);
      m = next[1];
    }
    return m;
  }

  // ---------------------------------------------------------------- registration

  /**
   * Adds a tensor as a buffer: saved in the state dict (unless `persistent` is false), moved by `to()`,
   * but not a parameter. The tensor is exempt from tidy() scopes. Returns it.
   * @example
   * class Counter extends nt.nn.Module {
   *   count = this.registerBuffer('count', nt.zeros([], { dtype: 'int64' }));
   * }
   * console.log(Object.keys(new Counter().stateDict())); // ['count']
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    this._checkName(name, 'registerBuffer');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: buffer "${name}" must be a Tensor or null, got ${typeof tensor}`);
    if (isParameter(tensor)) throw new TypeError(`registerBuffer: "${name}" is a Parameter; use registerParameter or assign it as a property`);
    if (tensor) keep(tensor);
    this._bufferNames.add(name);
    if (persistent) this._nonPersistent.delete(name); else this._nonPersistent.add(name);
    (this as unknown as Record<string, unknown>)[name] = tensor;
    return tensor;
  }
  /**
   * Adds a parameter under `name` (same as assigning an `nn.Parameter` property). Returns it.
   * @example m.registerParameter('scale', new nt.nn.Parameter(nt.ones([1])));
   */
  registerParameter<T extends Parameter | null>(name: string, param: T): T {
    this._checkName(name, 'registerParameter');
    if (param !== null && !isParameter(param)) throw new TypeError(`registerParameter: cannot assign a plain Tensor to parameter "${name}" (nn.Parameter or null required); wrap it: new nn.Parameter(t)`);
    (this as unknown as Record<string, unknown>)[name] = param;
    return param;
  }
  /** Adds a submodule under `name` (same as assigning it as a property). @example m.registerModule('head', new nt.nn.Linear(8, 2)); */
  registerModule<T extends Module | null>(name: string, module: T): T {
    this._checkName(name, 'registerModule');
    if (module !== null && !(module instanceof Module)) throw new TypeError(`registerModule: "${name}" must be a Module or null`);
    (this as unknown as Record<string, unknown>)[name] = module;
    return module;
  }
  /** @internal */
  _checkName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw new RangeError(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
  }
  /** @internal gives property `prop` the state-dict key `key` (PyTorch's snake_case names). */
  _stateKey(prop: string, key: string): void { (this._keyMap ??= {})[prop] = key; }

  // ---------------------------------------------------------------- modes and conversion

  /** Sets training mode on this module and every submodule (Dropout and BatchNorm behave differently). Returns this. @example model.train(); */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode: same as `train(false)`. @example model.eval(); */
  eval(): this { return this.train(false); }
  /** Calls `fn` on every submodule (children first) and then on this module. Returns this. @example model.apply((m) => { if (m instanceof nt.nn.Linear) nt.nn.init.zeros_(m.bias!); }); */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }
  /**
   * Moves and/or casts every parameter and buffer (and gradient) IN PLACE: the Parameter objects stay
   * the same (their storage is replaced), so an optimizer built before keeps working. As in PyTorch,
   * a dtype applies to floating-point tensors only (integer buffers such as `num_batches_tracked` stay).
   * @example
   * const m = new nt.nn.Linear(2, 2);
   * const w = m.weight;
   * m.to('float64');
   * console.log(m.weight === w, w.dtype); // true 'float64'
   */
  to(target: ModuleTarget): this {
    let device: string | undefined, dtype: DType | undefined;
    if (typeof target === 'string') {
      if ((DTYPES as readonly string[]).includes(target)) dtype = target as DType; else device = target;
    } else if (target && typeof target === 'object') ({ device, dtype } = target);
    else throw new TypeError(`Module.to: expected a device, a dtype or { device, dtype }, got ${String(target)}`);
    if (dtype !== undefined && !isFloat(dtype)) throw new TypeError(`Module.to: only floating-point dtypes are allowed, got ${dtype}`);
    const all = new Set<Tensor>();
    for (const m of this.modules()) for (const e of m._ownEntries()) if (e[1] instanceof Tensor) all.add(e[1]);
    noGrad(() => {
      for (const t of all) {
        if (t.isDisposed) continue;
        convertInPlace(t, device, dtype);
        if (t.grad && !t.grad.isDisposed) convertInPlace(t.grad, device, dtype);
      }
    });
    return this;
  }
  /** Casts floating-point parameters and buffers to float32. @example model.float() */
  float(): this { return this.to('float32'); }
  /** Casts floating-point parameters and buffers to float64. @example model.double() */
  double(): this { return this.to('float64'); }
  /** Casts floating-point parameters and buffers to float16. @example model.half() */
  half(): this { return this.to('float16'); }
  /** Moves to the CPU. @example model.cpu() */
  cpu(): this { return this.to('cpu'); }

  /**
   * Clears the gradients of all parameters. With `setToNone` (the default, as in PyTorch 2 and
   * `optim.Optimizer.zeroGrad`) `.grad` becomes null and the old gradient tensors are disposed;
   * otherwise they are zeroed in place. Takes `{ setToNone }` or PyTorch's positional boolean.
   * @example
   * model.zeroGrad();                      // p.grad === null
   * model.zeroGrad({ setToNone: false });  // p.grad filled with zeros
   */
  zeroGrad(opts: boolean | { setToNone?: boolean } = {}): void {
    const setToNone = typeof opts === 'boolean' ? opts : opts.setToNone ?? true;
    noGrad(() => {
      for (const p of this.parameters()) {
        const g = p.grad;
        if (g === null || g === undefined) continue;
        if (setToNone || g.isDisposed) { p.grad = null; g.dispose(); continue; }
        if (g.requiresGrad) { const d = g.detach(); g.dispose(); p.grad = d; }
        p.grad!.zero_();
      }
    });
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Every persistent parameter and buffer by PyTorch's key names (`0.weight`, `bn.running_mean`,
   * `attn.in_proj_bias`), own tensors first, then submodules'. Values are detached views sharing the
   * module's storage (dispose them, or let tidy() do it); with `keepVars` the tensors themselves.
   * @example
   * const sd = new nt.nn.Sequential(new nt.nn.Linear(4, 2)).stateDict();
   * console.log(Object.keys(sd)); // ['0.weight', '0.bias']
   */
  stateDict(opts?: { prefix?: string; keepVars?: boolean }): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const keepVars = opts?.keepVars ?? false;
    const walk = (m: Module, p: string): void => {
      for (const [k, t] of m._ownParams()) out[p + k] = keepVars ? t : t.detach();
      for (const [k, t] of m._ownBuffers(true)) out[p + k] = keepVars ? t : t.detach();
      for (const [k, c] of m._ownEntries()) if (c instanceof Module) walk(c, `${p}${k}.`);  // no dedup, as PyTorch
    };
    walk(this, opts?.prefix ?? '');
    return out;
  }

  /**
   * Copies values from a state dict (a Record or Map of tensors) into this module's parameters and
   * buffers, in place (casting dtype and moving device as needed). Shapes must match. With `strict`
   * (the default) missing or unexpected keys are an error; nothing is copied when there is an error.
   * @example
   * const a = new nt.nn.Linear(3, 2), b = new nt.nn.Linear(3, 2);
   * b.loadStateDict(a.stateDict());
   * const r = b.loadStateDict({ weight: a.weight }, { strict: false }); // r.missingKeys: ['bias']
   */
  loadStateDict(stateDict: Record<string, Tensor> | Map<string, Tensor>, opts?: { strict?: boolean }): LoadResult {
    const strict = opts?.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') throw new TypeError(`loadStateDict: expected a Record or Map of tensors, got ${stateDict === null ? 'null' : typeof stateDict}`);
    const given = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = this.stateDict({ keepVars: true });
    const missingKeys: string[] = [], unexpectedKeys: string[] = [], errors: string[] = [];
    for (const k of Object.keys(own)) if (!given.has(k)) missingKeys.push(k);
    for (const k of given.keys()) if (!(k in own)) unexpectedKeys.push(k);
    const copies: [Tensor, Tensor][] = [];
    for (const [k, dst] of Object.entries(own)) {
      if (!given.has(k)) continue;
      const src = given.get(k);
      if (!(src instanceof Tensor) || src.isDisposed) { errors.push(`value for ${k} is not a live Tensor (got ${src instanceof Tensor ? 'a disposed tensor' : src === null ? 'null' : typeof src}).`); continue; }
      if (src.shape.length !== dst.shape.length || src.shape.some((s, i) => s !== dst.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(src.shape)} from checkpoint, the shape in current model is ${fmtShape(dst.shape)}.`);
        continue;
      }
      copies.push([dst, src]);
    }
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length) throw new Error(`loadStateDict: Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join('\n\t')}`);
    noGrad(() => { for (const [dst, src] of copies) if (dst !== src) dst.copy_(src); });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** One-line description of this module's settings inside its repr (`in_features=4, ...`); override in subclasses. @example new nt.nn.Linear(4, 2).extraRepr() // 'in_features=4, out_features=2, bias=True' */
  extraRepr(): string { return ''; }
  /** @internal the class name shown in the repr */
  _getName(): string { return this.constructor.name; }
  /**
   * A repr like PyTorch's.
   * @example
   * console.log(String(new nt.nn.Sequential(new nt.nn.Linear(784, 256), new nt.nn.ReLU())));
   * // Sequential(
   * //   (0): Linear(in_features=784, out_features=256, bias=True)
   * //   (1): ReLU()
   * // )
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildren().map(([k, m]) => `(${k}): ${String(m).split('\n').join('\n  ')}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._getName()}(`;
    if (lines.length) s += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    return `${s})`;
  }
  [inspect.custom](): string { return this.toString(); }
}

/** Replaces t's data by its conversion (same object): swaps storage and metadata, frees the old data. */
function convertInPlace(t: Tensor, device: string | undefined, dtype: DType | undefined): void {
  const dt = dtype !== undefined && isFloat(t.dtype) ? dtype : undefined;
  if ((dt === undefined || dt === t.dtype) && (device === undefined || device === t.device)) return;
  const y = t.to({ device, dtype: dt });
  const a = t as unknown as Record<string, unknown>, b = y as unknown as Record<string, unknown>;
  for (const f of ['_storage', '_dt', 'shape', 'strides', 'offset']) { const v = a[f]; a[f] = b[f]; b[f] = v; }
  y.dispose();
}
