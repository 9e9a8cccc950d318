// autograd.ts — the tape: grad mode, graph nodes recorded by differentiable ops, and the engine that
// walks them backwards (backward(), autograd.grad()). Not here: the gradient rules themselves, which
// live beside their ops in lib/ops/*-grad.ts and are written in tensor ops, so they run on every device.
//
// The graph is made of Nodes, one per differentiable op call: `next[i]` is the node that produced
// input i (or the AccumulateGrad node of a leaf), `saved` are aliases of the tensors the rule needs
// (with the storage version at save time, so an in-place change is caught at backward), and `ctx`
// holds the op's non-tensor parameters. A tensor's `gradFn` is the node that produced it.
// Broadcasting and dtype promotion are undone once, here, from each input's recorded shape and dtype.
import { RULES as RULE_TABLE } from './grad-rules';  // first: see the NOTE in grad-rules.ts
import { AsyncLocalStorage } from 'async_hooks';
import { Tensor } from './tensor';
import { fmtShape } from './shape';
import { keep } from './memory';

/** A gradient rule: given the gradient of the output, the gradients of each input (null: none). */
export type BackwardFn = (g: Tensor, node: Node) => (Tensor | null)[];

/** What an op declares once: its name (as in PyTorch's grad_fn names) and its backward rule. */
export interface GradRule { readonly name: string; readonly backward: BackwardFn; readonly view?: boolean }

/** Declares a gradient rule (called at module load, beside the op). */
export function defineGrad(name: string, backward: BackwardFn, opts?: { view?: boolean }): GradRule {
  const rule: GradRule = { name, backward, view: opts?.view ?? false };
  RULE_TABLE.set(name, rule);
  return rule;
}
/** Every declared rule by name: the gradient-check suite enumerates this table. */
export const RULES = RULE_TABLE as Map<string, GradRule>;

/** A hook on a tensor's gradient: may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;

/** One recorded op call in the graph (PyTorch's grad_fn). */
export class Node {
  /** @internal */ rule: GradRule;
  /** @internal producers of the inputs (null: no gradient flows there) */ next: (Node | null)[];
  /** @internal shapes and dtypes of the inputs, to undo broadcasting/promotion */ inShapes: number[][];
  /** @internal */ inDts: number[];
  /** @internal aliases of the tensors the rule needs */ saved: Tensor[] | null;
  /** @internal */ versions: number[] | null;
  /** @internal op parameters */ ctx: unknown;
  /** @internal the leaf, for AccumulateGrad nodes */ leaf: Tensor | null = null;
  /** @internal hooks on the output tensor's gradient */ hooks: GradHook[] | null = null;
  /** @internal a non-leaf whose .grad is kept (retainGrad) */ retained: Tensor | null = null;
  /** @internal */ released = false;
  constructor(rule: GradRule, next: (Node | null)[], inShapes: number[][], inDts: number[], saved: Tensor[] | null, ctx: unknown) {
    this.rule = rule; this.next = next; this.inShapes = inShapes; this.inDts = inDts; this.ctx = ctx;
    this.saved = saved; this.versions = null;
    if (saved !== null) {
      const v = new Array<number>(saved.length);
      for (let i = 0; i < saved.length; i++) {
        const s = saved[i];
        v[i] = s._storage!.rec.version;
        saved[i] = new Tensor(s._storage!, s.shape, s.strides, s.offset, s._dt, true);
      }
      this.versions = v;
    }
  }
  /** The op's name, like PyTorch's grad_fn (`MulBackward`). */
  get name(): string { return this.rule.name; }
  /** @internal a saved tensor, checked against in-place changes since it was saved. */
  s(i: number): Tensor {
    if (this.released || this.saved === null) throw new Error(freedMessage(this));
    const t = this.saved[i];
    if (t._storage!.rec.version !== this.versions![i]) {
      throw new Error(`${this.rule.name}: one of the tensors it saved for the gradient (shape ${fmtShape(t.shape)}) was modified by an in-place operation after it was used (version ${t._storage!.rec.version}, expected ${this.versions![i]}); use an out-of-place op (e.g. x.add(y) instead of x.add_(y)) or clone() before modifying`);
    }
    return t;
  }
  /** @internal frees the saved tensors (after a backward without retainGraph). */
  release(): void {
    if (this.saved) for (const t of this.saved) t.dispose();
    this.saved = null;
    this.released = true;
  }
}

function freedMessage(n: Node): string {
  return `${n.rule.name}: trying to backward through the graph a second time (its saved tensors were freed after the first backward); pass { retainGraph: true } to the first backward() or autograd.grad() if you need to backward twice`;
}

const ACCUMULATE: GradRule = { name: 'AccumulateGrad', backward: () => [] };

// ---------------------------------------------------------------- grad mode

let enabled = true;
let asyncScopes = 0;
const modeAls = new AsyncLocalStorage<boolean>();

/** Whether ops record the graph now. @example nt.noGrad(() => nt.isGradEnabled()) // false */
export function isGradEnabled(): boolean {
  if (asyncScopes === 0) return enabled;
  const s = modeAls.getStore();
  return s === undefined ? enabled : s;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  asyncScopes++;
  let r: T;
  try {
    r = modeAls.run(mode, fn);
  } catch (e) {
    enabled = prev; asyncScopes--;
    throw e;
  }
  enabled = prev;
  if (r && typeof (r as unknown as Promise<unknown>).then === 'function') {
    return (r as unknown as Promise<unknown>).finally(() => { asyncScopes--; }) as unknown as T;
  }
  asyncScopes--;
  return r;
}

/**
 * Runs fn (sync or async) without recording gradients: for inference and optimizer updates.
 * @example
 * const w = nt.ones([2], { requiresGrad: true });
 * const y = nt.noGrad(() => w.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T { return withMode(false, fn); }
/**
 * Runs fn (sync or async) with gradient recording on, even inside noGrad.
 * @example nt.noGrad(() => nt.enableGrad(() => nt.isGradEnabled())) // true
 */
export function enableGrad<T>(fn: () => T): T { return withMode(true, fn); }

// ---------------------------------------------------------------- recording

const FLOATS = new Set([0, 1, 2, 3]);  // float32 float64 float16 bfloat16

/** @internal the node that receives gradients for a tensor (its gradFn, or its leaf accumulator). */
export function gradEdge(t: Tensor): Node | null {
  if (!t.requiresGrad) return null;
  if (t.gradFn !== null) return t.gradFn;
  let a = t._accum;
  if (a === null) { a = new Node(ACCUMULATE, [], [], [], null, null); a.leaf = t; t._accum = a; }
  return a;
}

/**
 * @internal Records one op call: `out` gets a node whose inputs are `inputs` (null entries and
 * inputs that don't require grad get no gradient). `saved` tensors are aliased and version-checked.
 */
export function record(rule: GradRule, inputs: (Tensor | null)[], out: Tensor, saved: Tensor[] | null, ctx?: unknown): Node {
  const n = inputs.length;
  const next = new Array<Node | null>(n), shapes = new Array<number[]>(n), dts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    if (t === null) { next[i] = null; shapes[i] = []; dts[i] = -1; continue; }
    next[i] = gradEdge(t);
    shapes[i] = t.shape; dts[i] = t._dt;
  }
  const sources = saved === null ? null : saved.slice();
  const node = new Node(rule, next, shapes, dts, saved, ctx);
  if (FLOATS.has(out._dt)) { out.requiresGrad = true; out.gradFn = node; }
  // Saved tensors keep their place in the graph, so rules are differentiable (gradients of gradients).
  if (sources !== null) {
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i], a = node.saved![i];
      if (!src.requiresGrad) continue;
      a.requiresGrad = true;
      if (src.gradFn !== null) a.gradFn = src.gradFn; else a._accum = gradEdge(src);
    }
  }
  return node;
}

/**
 * @internal Called by in-place ops before they write `x`: refuses what can't be differentiated
 * (a leaf that requires grad, a view in the graph) and bumps the storage version.
 */
export function beforeInPlace(x: Tensor, op: string, other?: unknown): boolean {
  x._live(op).rec.version++;
  if (!x.requiresGrad && !(other instanceof Tensor && other.requiresGrad)) return false;
  if (!isGradEnabled()) return false;
  if (x.requiresGrad && x.gradFn === null) {
    throw new Error(`${op}: a leaf tensor that requires grad can't be modified in place while gradients are recorded; do it inside nt.noGrad(() => ...) (as optimizers do) or on a clone()`);
  }
  if (x._view || (x.gradFn !== null && x.gradFn.rule.view)) {
    const what = x.gradFn !== null ? x.gradFn.rule.name : 'a view';
    throw new Error(`${op}: in-place modification of a view (${what}) of a tensor that requires grad is not supported; use the out-of-place op (e.g. add instead of add_)`);
  }
  return true;
}

/**
 * @internal An in-place op while gradients are recorded: computes `f(clone of x)` out of place (so
 * the rule saves the clone, not x), writes the result into x and makes x's history the result's.
 */
export function inPlace<T extends Tensor>(x: T, f: (c: Tensor) => Tensor): T {
  const c = x.clone();
  const r = f(c);
  withMode(false, () => x.copy_(r));
  x.gradFn = r.gradFn;
  x.requiresGrad = r.requiresGrad;
  c.dispose(); r.dispose();
  return x;
}

const COPY = defineGrad('CopyBackwards', (g) => [g]);
const FILL = defineGrad('FillBackward', () => []);
/** @internal x was overwritten (copy_ from src, or fill_ when src is null): its history restarts there. */
export function recordOverwrite(x: Tensor, src: Tensor | null): void {
  if (src !== null && src.requiresGrad) record(COPY, [src], x, null);
  else record(FILL, [], x, null);
}

// ---------------------------------------------------------------- the engine

/** Sums g over the dims it was broadcast along so that it has `shape`. */
export function sumToShape(g: Tensor, shape: number[]): Tensor {
  const gs = g.shape;
  if (gs.length === shape.length) {
    let same = true;
    for (let i = 0; i < gs.length; i++) if (gs[i] !== shape[i]) { same = false; break; }
    if (same) return g;
  }
  const lead = gs.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < gs.length; i++) if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) dims.push(i);
  let r = dims.length ? g.sum(dims, true) : g;
  if (lead > 0 || r.shape.length !== shape.length) { const v = r.reshape(shape); if (r !== g) r.dispose(); r = v; }
  return r;
}

interface RunOpts { retainGraph: boolean; createGraph: boolean; targets: Node[] | null; accumulate: boolean }

function run(roots: Node[], rootGrads: Tensor[], o: RunOpts): Map<Node, Tensor> {
  // Dependency counts over the reachable graph (iterative DFS).
  const deps = new Map<Node, number>();
  const stack: Node[] = [];
  for (const r of roots) if (!deps.has(r)) { deps.set(r, 0); stack.push(r); }
  while (stack.length) {
    const n = stack.pop()!;
    for (const m of n.next) {
      if (m === null) continue;
      const d = deps.get(m);
      if (d === undefined) { deps.set(m, 1); stack.push(m); } else deps.set(m, d + 1);
    }
  }
  // Only nodes that lead to a target matter for autograd.grad().
  let needed: Set<Node> | null = null;
  if (o.targets) {
    needed = new Set(o.targets);
    const order = topo(roots);
    for (let i = 0; i < order.length; i++) { const n = order[i]; if (n.next.some((m) => m !== null && needed!.has(m))) needed.add(n); }
  }
  const grads = new Map<Node, Tensor>();
  for (let i = 0; i < roots.length; i++) accumulateInto(grads, roots[i], rootGrads[i]);
  const captured = new Map<Node, Tensor>();
  const targets = o.targets ? new Set(o.targets) : null;
  const ready: Node[] = roots.filter((r, i) => roots.indexOf(r) === i && deps.get(r) === 0);
  try {
    while (ready.length) {
      const n = ready.pop()!;
      let g = grads.get(n);
      grads.delete(n);
      if (g !== undefined && n.hooks) for (const h of n.hooks) { const r = h(g); if (r instanceof Tensor && r !== g) { g.dispose(); g = r; } }
      if (g !== undefined && targets && targets.has(n)) { captured.set(n, g); g = g.alias(); }
      if (g !== undefined && n.retained) { const t = n.retained; if (t.grad) t.grad.dispose(); t.grad = g.alias(); }
      if (n.leaf !== null) {
        if (g !== undefined && o.accumulate) accumulateLeaf(n.leaf, g, o.createGraph);
        else if (g !== undefined) g.dispose();
      } else if (g !== undefined && (needed === null || needed.has(n))) {
        if (n.released) throw new Error(freedMessage(n));
        const ins = n.rule.backward(g, n);
        for (let i = 0; i < n.next.length; i++) {
          const m = n.next[i];
          let gi = ins[i];
          if (gi == null) continue;
          if (m === null || (needed !== null && !needed.has(m))) { if (gi !== g) gi.dispose(); continue; }
          for (let j = 0; j < i; j++) if (ins[j] === gi) { gi = gi.alias(); break; }
          if (gi === g) gi = g.alias();
          gi = fixGrad(gi, n, i);
          accumulateInto(grads, m, gi);
        }
        g.dispose();
      } else if (g !== undefined) g.dispose();
      if (!o.retainGraph && n.leaf === null) n.release();
      for (const m of n.next) {
        if (m === null) continue;
        const d = deps.get(m)! - 1;
        deps.set(m, d);
        if (d === 0) ready.push(m);
      }
    }
  } catch (e) {
    for (const t of grads.values()) t.dispose();
    throw e;
  }
  return captured;
}

function topo(roots: Node[]): Node[] {
  const seen = new Set<Node>(), order: Node[] = [];
  const stack: [Node, number][] = roots.map((r) => [r, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [n, i] = top;
    if (i === 0 && seen.has(n)) { stack.pop(); continue; }
    seen.add(n);
    if (i < n.next.length) { top[1]++; const m = n.next[i]; if (m && !seen.has(m)) stack.push([m, 0]); }
    else { stack.pop(); order.push(n); }
  }
  return order;  // inputs' nodes before the nodes that use them
}

function fixGrad(g: Tensor, n: Node, i: number): Tensor {
  const shape = n.inShapes[i];
  let r = sumToShape(g, shape);
  if (r !== g) g.dispose();
  const dt = n.inDts[i];
  if (dt >= 0 && r._dt !== dt) { const c = r.to(DT_NAMES[dt]); r.dispose(); r = c; }
  return r;
}
const DT_NAMES = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'] as const;

function accumulateInto(grads: Map<Node, Tensor>, n: Node, g: Tensor): void {
  const prev = grads.get(n);
  if (prev === undefined) { grads.set(n, g); return; }
  grads.set(n, prev.add(g));
  prev.dispose(); g.dispose();
}

function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  if (leaf._storage === null) { g.dispose(); return; }
  if (leaf.grad === null || leaf.grad.isDisposed) {
    // Take the gradient over when nothing else shares its storage and it's dense; else copy it.
    if (!createGraph && (g._storage!.rec.refs !== 1 || !g.isContiguous() || g.gradFn !== null)) { const c = g.detach().clone(); g.dispose(); g = c; }
    leaf.grad = keep(g);  // a .grad outlives any tidy() around backward(), like the leaf itself
  } else if (createGraph) {
    const s = leaf.grad.add(g); g.dispose(); leaf.grad = keep(s);
  } else {
    leaf.grad.add_(g); g.dispose();
  }
}

function checkRoot(t: Tensor, what: string): Node {
  if (!(t instanceof Tensor)) throw new TypeError(`${what}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  t._live(what);
  if (!t.requiresGrad) throw new Error(`${what}: the tensor does not require grad and has no gradFn (was it computed inside noGrad, from tensors without requiresGrad, or detached?)`);
  return gradEdge(t)!;
}

function seedGrad(t: Tensor, grad: Tensor | undefined | null, what: string): Tensor {
  if (grad === undefined || grad === null) {
    if (t.numel !== 1) throw new Error(`${what}: a gradient can be created implicitly only for a one-element output; got shape ${fmtShape(t.shape)}, pass the gradient explicitly`);
    return onesLikeNoGrad(t);
  }
  if (!(grad instanceof Tensor)) throw new TypeError(`${what}: expected the gradient to be a Tensor`);
  grad._live(what);
  if (grad.shape.length !== t.shape.length || grad.shape.some((s, i) => s !== t.shape[i])) {
    throw new RangeError(`${what}: the gradient has shape ${fmtShape(grad.shape)} but the output has shape ${fmtShape(t.shape)}`);
  }
  if (grad.device !== t.device) throw new Error(`${what}: the gradient is on ${grad.device} but the output is on ${t.device}`);
  return grad.alias();
}

// NOTE: `var`, not `let`: creation.ts calls setOnesLike while this module is still loading its imports.
var onesLikeImpl: ((t: Tensor) => Tensor) | null;  // eslint-disable-line no-var
/** @internal set by creation.ts (avoids an import cycle at load). */
export function setOnesLike(f: (t: Tensor) => Tensor): void { onesLikeImpl = f; }
function onesLikeNoGrad(t: Tensor): Tensor { return onesLikeImpl!(t); }

/**
 * @internal Tensor.backward: accumulates d(t)/d(leaf) into every leaf's `.grad`.
 */
export function backward(t: Tensor, grad?: Tensor | null, opts?: { retainGraph?: boolean; createGraph?: boolean }): void {
  const root = checkRoot(t, 'backward');
  const createGraph = opts?.createGraph ?? false;
  const retainGraph = opts?.retainGraph ?? createGraph;
  const g = seedGrad(t, grad, 'backward');
  withMode(createGraph, () => run([root], [g], { retainGraph, createGraph, targets: null, accumulate: true }));
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated into `.grad`.
 * With `createGraph` the returned gradients are themselves differentiable (gradients of gradients).
 * @example
 * const x = nt.tensor([3], { dtype: 'float64', requiresGrad: true });
 * const [dx] = nt.autograd.grad(x.pow(3), [x], { createGraph: true }); // 3x² = 27
 * const [d2x] = nt.autograd.grad(dx, [x]);                             // 6x = 18
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts?: {
  gradOutputs?: (Tensor | null)[] | Tensor | null; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean;
}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = opts?.gradOutputs == null ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  if (gos.length && gos.length !== outs.length) throw new RangeError(`autograd.grad: got ${gos.length} gradOutputs for ${outs.length} outputs`);
  const createGraph = opts?.createGraph ?? false;
  const retainGraph = opts?.retainGraph ?? createGraph;
  const roots = outs.map((t) => checkRoot(t, 'autograd.grad'));
  const targets = ins.map((t, i) => {
    if (!(t instanceof Tensor) || !t.requiresGrad) throw new Error(`autograd.grad: input ${i} does not require grad`);
    return gradEdge(t)!;
  });
  const seeds = outs.map((t, i) => seedGrad(t, gos[i] ?? null, 'autograd.grad'));
  const captured = withMode(createGraph, () => run(roots, seeds, { retainGraph, createGraph, targets, accumulate: false }));
  return ins.map((t, i) => {
    const g = captured.get(targets[i]);
    if (g === undefined) {
      if (opts?.allowUnused) return null;
      throw new Error(`autograd.grad: input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get null for it`);
    }
    return g;
  });
}

/** @internal Tensor.registerHook */
export function registerHook(t: Tensor, hook: GradHook): { remove(): void } {
  if (typeof hook !== 'function') throw new TypeError('registerHook: expected a function');
  if (!t.requiresGrad) throw new Error("registerHook: can't register a hook on a tensor that doesn't require grad");
  const n = gradEdge(t)!;
  (n.hooks ??= []).push(hook);
  return { remove(): void { const i = n.hooks ? n.hooks.indexOf(hook) : -1; if (i >= 0) n.hooks!.splice(i, 1); } };
}

/** @internal Tensor.retainGrad */
export function retainGrad(t: Tensor): void {
  if (!t.requiresGrad) throw new Error("retainGrad: can't retain the gradient of a tensor that doesn't require grad");
  if (t.gradFn !== null) t.gradFn.retained = t;
}
