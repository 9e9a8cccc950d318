// layers-container.ts — Sequential, ModuleList and ModuleDict: modules that hold modules in order
// (their state-dict keys are the positions '0', '1', ... or the dict's keys). Entries live in an
// ordered Map; list positions are also readable as properties (`seq[0]`).
// Not here: discovery of children in general (module.ts).
import { Tensor } from '../tensor';
import { Module } from './module';

type Entry = [string, Tensor | Module, string];

function checkModule(m: unknown, op: string, what: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${op}: ${what} is not a Module (got ${m === null ? 'null' : typeof m})`);
  return m;
}

/** @internal shared by the containers: an ordered map of modules. */
abstract class Container extends Module {
  /** @internal */ _mods: Map<string, Module> = new Map();
  override _ownEntries(): Entry[] {
    const out: Entry[] = [];
    for (const [k, m] of this._mods) out.push([k, m, k]);
    return out.concat(super._ownEntries());
  }
  /** Number of entries. */
  get length(): number { return this._mods.size; }
  /** @internal defines `this[i]` getters for the list positions. */
  _syncIndex(): void {
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.getOwnPropertyNames(this)) if (/^\d+$/.test(k)) delete self[k];
    let i = 0;
    for (const m of this._mods.values()) {
      const mod = m;
      Object.defineProperty(this, String(i++), { get: () => mod, enumerable: false, configurable: true });
    }
  }
  /** @internal list-style index (negative counts from the end) */
  _at(i: number, op: string): Module {
    const n = this._mods.size;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${op}: index ${i} is out of range for ${n} modules`);
    return [...this._mods.values()][i < 0 ? i + n : i];
  }
  [Symbol.iterator](): Iterator<Module> { return this._mods.values(); }
}

/**
 * Runs modules one after another: `forward(x)` feeds each output to the next. Build it from modules
 * (keys '0', '1', ...) or from a Record/Map of named modules.
 * @example
 * const model = new nt.nn.Sequential(new nt.nn.Linear(784, 256), new nt.nn.ReLU(), new nt.nn.Linear(256, 10));
 * model.forward(nt.randn([32, 784])).shape; // [32, 10]
 * Object.keys(model.stateDict());           // ['0.weight', '0.bias', '2.weight', '2.bias']
 * model[0];                                 // the first Linear
 */
export class Sequential extends Container {
  [index: number]: Module;
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && first !== null && typeof first === 'object') {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first as Record<string, Module>);
      for (const [k, m] of entries) { this._checkName(k, 'Sequential'); this._mods.set(k, checkModule(m, 'Sequential', `entry "${k}"`)); }
    } else {
      (modules as Module[]).forEach((m, i) => this._mods.set(String(i), checkModule(m, 'Sequential', `argument ${i}`)));
    }
    this._syncIndex();
  }
  /** Feeds `input` through every module in order. */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this._mods.values()) x = m.forward(x);
    return x as Tensor;
  }
  /** Adds a module at the end. Returns this. @example seq.append(new nt.nn.ReLU()) */
  append(module: Module): this {
    this._mods.set(String(this._mods.size), checkModule(module, 'Sequential.append', 'the argument'));
    this._syncIndex();
    return this;
  }
  /** The module at position `i` (negative counts from the end). @example seq.at(-1) */
  at(i: number): Module { return this._at(i, 'Sequential.at'); }
  /** A new Sequential of positions start..end (sharing the modules and keeping their keys, as PyTorch's `seq[a:b]`). @example seq.slice(0, 2) */
  slice(start?: number, end?: number): Sequential {
    const entries = [...this._mods.entries()].slice(start, end);
    return new Sequential(new Map(entries));
  }
}

/**
 * Holds submodules in a list (registered, so their parameters are found); it has no forward.
 * @example
 * const layers = new nt.nn.ModuleList([new nt.nn.Linear(4, 4), new nt.nn.Linear(4, 4)]);
 * let x = nt.randn([2, 4]);
 * for (const l of layers) x = l.forward(x) as nt.Tensor;
 */
export class ModuleList extends Container {
  [index: number]: Module;
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this._mods.set(String(this._mods.size), checkModule(m, 'ModuleList', `entry ${this._mods.size}`));
    this._syncIndex();
  }
  /** @example list.append(new nt.nn.ReLU()) */
  append(module: Module): this { return this.insert(this._mods.size, module); }
  /** @example list.extend([new nt.nn.ReLU(), new nt.nn.Tanh()]) */
  extend(modules: Iterable<Module>): this { for (const m of modules) this.append(m); return this; }
  /** Inserts before position `index`. @example list.insert(0, new nt.nn.Identity()) */
  insert(index: number, module: Module): this {
    checkModule(module, 'ModuleList.insert', 'the argument');
    const list = [...this._mods.values()];
    const n = list.length;
    const i = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
    list.splice(i, 0, module);
    this._mods = new Map(list.map((m, k) => [String(k), m]));
    this._syncIndex();
    return this;
  }
  /** The module at position `i` (negative counts from the end). @example list.at(0) */
  at(i: number): Module { return this._at(i, 'ModuleList.at'); }
  override forward(): never { throw new Error('ModuleList has no forward(); iterate over it and call its modules'); }
}

/**
 * Holds submodules by name (insertion order kept); keys become state-dict prefixes.
 * @example
 * const heads = new nt.nn.ModuleDict({ cls: new nt.nn.Linear(8, 3), box: new nt.nn.Linear(8, 4) });
 * heads.get('cls')!.forward(nt.randn([2, 8]));
 * Object.keys(heads.stateDict()); // ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']
 */
export class ModuleDict extends Container {
  constructor(modules?: Record<string, Module> | Map<string, Module>) {
    super();
    if (modules) for (const [k, m] of modules instanceof Map ? modules.entries() : Object.entries(modules)) this.set(k, m);
  }
  /** @example heads.get('cls') */
  get(key: string): Module | undefined { return this._mods.get(key); }
  /** Adds or replaces an entry. @example heads.set('extra', new nt.nn.Linear(8, 1)) */
  set(key: string, module: Module): this {
    this._checkName(key, 'ModuleDict.set');
    this._mods.set(key, checkModule(module, 'ModuleDict.set', `entry "${key}"`));
    return this;
  }
  /** @example heads.has('cls') // true */
  has(key: string): boolean { return this._mods.has(key); }
  /** Removes an entry and returns it. @example heads.pop('box') */
  pop(key: string): Module | undefined { const m = this._mods.get(key); this._mods.delete(key); return m; }
  /** @example [...heads.keys()] */
  keys(): IterableIterator<string> { return this._mods.keys(); }
  /** @example [...heads.values()] */
  values(): IterableIterator<Module> { return this._mods.values(); }
  /** @example [...heads.entries()] */
  entries(): IterableIterator<[string, Module]> { return this._mods.entries(); }
  override forward(): never { throw new Error('ModuleDict has no forward(); call its modules'); }
}
