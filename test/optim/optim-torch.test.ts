// optim-torch.test.ts — parity of nt.optim against torch.optim (torch 1.13 at /usr/bin/python3, the
// oracle nobody here wrote). Optimizers: the same initial parameters and a fixed sequence of
// gradients (made here with a seeded PRNG; one parameter gets a gradient only every other step, so
// skipped parameters are covered), 10 steps, every option combination; the parameters must agree
// after every step (1e-6 relative in float32), the state dicts must agree in structure and values,
// and a checkpoint must move both ways: torch resumes from nodetensor's state dict, nodetensor from
// torch's. Schedulers: every schedule's lr sequence over 30 steps over a dummy optimizer, compared
// exactly (bit for bit), plus OneCycleLR's momentum / beta1 and the state dict's keys and values.
// Everything torch computes comes from ONE run of test/optim/optim_torch.py.
// When `/usr/bin/python3 -c "import torch"` fails the file reports one SKIP saying why.
import { spawnSync } from 'child_process';
import * as path from 'path';
import test from 'tape';
import * as nt from '../../lib';

const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(__dirname, '..', '..', '..', 'test', 'optim', 'optim_torch.py');
const { lrScheduler } = nt.optim;

// ---------------------------------------------------------------- data

function prng(seed: number): () => number {  // mulberry32
  let a = (seed * 0x9e3779b1) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randn(r: () => number, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(scale * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
}

type DT = 'float32' | 'float64';
/** A tensor as both sides exchange it (JSON). */
interface T { __tensor__: true; dtype: DT; shape: number[]; data: number[] }
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const toNt = (x: T): nt.Tensor => nt.tensor(x.dtype === 'float64' ? Float64Array.from(x.data) : Float32Array.from(x.data), { shape: x.shape });
const fromNt = (t: nt.Tensor): T => ({ __tensor__: true, dtype: t.dtype as DT, shape: t.shape.slice(), data: Array.from(t.dataSync() as Float32Array) });
const isT = (v: unknown): v is T => v !== null && typeof v === 'object' && (v as T).__tensor__ === true;

/** An nt state dict as JSON (tensors as T), and back. */
function encSD(v: unknown): unknown {
  if (v instanceof nt.Tensor) return fromNt(v);
  if (Array.isArray(v)) return v.map(encSD);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encSD(x)]));
  return v;
}
function decSD(v: unknown): unknown {
  if (isT(v)) return toNt(v);
  if (Array.isArray(v)) return v.map(decSD);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decSD(x)]));
  return v;
}

const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const torchKwargs = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k === 'tMax' ? 'T_max' : toSnake(k), v]));

// ---------------------------------------------------------------- optimizer cases

type Cls = 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
interface OptCase { id: string; cls: Cls; opts: Record<string, unknown>; groups?: Record<string, unknown>[]; dtype?: DT }
const OPT_CASES: OptCase[] = [];
const O = (cls: Cls, opts: Record<string, unknown>, extra: Partial<OptCase> = {}): void => {
  OPT_CASES.push({ id: `${cls} ${JSON.stringify(opts)}${extra.groups ? ` groups ${JSON.stringify(extra.groups)}` : ''}${extra.dtype ? ` ${extra.dtype}` : ''}`, cls, opts, ...extra });
};

O('SGD', { lr: 0.1 });
O('SGD', { lr: 0.1, momentum: 0.9 });
O('SGD', { lr: 0.1, momentum: 0.9, dampening: 0.3 });
O('SGD', { lr: 0.05, momentum: 0.9, nesterov: true });
O('SGD', { lr: 0.1, weightDecay: 0.05 });
O('SGD', { lr: 0.1, maximize: true });
O('SGD', { lr: 0.1, momentum: 0.8, weightDecay: 0.01, maximize: true });
O('SGD', { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize: true });
O('Adam', {});
O('Adam', { lr: 0.01 });
O('Adam', { lr: 0.01, amsgrad: true });
O('Adam', { lr: 0.01, weightDecay: 0.1 });
O('Adam', { lr: 0.01, maximize: true });
O('Adam', { lr: 0.02, betas: [0.8, 0.9], eps: 1e-6 });
O('Adam', { lr: 0.01, amsgrad: true, weightDecay: 0.1, maximize: true });
O('AdamW', {});
O('AdamW', { lr: 0.01 });
O('AdamW', { lr: 0.01, weightDecay: 0.1, amsgrad: true });
O('AdamW', { lr: 0.01, weightDecay: 0 });
O('AdamW', { lr: 0.01, maximize: true, betas: [0.5, 0.99] });
O('RMSprop', {});
O('RMSprop', { lr: 0.01, momentum: 0.9 });
O('RMSprop', { lr: 0.01, centered: true });
O('RMSprop', { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1 });
O('RMSprop', { lr: 0.005, alpha: 0.9, eps: 1e-6 });
O('RMSprop', { lr: 0.01, maximize: true, weightDecay: 0.05 });
O('Adagrad', {});
O('Adagrad', { lr: 0.1, lrDecay: 0.1 });
O('Adagrad', { lr: 0.1, weightDecay: 0.1 });
O('Adagrad', { lr: 0.1, initialAccumulatorValue: 0.1 });
O('Adagrad', { lr: 0.1, eps: 1e-6, maximize: true });
// per-group options over the defaults
O('SGD', { lr: 0.1, momentum: 0.9 }, { groups: [{ params: [0] }, { params: [1, 2], lr: 0.01, momentum: 0.5, nesterov: true }] });
O('Adam', { lr: 0.01, amsgrad: true }, { groups: [{ params: [0, 2], lr: 0.05 }, { params: [1], weightDecay: 0.1, betas: [0.5, 0.9] }] });
O('RMSprop', { lr: 0.01 }, { groups: [{ params: [1] }, { params: [0], centered: true, momentum: 0.9 }, { params: [2], alpha: 0.5 }] });
// (not a per-group initialAccumulatorValue: torch 1.13 fills every group's `sum` from the constructor's
// value; nodetensor uses the group's — see test/optim/optim.test.ts)
O('Adagrad', { lr: 0.1, initialAccumulatorValue: 0.5 }, { groups: [{ params: [2, 0] }, { params: [1], lrDecay: 0.5, weightDecay: 0.1 }] });
// float64 parameters (state in float64 too)
O('Adam', { lr: 0.01, amsgrad: true }, { dtype: 'float64' });
O('SGD', { lr: 0.1, momentum: 0.9, nesterov: true }, { dtype: 'float64' });
O('RMSprop', { lr: 0.01, centered: true, momentum: 0.9 }, { dtype: 'float64' });

const SHAPES = [[3, 4], [5], [2, 3]];
const STEPS = 10, RESUME = 5;

interface OptRun {
  c: OptCase; params: T[]; grads: (T | null)[][]; ntParams: T[][]; ntState: unknown; ntParamsAtResume: T[]; error?: string;
}

function makeData(c: OptCase, seed: number): { params: T[]; grads: (T | null)[][] } {
  const r = prng(seed), dtype = c.dtype ?? 'float32';
  const t = (shape: number[], scale = 1): T => ({ __tensor__: true, dtype, shape, data: randn(r, numel(shape), scale) });
  const params = SHAPES.map((s) => t(s));
  const grads = Array.from({ length: STEPS }, (_, k) => SHAPES.map((s, i) => (i === 2 && k % 2 === 0 ? null : t(s, 0.5 + (k % 3)))));
  return { params, grads };
}

function makeOpt(c: OptCase, params: nt.Tensor[]): nt.optim.Optimizer {
  const C = nt.optim[c.cls] as unknown as new (p: unknown, o: unknown) => nt.optim.Optimizer;
  const spec = c.groups ? c.groups.map((g) => ({ ...g, params: (g.params as number[]).map((i) => params[i]) })) : params;
  return new C(spec, c.opts);
}

function ntSteps(opt: nt.optim.Optimizer, params: nt.Tensor[], grads: (T | null)[][]): T[][] {
  const out: T[][] = [];
  for (const step of grads) {
    params.forEach((p, i) => { if (p.grad) p.grad.dispose(); const g = step[i]; p.grad = g === null ? null : toNt(g); });
    opt.step();
    out.push(params.map(fromNt));
  }
  return out;
}

function runNt(c: OptCase, seed: number): OptRun {
  const { params, grads } = makeData(c, seed);
  const run: OptRun = { c, params, grads, ntParams: [], ntState: null, ntParamsAtResume: [] };
  const ps = params.map((p) => toNt(p).requiresGrad_());
  try {
    const opt = makeOpt(c, ps);
    run.ntParams = ntSteps(opt, ps, grads.slice(0, RESUME));
    run.ntState = encSD(opt.stateDict());
    run.ntParamsAtResume = ps.map(fromNt);
    run.ntParams.push(...ntSteps(opt, ps, grads.slice(RESUME)));
    opt.dispose();
  } catch (e) {
    run.error = (e as Error).stack ?? String(e);
  }
  for (const p of ps) { p.grad?.dispose(); p.dispose(); }
  return run;
}

let lastWorst = '';
/**
 * Max relative error between two tensors, counted against |torch's value| + 0.01 (so an error within
 * rtol·|b| + atol with atol = rtol/100, like allclose: values that cancelled to near zero are judged
 * on the scale of the update), or a string if they differ in form.
 */
function relErr(a: T, b: T): number | string {
  if (a.dtype !== b.dtype) return `dtype ${a.dtype} vs torch ${b.dtype}`;
  if (a.shape.join() !== b.shape.join()) return `shape [${a.shape}] vs torch [${b.shape}]`;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]) / (Math.abs(b.data[i]) + 1e-2);
    if (!(d <= m)) { m = Number.isNaN(d) ? Infinity : d; lastWorst = `element ${i}: ${a.data[i]} vs torch ${b.data[i]}`; }
  }
  return m;
}
const TOL: Record<DT, number> = { float32: 1e-6, float64: 1e-12 };

/** Compares parameter sequences: returns the problems (empty when they agree) and the max error. */
function compareSeq(got: T[][], want: T[][], tol: number, from = 0): { problems: string[]; max: number } {
  const problems: string[] = [];
  let max = 0;
  if (got.length !== want.length) problems.push(`${got.length} steps vs torch ${want.length}`);
  for (let k = 0; k < Math.min(got.length, want.length); k++) {
    for (let i = 0; i < want[k].length; i++) {
      const e = relErr(got[k][i], want[k][i]);
      if (typeof e === 'string') { problems.push(`step ${k + 1 + from} param ${i}: ${e}`); continue; }
      max = Math.max(max, e);
      if (e > tol) problems.push(`step ${k + 1 + from} param ${i}: relative error ${e.toExponential(2)} (${lastWorst})`);
    }
  }
  return { problems: problems.slice(0, 5), max };
}

const TORCH_ONLY = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

/** Compares our state dict (JSON form) with torch's: same params, keys, values. */
function compareState(ours: unknown, theirs: unknown, tol: number): string[] {
  const p: string[] = [];
  const a = ours as { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
  const b = theirs as typeof a;
  const ka = Object.keys(a.state).sort().join(), kb = Object.keys(b.state).sort().join();
  if (ka !== kb) p.push(`state for params [${ka}] vs torch [${kb}]`);
  for (const id of Object.keys(b.state)) {
    const sa = a.state[id] ?? {}, sb = b.state[id];
    const keysA = Object.keys(sa).join(), keysB = Object.keys(sb).join();
    if (keysA !== keysB) p.push(`state ${id}: keys ${keysA} vs torch ${keysB}`);
    for (const [k, vb] of Object.entries(sb)) {
      const va = sa[k];
      if (isT(vb) && vb.shape.length === 0) {  // torch's step tensor
        if (va !== vb.data[0]) p.push(`state ${id}.${k}: ${String(va)} vs torch ${vb.data[0]}`);
      } else if (isT(vb)) {
        if (!isT(va)) { p.push(`state ${id}.${k}: not a tensor`); continue; }
        const e = relErr(va, vb);
        if (typeof e === 'string' || e > tol) p.push(`state ${id}.${k}: ${typeof e === 'string' ? e : `relative error ${e.toExponential(2)}`}`);
      } else if (va !== vb) p.push(`state ${id}.${k}: ${JSON.stringify(va)} vs torch ${JSON.stringify(vb)}`);
    }
  }
  if (a.param_groups.length !== b.param_groups.length) p.push(`${a.param_groups.length} groups vs torch ${b.param_groups.length}`);
  a.param_groups.forEach((ga, i) => {
    const gb = b.param_groups[i] ?? {};
    const kA = Object.keys(ga).sort().join(), kB = Object.keys(gb).filter((k) => !TORCH_ONLY.has(k)).sort().join();
    if (kA !== kB) p.push(`group ${i}: keys ${kA} vs torch ${kB}`);
    for (const k of Object.keys(ga)) if (k in gb && JSON.stringify(ga[k]) !== JSON.stringify(gb[k])) p.push(`group ${i}.${k}: ${JSON.stringify(ga[k])} vs torch ${JSON.stringify(gb[k])}`);
  });
  return p.slice(0, 8);
}

// ---------------------------------------------------------------- scheduler cases

type SchedSpec =
  | { type: 'StepLR' | 'MultiStepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LinearLR' | 'OneCycleLR'; opts: Record<string, unknown> }
  | { type: 'LambdaLR'; py: string[]; js: ((e: number) => number)[] }
  | { type: 'SequentialLR'; schedulers: SchedSpec[]; milestones: number[] };
interface SchedCase { id: string; opt: { cls: Cls; opts: Record<string, unknown>; groupLrs: number[] }; sched: SchedSpec; steps: number }
const SCHED_CASES: SchedCase[] = [];
type OptSpec = SchedCase['opt'];
const sgd: OptSpec = { cls: 'SGD', opts: { lr: 0.1, momentum: 0.9 }, groupLrs: [0.1, 0.037] };
const adam: OptSpec = { cls: 'Adam', opts: {}, groupLrs: [0.003, 0.0007] };
const S = (sched: SchedSpec, opt = sgd, steps = 30): void => {
  const name = sched.type === 'LambdaLR' ? `LambdaLR ${sched.py.join(', ')}` : sched.type === 'SequentialLR'
    ? `SequentialLR [${sched.schedulers.map((s) => s.type).join(', ')}] at ${sched.milestones}` : `${sched.type} ${JSON.stringify(sched.opts)}`;
  SCHED_CASES.push({ id: `${name} (${opt.cls})`, opt, sched, steps });
};
S({ type: 'StepLR', opts: { stepSize: 7 } });
S({ type: 'StepLR', opts: { stepSize: 3, gamma: 0.7 } });
S({ type: 'MultiStepLR', opts: { milestones: [5, 12, 12, 20], gamma: 0.3 } });
S({ type: 'ExponentialLR', opts: { gamma: 0.93 } });
S({ type: 'CosineAnnealingLR', opts: { tMax: 10 } });
S({ type: 'CosineAnnealingLR', opts: { tMax: 7, etaMin: 0.001 } }, adam);
S({ type: 'LinearLR', opts: {} });
S({ type: 'LinearLR', opts: { startFactor: 0.1, endFactor: 0.9, totalIters: 12 } });
S({ type: 'LinearLR', opts: { startFactor: 1, endFactor: 0.05, totalIters: 25 } }, adam);
S({ type: 'LambdaLR', py: ['lambda e: 1.0 - e / 40'], js: [(e) => 1.0 - e / 40] });  // (no ** here: JS's and C's pow differ in the last bit)
S({ type: 'LambdaLR', py: ['lambda e: 1.0 / (1 + e)', 'lambda e: min(1.0, (e + 1) / 8)'], js: [(e) => 1.0 / (1 + e), (e) => Math.min(1.0, (e + 1) / 8)] });
S({ type: 'OneCycleLR', opts: { maxLr: 0.5, totalSteps: 30 } });
S({ type: 'OneCycleLR', opts: { maxLr: [0.01, 0.02], totalSteps: 30, pctStart: 0.25, annealStrategy: 'linear', threePhase: true } });
S({ type: 'OneCycleLR', opts: { maxLr: 0.01, epochs: 6, stepsPerEpoch: 5, divFactor: 10, finalDivFactor: 100, baseMomentum: 0.8, maxMomentum: 0.9 } }, adam);
S({ type: 'OneCycleLR', opts: { maxLr: 0.05, totalSteps: 40, cycleMomentum: false } }, { cls: 'Adagrad', opts: {}, groupLrs: [0.1] });
S({ type: 'SequentialLR', schedulers: [{ type: 'LinearLR', opts: { startFactor: 0.1, totalIters: 5 } }, { type: 'CosineAnnealingLR', opts: { tMax: 20 } }], milestones: [5] });
S({ type: 'SequentialLR', schedulers: [{ type: 'ExponentialLR', opts: { gamma: 0.9 } }, { type: 'StepLR', opts: { stepSize: 4, gamma: 0.5 } }, { type: 'LambdaLR', py: ['lambda e: 1.0 / (e + 1)'], js: [(e) => 1.0 / (e + 1)] }], milestones: [6, 15] }, adam);
S({ type: 'SequentialLR', schedulers: [{ type: 'LinearLR', opts: { startFactor: 0.5, totalIters: 3 } }, { type: 'MultiStepLR', opts: { milestones: [2, 8], gamma: 0.5 } }], milestones: [4] });

function pySpec(s: SchedSpec): unknown {
  if (s.type === 'LambdaLR') return { type: s.type, lambdas: s.py };
  if (s.type === 'SequentialLR') return { type: s.type, schedulers: s.schedulers.map(pySpec), milestones: s.milestones };
  return { type: s.type, kwargs: torchKwargs(s.opts) };
}
function ntSched(opt: nt.optim.Optimizer, s: SchedSpec): nt.optim.lrScheduler.Scheduler {
  if (s.type === 'LambdaLR') return new lrScheduler.LambdaLR(opt, { lrLambda: s.js.length === 1 ? s.js[0] : s.js });
  if (s.type === 'SequentialLR') {
    return new lrScheduler.SequentialLR(opt, { schedulers: s.schedulers.map((x) => ntSched(opt, x) as nt.optim.lrScheduler.LRScheduler), milestones: s.milestones });
  }
  const C = lrScheduler[s.type] as unknown as new (o: nt.optim.Optimizer, opts: unknown) => nt.optim.lrScheduler.Scheduler;
  return new C(opt, s.opts);
}
interface SchedOut { lrs: number[][]; last: number[][]; momentum: (number | null)[][]; state: Record<string, unknown> }
function runSchedNt(c: SchedCase): SchedOut {
  const ps = c.opt.groupLrs.map(() => nt.zeros([1]).requiresGrad_());
  const C = nt.optim[c.opt.cls] as unknown as new (p: unknown, o: unknown) => nt.optim.Optimizer;
  const opt = new C(ps.map((p, i) => ({ params: [p], lr: c.opt.groupLrs[i] })), c.opt.opts);
  const s = ntSched(opt, c.sched);
  const out: SchedOut = { lrs: [], last: [], momentum: [], state: {} };
  const record = (): void => {
    out.lrs.push(opt.paramGroups.map((g) => g.lr as number));
    out.last.push(s.getLastLr());
    out.momentum.push(opt.paramGroups.map((g) => ('betas' in g ? (g.betas as number[])[0] : (g.momentum as number | undefined) ?? null)));
  };
  record();
  for (let k = 0; k < c.steps; k++) { opt.step(); s.step(); record(); }
  out.state = s.stateDict();
  for (const p of ps) p.dispose();
  return out;
}

/** Deep equality of JSON values, numbers within `rel` relative (0: bit for bit). */
function same(a: unknown, b: unknown, rel: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= rel * Math.abs(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i], rel));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    return ka.join() === kb.join() && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rel));
  }
  return a === b;
}
/** Whether a schedule evaluates Math.cos (V8's fdlibm cos and glibc's differ in the last bit for some arguments). */
const usesCos = (s: SchedSpec): boolean => s.type === 'CosineAnnealingLR' || (s.type === 'OneCycleLR' && s.opts.annealStrategy !== 'linear')
  || (s.type === 'SequentialLR' && s.schedulers.some(usesCos));
const COS_REL = 1e-14;

/** Compares our scheduler state dict with torch's on the keys both have; lists keys only we have. */
function compareSchedState(a: Record<string, unknown>, b: Record<string, unknown>, rel: number, where = ''): string[] {
  const p: string[] = [];
  for (const [k, va] of Object.entries(a)) {
    if (!(k in b)) { if (k !== 'anneal_strategy') p.push(`${where}${k}: not in torch's state dict`); continue; }
    const vb = b[k];
    if (k === '_schedulers' && Array.isArray(va) && Array.isArray(vb)) {
      va.forEach((x, i) => p.push(...compareSchedState(x as Record<string, unknown>, vb[i] as Record<string, unknown>, rel, `${where}_schedulers[${i}].`)));
      continue;
    }
    if (!same(va, vb, rel)) p.push(`${where}${k}: ${JSON.stringify(va)} vs torch ${JSON.stringify(vb)}`);
  }
  return p;
}

// ---------------------------------------------------------------- tests

const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? `${PYTHON} could not run (${probe.error.message})` : `\`${PYTHON} -c "import torch"\` failed: ${(probe.stderr || '').trim().split('\n').pop()}`;
  test(`optim parity against PyTorch: ${why} (install Debian's python3-torch)`, { skip: true }, () => undefined);
  test.onFinish(() => console.log('# skip 1'));
} else {
  const runs = OPT_CASES.map((c, i) => runNt(c, 1000 + i));
  const schedNt = SCHED_CASES.map((c) => { try { return runSchedNt(c); } catch (e) { return (e as Error).stack ?? String(e); } });
  type OptRes = { params: T[][]; state: unknown; resumed: T[][] } | { error: string };
  type SchedRes = SchedOut | { error: string };
  let oracle: { torch: string; optim: Record<string, OptRes>; sched: Record<string, SchedRes> } | null = null;

  test('PyTorch oracle runs every optimizer and scheduler case in one process', (t) => {
    const ids = new Set<string>();
    for (const c of [...OPT_CASES, ...SCHED_CASES]) { if (ids.has(c.id)) t.fail(`duplicate case id ${c.id}`); ids.add(c.id); }
    const payload = {
      optim: runs.map((r) => ({
        id: r.c.id, cls: r.c.cls, kwargs: torchKwargs(r.c.opts), groups: r.c.groups ? r.c.groups.map(torchKwargs) : null,
        params: r.params, grads: r.grads, resume_at: RESUME, nt_state: r.ntState ?? { state: {}, param_groups: [] }, nt_params: r.ntParamsAtResume.length ? r.ntParamsAtResume : r.params,
      })),
      sched: SCHED_CASES.map((c) => ({ id: c.id, opt: { cls: c.opt.cls, kwargs: torchKwargs(c.opt.opts), group_lrs: c.opt.groupLrs }, sched: pySpec(c.sched), steps: c.steps })),
    };
    const t0 = Date.now();
    const r = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 300_000 });
    if (r.status !== 0) { t.fail(`optim_torch.py failed (exit ${r.status ?? r.signal}): ${(r.stderr || String(r.error ?? '')).slice(-2000)}`); t.end(); return; }
    oracle = JSON.parse(r.stdout);
    t.equal(Object.keys(oracle!.optim).length + Object.keys(oracle!.sched).length, OPT_CASES.length + SCHED_CASES.length,
      `torch ${oracle!.torch} answered ${OPT_CASES.length} optimizer and ${SCHED_CASES.length} scheduler cases in ${Date.now() - t0} ms`);
    t.end();
  });

  for (const cls of ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'] as Cls[]) {
    test(`parity: ${cls} — parameters after each of ${STEPS} steps, state dict, resuming from each other's checkpoint`, (t) => {
      if (!oracle) { t.fail('no oracle results'); t.end(); return; }
      for (const run of runs.filter((r) => r.c.cls === cls)) {
        const c = run.c, want = oracle.optim[c.id], tol = TOL[c.dtype ?? 'float32'];
        if (!want) { t.fail(`${c.id}: no torch result`); continue; }
        if ('error' in want) { t.fail(`${c.id}: torch raised ${want.error}`); continue; }
        if (run.error) { t.fail(`${c.id}: nodetensor threw ${run.error}`); continue; }
        const seq = compareSeq(run.ntParams, want.params, tol);
        t.ok(seq.problems.length === 0, `${c.id}: params after every step (max relative error ${seq.max.toExponential(2)})${seq.problems.length ? ` — ${seq.problems.join('; ')}` : ''}`);
        const st = compareState(run.ntState, want.state, tol * 10);
        t.ok(st.length === 0, `${c.id}: state dict after ${RESUME} steps matches torch's${st.length ? ` — ${st.join('; ')}` : ''}`);
        // torch resumed from our checkpoint (and params) at step RESUME: agrees with our own run
        const res = compareSeq(want.resumed, run.ntParams.slice(RESUME), tol, RESUME);
        t.ok(res.problems.length === 0, `${c.id}: torch resumed from nodetensor's state dict follows nodetensor (max ${res.max.toExponential(2)})${res.problems.length ? ` — ${res.problems.join('; ')}` : ''}`);
        // we resume from torch's checkpoint (and params) at step RESUME: agrees with torch's run
        const ps = want.params[RESUME - 1].map((p) => toNt(p).requiresGrad_());
        let mine: T[][] = [];
        const sd = decSD(want.state) as nt.optim.OptimizerStateDict;
        try {
          const opt = makeOpt(c, ps);
          opt.loadStateDict(sd);
          mine = ntSteps(opt, ps, run.grads.slice(RESUME));
          opt.dispose();
        } catch (e) { t.fail(`${c.id}: loading torch's state dict threw ${(e as Error).stack}`); }
        const back = compareSeq(mine, want.params.slice(RESUME), tol, RESUME);
        t.ok(back.problems.length === 0, `${c.id}: nodetensor resumed from torch's state dict follows torch (max ${back.max.toExponential(2)})${back.problems.length ? ` — ${back.problems.join('; ')}` : ''}`);
        for (const p of ps) { p.grad?.dispose(); p.dispose(); }
        for (const s of Object.values(sd.state)) for (const v of Object.values(s)) if (v instanceof nt.Tensor) v.dispose();
      }
      t.end();
    });
  }

  test(`parity: lr schedulers — the lr of every group at each of ~30 steps: bit for bit, or within ${COS_REL} relative where Math.cos enters`, (t) => {
    if (!oracle) { t.fail('no oracle results'); t.end(); return; }
    SCHED_CASES.forEach((c, i) => {
      const want = oracle!.sched[c.id], got = schedNt[i];
      if (!want) { t.fail(`${c.id}: no torch result`); return; }
      if ('error' in want) { t.fail(`${c.id}: torch raised ${want.error}`); return; }
      if (typeof got === 'string') { t.fail(`${c.id}: nodetensor threw ${got}`); return; }
      const rel = usesCos(c.sched) ? COS_REL : 0;
      const diff = (a: unknown[][], b: unknown[][], what: string): string[] => {
        const out: string[] = [];
        if (a.length !== b.length) out.push(`${what}: ${a.length} steps vs torch ${b.length}`);
        for (let k = 0; k < Math.min(a.length, b.length); k++) if (!same(a[k], b[k], rel)) out.push(`${what} at step ${k}: ${JSON.stringify(a[k])} vs torch ${JSON.stringify(b[k])}`);
        return out.slice(0, 3);
      };
      const d = [...diff(got.lrs, want.lrs, 'lr'), ...diff(got.last, want.last, 'getLastLr()'), ...diff(got.momentum, want.momentum, 'momentum')];
      t.ok(d.length === 0, `${c.id}: ${c.steps + 1} lrs${c.sched.type === 'OneCycleLR' ? ' and momenta' : ''} equal torch's${rel ? ` (within ${rel})` : ' (bit for bit)'}${d.length ? ` — ${d.join('; ')}` : ''}`);
      const sd = compareSchedState(got.state, want.state, rel);
      t.ok(sd.length === 0, `${c.id}: state dict keys and values match torch's${sd.length ? ` — ${sd.slice(0, 4).join('; ')}` : ''}`);
    });
    t.end();
  });
}
