// conformance.ts — the cross-device harness: runs each case on every available device, dtype and input
// layout, checks against the float64 reference with per-dtype tolerances, reports unavailable ops as
// skips (never passes) and records the kernel ops that ran, for zz-coverage. Not here: cases, math.
import test from 'tape';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nt from '../../lib';
import { OP_NAMES } from '../../lib/op-list';
import { DEVICES, NOT_IMPLEMENTED, skip, skipIn } from './devices';
import type { DeviceSlot } from './devices';
import * as ref from './reference';
import type { Nd } from './reference';

export type DType = nt.DType;
export type Tensor = nt.Tensor;
export { ref };
export type { Nd };

export const FLOATS: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];
export const INTS: readonly DType[] = ['int32', 'int64'];
export const ALL_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];
/** The conformance families; zz-coverage waits for a record from each. */
export const FAMILIES = ['attention', 'creation', 'elementwise', 'indexing', 'linalg', 'reduce', 'views'];

export const isFloat = (dt: DType): boolean => dt === 'float32' || dt === 'float64' || dt === 'float16' || dt === 'bfloat16';
export const isExact = (dt: DType): boolean => !isFloat(dt);

// ---------------------------------------------------------------- devices (devices.ts: which, and skip reporting)

export { DEVICES };
export type { DeviceSlot };

// ---------------------------------------------------------------- coverage recording

// Every kernel submission goes through lib/dispatch's exported submit(); the ops modules call it
// through the module object (CommonJS), so wrapping the export sees each kernel op and device.
interface DispatchModule { submit: (op: number, key: number, nviews: number) => void }
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dispatchMod = require('../../lib/dispatch') as DispatchModule;
const exercised = new Map<string, Set<string>>();  // device -> kernel ops that ran
const notImplemented = new Map<string, Map<string, string>>();  // device -> op -> message
let recording = false;
let instrumented = false;
let family = '';

function deviceOfKey(key: number): string {
  const b = key >> 8, i = key & 255;
  return b === 0 ? 'cpu' : b === 1 ? `cuda:${i}` : `npu:${i}`;
}

try {
  const orig = dispatchMod.submit;
  if (typeof orig === 'function') {
    dispatchMod.submit = function submit(op: number, key: number, nviews: number): void {
      orig(op, key, nviews);
      if (recording) {
        const dev = deviceOfKey(key);
        let s = exercised.get(dev);
        if (!s) { s = new Set(); exercised.set(dev, s); }
        s.add(OP_NAMES[op] ?? `op#${op}`);
      }
    };
    instrumented = dispatchMod.submit !== orig;
  }
} catch { instrumented = false; }

/** Where this test run's records go: one folder per run-tests.js process (the parent of each file). */
export function recordDir(): string { return path.join(os.tmpdir(), `nodetensor-conformance-${process.ppid}`); }

export interface FamilyRecord {
  family: string;
  instrumented: boolean;
  devices: Record<string, { available: boolean; reason: string; exercised: string[]; notImplemented: Record<string, string> }>;
}

function writeRecord(): void {
  if (!family) return;
  const rec: FamilyRecord = { family, instrumented, devices: {} };
  for (const d of DEVICES) {
    rec.devices[d.name] = {
      available: d.available, reason: d.reason,
      exercised: [...(exercised.get(d.name) ?? [])].sort(),
      notImplemented: Object.fromEntries(notImplemented.get(d.name) ?? []),
    };
  }
  try {
    fs.mkdirSync(recordDir(), { recursive: true });
    fs.writeFileSync(path.join(recordDir(), `${family}.json`), JSON.stringify(rec, null, 1));
  } catch { /* the coverage table will say this family did not report */ }
}

// ---------------------------------------------------------------- deterministic inputs

/** A PRNG returning floats in [0, 1). */
export type Rng = () => number;

export function rngFrom(seed: string): Rng {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) { h ^= seed.charCodeAt(i); h = Math.imul(h, 16777619); }
  let a = h >>> 0;
  return () => {  // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value generator; its result is coerced to the input's dtype (rounded for ints, != 0 for bool). */
export type Gen = (r: Rng, dt: DType) => number;

export const G = {
  uniform: (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r(),
  ints: (lo: number, hi: number): Gen => (r) => lo + Math.floor(r() * (hi - lo + 1)),
  pick: (vals: readonly number[]): Gen => (r) => vals[Math.floor(r() * vals.length)],
  /** With probability p use a, else b. */
  mix: (p: number, a: Gen, b: Gen): Gen => (r, dt) => (r() < p ? a(r, dt) : b(r, dt)),
  /** Multiples of 1/q in [lo, hi]: exact in every float dtype for small q. */
  grid: (lo: number, hi: number, q: number): Gen => (r) => (Math.round(lo * q) + Math.floor(r() * (Math.round((hi - lo) * q) + 1))) / q,
  /** g, redrawn while |value| < minAbs. */
  away: (g: Gen, minAbs: number): Gen => (r, dt) => { for (;;) { const v = g(r, dt); if (Math.abs(v) >= minAbs) return v; } },
  /** Float dtypes use f, the others i. */
  byKind: (f: Gen, i: Gen): Gen => (r, dt) => (isFloat(dt) ? f(r, dt) : i(r, dt)),
};

export function defaultGen(dt: DType): Gen {
  if (isFloat(dt)) return G.uniform(-3, 3);
  if (dt === 'uint8') return G.ints(0, 30);
  if (dt === 'bool') return G.ints(0, 1);
  return G.ints(-20, 20);
}

function coerce(dt: DType, v: number): number {
  if (isFloat(dt)) return v;
  if (dt === 'bool') return v !== 0 ? 1 : 0;
  if (dt === 'uint8') return Math.min(255, Math.max(0, Math.round(v)));
  return Math.round(v);
}

// ---------------------------------------------------------------- tolerances

/** |got - exp| <= atol + rtol * max(|exp|, scale), or with stol: atol + rtol * |exp| + stol * scale. */
export interface Tol { rtol: number; atol: number; stol?: number }
/** simple: one rounding; transc: library math functions; reduce: accumulations (use a scale). */
export type TolKind = 'exact' | 'simple' | 'transc' | 'reduce' | Tol;

const TOL: Record<'simple' | 'transc' | 'reduce', Partial<Record<DType, [number, number]>>> = {
  simple: { float64: [1e-12, 1e-12], float32: [1e-5, 1e-6], float16: [2e-3, 1e-3], bfloat16: [1.6e-2, 1e-2] },
  transc: { float64: [1e-9, 1e-12], float32: [2e-5, 2e-6], float16: [3e-3, 2e-3], bfloat16: [2e-2, 2e-2] },
  reduce: { float64: [1e-9, 1e-10], float32: [2e-5, 1e-5], float16: [4e-3, 4e-3], bfloat16: [3e-2, 3e-2] },
};

export function tolFor(dt: DType, kind: TolKind = 'simple'): Tol {
  if (typeof kind === 'object') return kind;
  if (kind === 'exact' || !isFloat(dt)) return { rtol: 0, atol: 0 };
  const [rtol, atol] = TOL[kind][dt]!;
  return { rtol, atol };
}

function fmt(v: number): string { return Number.isInteger(v) ? String(v) : v.toPrecision(8); }

/** Compares values; returns null when they match, else a description of the mismatches. */
export function compareValues(got: ArrayLike<number>, exp: Nd, tol: Tol, scale?: Nd): string | null {
  let bad = 0, first = '', worst = 0;
  for (let i = 0; i < exp.data.length; i++) {
    const g = got[i], e = exp.data[i];
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(g);
    else if (!Number.isFinite(e)) ok = g === e;
    else {
      const sc = scale ? Math.abs(scale.data[i]) : 0;
      const lim = tol.stol === undefined ? tol.atol + tol.rtol * Math.max(Math.abs(e), sc) : tol.atol + tol.rtol * Math.abs(e) + tol.stol * sc;
      const err = Math.abs(g - e);
      ok = err <= lim;  // false for NaN g
      if (!ok && Number.isFinite(err)) worst = Math.max(worst, lim ? err / lim : err);
    }
    if (!ok) {
      if (!bad) first = `at [${ref.unravel(i, exp.shape).join(', ')}] got ${fmt(g)}, expected ${fmt(e)}`;
      bad++;
    }
  }
  if (!bad) return null;
  return `${bad} of ${exp.data.length} values differ; first ${first} (rtol ${tol.rtol}, atol ${tol.atol}${tol.stol !== undefined ? `, stol ${tol.stol}` : ''}${worst ? (tol.rtol || tol.atol ? `, worst error ${worst.toPrecision(3)}x the tolerance` : `, worst error ${worst.toPrecision(3)}`) : ''})`;
}

/** A tensor's values as numbers without copying when possible (int64 via Number). */
export function readValues(x: Tensor): ArrayLike<number> {
  const d = x.dataSync() as ArrayLike<number | bigint>;
  if (!(d instanceof BigInt64Array)) return d as ArrayLike<number>;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** A tensor's values as plain numbers (int64 via Number, bool 0/1, 16-bit floats widened). */
export function readNumbers(x: Tensor): number[] {
  const d = x.dataSync() as ArrayLike<number | bigint>;
  if (!(d instanceof BigInt64Array)) return Array.from(d as ArrayLike<number>);
  const out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

// ---------------------------------------------------------------- the case context

export type Layout = 'contig' | 'strided' | 'transposed' | 'sliced' | 'expanded';

/** An input: the tensor on the device and its exact logical values. */
export interface In { t: Tensor; r: Nd }

export interface InputOpts { dtype?: DType; layout?: Layout; gen?: Gen; values?: readonly number[] }

export interface CheckOpts {
  /** Expected dtype (default: the case's dtype); null to not check it. */
  dtype?: DType | null;
  tol?: TolKind;
  /** Per-element magnitude for the relative tolerance (e.g. sum of |x| for reductions). */
  scale?: Nd;
  msg?: string;
}

export class Ctx {
  private n = 0;
  constructor(readonly t: test.Test, readonly device: string, readonly dtype: DType, readonly layout: Layout, readonly label: string, private readonly seed: string) {}

  /** A fresh deterministic PRNG (same sequence on every device). */
  rng(): Rng { return rngFrom(`${this.seed}#${this.n++}`); }

  /** { dtype, device } for factory functions. */
  opts(dtype: DType = this.dtype): { dtype: DType; device: string } { return { dtype, device: this.device }; }

  /** A contiguous tensor with exactly these values (coerced to the dtype) on this device. */
  upload(values: Nd | readonly number[], dtype: DType = this.dtype): Tensor {
    const a = Array.isArray(values) ? ref.nd([values.length], values as number[]) : (values as Nd);
    const host = new Float64Array(a.data.length);
    for (let i = 0; i < host.length; i++) host[i] = coerce(dtype, a.data[i]);
    return nt.tensor(host, { shape: a.shape, dtype, device: this.device });
  }

  /** The tensor's shape and values. */
  read(x: Tensor): Nd { return ref.nd(x.shape.slice(), readNumbers(x)); }

  /**
   * An input of the given logical shape laid out as `layout` (default: the case's): contiguous, or a
   * non-contiguous view of a bigger base (transposed, stepped slice, expanded). Values come from the
   * PRNG (or `values`, cycled) and are rounded to the dtype first, so the reference is exact.
   */
  input(shape: number[], o: InputOpts = {}): In {
    const dt = o.dtype ?? this.dtype;
    let lay = o.layout ?? this.layout;
    const nd = shape.length, total = ref.numel(shape);
    if (lay === 'strided') lay = nd >= 2 ? 'transposed' : 'sliced';
    const big = (d: number): boolean => shape[d] > 1;
    const lastBig = (() => { for (let d = nd - 1; d >= 0; d--) if (big(d)) return d; return nd - 1; })();
    if (lay === 'transposed' && (nd < 2 || !(big(nd - 1) && big(nd - 2)))) lay = 'sliced';
    if (lay === 'sliced' && nd === 0) lay = 'contig';
    if (lay === 'expanded' && !shape.some((_, d) => big(d))) lay = 'contig';
    let baseShape = shape.slice();
    let sliceDim = -1, expDim = -1;
    if (lay === 'transposed') [baseShape[nd - 1], baseShape[nd - 2]] = [shape[nd - 2], shape[nd - 1]];
    else if (lay === 'sliced') { sliceDim = lastBig; baseShape[sliceDim] = 2 * shape[sliceDim] + 1; }
    else if (lay === 'expanded') { expDim = shape.findIndex((_, d) => big(d)); baseShape[expDim] = 1; }
    const r = this.rng();
    const gen = o.gen ?? defaultGen(dt);
    const count = ref.numel(baseShape);
    const vals = new Array<number>(count);
    // Values are rounded to the dtype here, so the upload stores them exactly and the reference
    // knows them without a read-back (reads are the slow part of the suite; views.test checks uploads).
    for (let i = 0; i < count; i++) vals[i] = ref.roundTo(dt, coerce(dt, o.values ? o.values[i % o.values.length] : gen(r, dt)));
    const baseRef = ref.nd(baseShape, vals);
    const base = this.upload(baseRef, dt);
    let t: Tensor, rv: Nd;
    if (lay === 'transposed') { t = base.transpose(-1, -2); rv = ref.transpose(baseRef, -1, -2); }
    else if (lay === 'sliced') { t = base.slice(sliceDim, 1, null, 2); rv = ref.slice(baseRef, sliceDim, 1, undefined, 2); }
    else if (lay === 'expanded') { t = base.expand(shape); rv = ref.expand(baseRef, shape); }
    else { t = base; rv = baseRef; }
    if (lay !== 'contig' && total > 1 && t.isContiguous()) this.t.fail(`${this.label}: harness: the ${lay} input of shape [${shape}] is contiguous`);
    return { t, r: rv };
  }

  /** One assertion: got has exp's shape, the expected dtype, this device, and values within tolerance. */
  check(got: unknown, exp: Nd, o: CheckOpts = {}): boolean {
    const what = `${this.label}${o.msg ? `: ${o.msg}` : ''}`;
    if (!(got instanceof nt.Tensor)) { this.t.fail(`${what}: expected a Tensor, got ${typeof got}`); return false; }
    const wantDt = o.dtype === undefined ? this.dtype : o.dtype;
    const problems: string[] = [];
    if (wantDt !== null && got.dtype !== wantDt) problems.push(`dtype ${got.dtype}, expected ${wantDt}`);
    if (got.device !== this.device) problems.push(`device ${got.device}, expected ${this.device}`);
    if (got.shape.length !== exp.shape.length || got.shape.some((v, i) => v !== exp.shape[i])) problems.push(`shape [${got.shape}], expected [${exp.shape}]`);
    else {
      const diff = compareValues(readValues(got), exp, tolFor(got.dtype, o.tol ?? 'simple'), o.scale);
      if (diff) problems.push(diff);
    }
    this.t.ok(problems.length === 0, problems.length ? `${what} — ${problems.join('; ')}` : what);
    return problems.length === 0;
  }

  ok(cond: unknown, msg: string): void { this.t.ok(cond, `${this.label}: ${msg}`); }
  equal<T>(a: T, b: T, msg: string): void { this.t.equal(a, b, `${this.label}: ${msg}`); }
  deepEqual<T>(a: T, b: T, msg: string): void { this.t.deepEqual(a, b, `${this.label}: ${msg}`); }
  throws(fn: () => unknown, re: RegExp, msg: string): void { this.t.throws(fn, re, `${this.label}: ${msg}`); }
}

// ---------------------------------------------------------------- running a family

export interface Case {
  /** The public op the case is about (named in skips). */
  op: string;
  /** What the case covers beyond the op name. */
  name?: string;
  /** Dtypes to run (default ['float32']). */
  dtypes?: readonly DType[];
  /** Input layouts to run (default contiguous and a strided view). */
  layouts?: readonly Layout[];
  run(c: Ctx): void | Promise<void>;
}

/** Registers one tape test per (case, device); call once per family file. */
export function suite(name: string, cases: readonly Case[]): void {
  if (family) throw new Error(`conformance: one suite per file (${family}, ${name})`);
  family = name;
  process.on('exit', writeRecord);
  const announced = new Set<string>();
  for (const dev of DEVICES) {
    if (!dev.available) test(`${name}: ${dev.name} is unavailable: ${dev.reason}`, { skip: true }, () => {});
    for (const cs of cases) {
      const title = `${name}: ${cs.op}${cs.name ? ` ${cs.name}` : ''} [${dev.name}]`;
      if (!dev.available) {
        const key = `${cs.op}@${dev.name}`;
        if (!announced.has(key)) {
          announced.add(key);
          skip(`${name}: ${cs.op} on ${dev.name}: backend unavailable`);
        }
        continue;
      }
      test(title, async (t) => {
        const skipped = new Set<string>();
        for (const dt of cs.dtypes ?? ['float32']) {
          for (const lay of cs.layouts ?? ['contig', 'strided']) {
            const label = `${cs.op}${cs.name ? ` ${cs.name}` : ''} ${dt} ${lay} ${dev.name}`;
            const ctx = new Ctx(t, dev.name, dt, lay, label, `${name}/${cs.op}/${cs.name ?? ''}/${dt}/${lay}`);
            recording = true;
            try {
              const r = nt.tidy(() => cs.run(ctx));
              if (r && typeof (r as Promise<void>).then === 'function') await r;
              nt.synchronize(dev.name);
            } catch (e) {
              const msg = e instanceof Error ? e.message : String(e);
              const m = NOT_IMPLEMENTED.exec(msg);
              if (m) {
                let s = notImplemented.get(dev.name);
                if (!s) { s = new Map(); notImplemented.set(dev.name, s); }
                s.set(m[1], msg);
                const key = `${m[1]}/${dt}`;
                if (!skipped.has(key)) {
                  skipped.add(key);
                  skipIn(t, `${cs.op} (${dt}) on ${dev.name}: kernel op '${m[1]}' not available: ${msg}`);
                }
              } else {
                t.fail(`${label}: threw ${e instanceof Error ? e.stack : msg}`);
                try { nt.synchronize(dev.name); } catch { /* a queued error of this case; already reported */ }
              }
            } finally {
              recording = false;
            }
          }
        }
      });
    }
  }
}

/** Whether kernel submissions are being recorded (lib/dispatch's submit could be wrapped). */
export function isInstrumented(): boolean { return instrumented; }
