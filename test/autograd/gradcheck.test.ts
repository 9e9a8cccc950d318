// gradcheck.test.ts — every declared gradient rule (nt.autograd's rule table) checked against central
// finite differences, with non-contiguous (transposed, sliced) and broadcast inputs, on every
// available device (test/helpers/devices.ts): in float64 on cpu and cuda:0; in float32 on npu:0
// (CANN has float64 for few ops) with a wider step and a looser tolerance. An absent device is one
// skip line; a rule whose ops a device does not implement is a skip naming the op and the device.
// A rule with no case here fails the coverage test, so a new op with a gradient can't go unchecked.
// Not here: autograd semantics and errors (autograd.test.ts), parity with PyTorch (test/nn).
import test from 'tape';
import * as nt from '../../lib';
import { RULES } from '../../lib/autograd';
import { devicesFor, skippedAsNotImplemented } from '../helpers/devices';
import type { DeviceSlot } from '../helpers/devices';

type Layout = 'c' | 't' | 'slice' | 'bcast';
interface In { shape: number[]; layout?: Layout; lo?: number; hi?: number; int?: boolean }
interface Case { rule: string; name: string; inputs: In[]; f: (...xs: nt.Tensor[]) => nt.Tensor; eps?: number }

let seed = 7;
function rnd(): number { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }

/** How the checks run on one device: dtype, finite-difference step and tolerance (max relative error). */
interface Mode { device: string; dtype: 'float64' | 'float32'; eps: number; tol: number; wideTol: number; round: (v: number) => number }
function modeFor(d: DeviceSlot): Mode {
  // float32: each op's own rounding (~1e-7 |y|) over a 2e-3 step, and an O(step^2) truncation term;
  // the worst correct rule is at ~3e-4 here, and a 1% error in a gradient of 0.3 is 3e-3.
  if (d.backend === 'npu') return { device: d.name, dtype: 'float32', eps: 1e-3, tol: 1e-3, wideTol: 1e-3, round: Math.fround };
  return { device: d.name, dtype: 'float64', eps: 1e-6, tol: 1e-5, wideTol: 1e-4, round: (v) => v };
}
// The device and dtype the running case builds its tensors on (cases make index and constant tensors).
let M: Mode = modeFor({ name: 'cpu', backend: 'cpu', available: true, reason: '' });
const idx = (v: number[] | number[][]): nt.Tensor => nt.tensor(v, { device: M.device });
const zerosF = (shape: number[]): nt.Tensor => nt.zeros(shape, { dtype: M.dtype, device: M.device });

/** A leaf (the mode's dtype and device) plus the (possibly non-contiguous) tensor the op sees. */
function makeInput(spec: In, data?: Float64Array): { leaf: nt.Tensor; x: nt.Tensor; data: Float64Array } {
  const lo = spec.lo ?? -1, hi = spec.hi ?? 1;
  const layout = spec.layout ?? 'c';
  let leafShape = spec.shape.slice();
  if (layout === 't') leafShape = spec.shape.slice().reverse();
  if (layout === 'slice') leafShape = [...spec.shape.slice(0, -1), spec.shape[spec.shape.length - 1] * 2];
  if (layout === 'bcast') leafShape = [1, ...spec.shape.slice(1)];
  const n = leafShape.reduce((a, b) => a * b, 1);
  const d = data ?? Float64Array.from({ length: n }, () => M.round(lo + (hi - lo) * rnd()));
  const leaf = nt.tensor(d, { dtype: M.dtype, shape: leafShape, requiresGrad: true, device: M.device });
  let x = leaf;
  if (layout === 't') x = leaf.permute(leafShape.map((_, i) => leafShape.length - 1 - i));
  if (layout === 'slice') x = leaf.slice(-1, 0, null, 2);
  if (layout === 'bcast') x = leaf.expand(spec.shape);
  return { leaf, x, data: d };
}

const I = (shape: number[], o: Partial<In> = {}): In => ({ shape, ...o });
const pos = { lo: 0.5, hi: 2 };
const CASES: Case[] = [
  // elementwise unary
  { rule: 'NegBackward', name: 'neg', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.neg() },
  { rule: 'AbsBackward', name: 'abs', inputs: [I([3, 4], { layout: 'slice' })], f: (x) => x.abs() },
  { rule: 'SignBackward', name: 'sign', inputs: [I([5])], f: (x) => x.sign() },
  { rule: 'FloorBackward', name: 'floor', inputs: [I([5], { lo: 0.1, hi: 0.9 })], f: (x) => x.floor() },
  { rule: 'CeilBackward', name: 'ceil', inputs: [I([5], { lo: 0.1, hi: 0.9 })], f: (x) => x.ceil() },
  { rule: 'RoundBackward', name: 'round', inputs: [I([5], { lo: 0.1, hi: 0.4 })], f: (x) => x.round() },
  { rule: 'ExpBackward', name: 'exp', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.exp() },
  { rule: 'LogBackward', name: 'log', inputs: [I([3, 4], { ...pos, layout: 'slice' })], f: (x) => x.log() },
  { rule: 'Log1pBackward', name: 'log1p', inputs: [I([6], pos)], f: (x) => x.log1p() },
  { rule: 'Expm1Backward', name: 'expm1', inputs: [I([6])], f: (x) => x.expm1() },
  { rule: 'SqrtBackward', name: 'sqrt', inputs: [I([2, 3], { ...pos, layout: 't' })], f: (x) => x.sqrt() },
  { rule: 'RsqrtBackward', name: 'rsqrt', inputs: [I([6], pos)], f: (x) => x.rsqrt() },
  { rule: 'PowBackward', name: 'square', inputs: [I([2, 3], { layout: 't' })], f: (x) => x.square() },
  { rule: 'ReciprocalBackward', name: 'reciprocal', inputs: [I([6], pos)], f: (x) => x.reciprocal() },
  { rule: 'SinBackward', name: 'sin', inputs: [I([6])], f: (x) => x.sin() },
  { rule: 'CosBackward', name: 'cos', inputs: [I([6])], f: (x) => x.cos() },
  { rule: 'TanBackward', name: 'tan', inputs: [I([6])], f: (x) => x.tan() },
  { rule: 'TanhBackward', name: 'tanh', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.tanh() },
  { rule: 'SigmoidBackward', name: 'sigmoid', inputs: [I([6])], f: (x) => x.sigmoid() },
  { rule: 'ReluBackward', name: 'relu', inputs: [I([3, 4], { layout: 'slice' })], f: (x) => x.relu() },
  { rule: 'GeluBackward', name: 'gelu', inputs: [I([6], { lo: -3, hi: 3 })], f: (x) => x.gelu() },
  { rule: 'GeluBackward', name: 'gelu tanh', inputs: [I([6], { lo: -3, hi: 3 })], f: (x) => x.gelu({ approximate: 'tanh' }) },
  { rule: 'SiluBackward', name: 'silu', inputs: [I([6], { lo: -3, hi: 3 })], f: (x) => x.silu() },
  { rule: 'SoftplusBackward', name: 'softplus', inputs: [I([6], { lo: -3, hi: 3 })], f: (x) => x.softplus({ beta: 2, threshold: 3 }) },
  { rule: 'ErfBackward', name: 'erf', inputs: [I([6])], f: (x) => x.erf() },
  { rule: 'ClampBackward', name: 'clamp', inputs: [I([8], { lo: -2, hi: 2 })], f: (x) => x.clamp(-0.7, 0.9) },
  // binary (broadcast and scalar operands)
  { rule: 'AddBackward', name: 'add bcast', inputs: [I([3, 4], { layout: 't' }), I([4])], f: (a, b) => a.add(b, { alpha: 2 }) },
  { rule: 'SubBackward', name: 'sub bcast', inputs: [I([3, 1]), I([3, 4], { layout: 'bcast' })], f: (a, b) => a.sub(b, { alpha: 3 }) },
  { rule: 'MulBackward', name: 'mul', inputs: [I([3, 4], { layout: 'slice' }), I([3, 4], { layout: 't' })], f: (a, b) => a.mul(b) },
  { rule: 'MulBackward', name: 'mul scalar', inputs: [I([5])], f: (a) => nt.mul(2.5, a) },
  { rule: 'DivBackward', name: 'div', inputs: [I([3, 4]), I([4], pos)], f: (a, b) => a.div(b) },
  { rule: 'DivBackward', name: 'scalar / t', inputs: [I([5], pos)], f: (b) => nt.div(3, b) },
  { rule: 'PowBackward', name: 'pow t^t', inputs: [I([5], pos), I([5])], f: (a, b) => a.pow(b) },
  { rule: 'PowBackward', name: 'pow t^s', inputs: [I([5], pos)], f: (a) => a.pow(2.5) },
  { rule: 'PowBackward', name: 'pow s^t', inputs: [I([5])], f: (b) => nt.pow(1.7, b) },
  { rule: 'MaximumBackward', name: 'maximum', inputs: [I([6]), I([6])], f: (a, b) => a.maximum(b) },
  { rule: 'MinimumBackward', name: 'minimum', inputs: [I([2, 3]), I([3])], f: (a, b) => a.minimum(b) },
  { rule: 'WhereBackward', name: 'where', inputs: [I([6]), I([6])], f: (a, b) => nt.where(a.detach().gt(0), a, b) },
  { rule: 'MaskedFillBackward', name: 'maskedFill', inputs: [I([2, 3])], f: (a) => a.maskedFill(a.detach().lt(0), 0.5) },
  // views
  { rule: 'ViewBackward', name: 'reshape', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.reshape([2, 6]).mul(x.reshape([2, 6])) },
  { rule: 'AliasBackward', name: 'alias', inputs: [I([4])], f: (x) => x.alias().square() },
  { rule: 'PermuteBackward', name: 'permute', inputs: [I([2, 3, 2])], f: (x) => x.permute([2, 0, 1]).cumsum(2) },
  { rule: 'TransposeBackward', name: 'transpose', inputs: [I([3, 4])], f: (x) => x.transpose(0, 1).cumsum(1) },
  { rule: 'ExpandBackward', name: 'expand', inputs: [I([3, 1])], f: (x) => x.expand([2, 3, 4]).cumsum(2) },
  { rule: 'SliceBackward', name: 'narrow+slice+select', inputs: [I([4, 5])], f: (x) => x.narrow(0, 1, 2).slice(1, 0, null, 2).select(1, 1).square() },
  // convert, joins
  // the other float dtype in the middle: a wide step (exact for this quadratic) keeps rounding out of the difference
  { rule: 'ToCopyBackward', name: 'to the other float dtype and back', inputs: [I([4])], f: (x) => x.to(M.dtype === 'float64' ? 'float32' : 'float64').to(M.dtype).square(), eps: 1e-2 },
  { rule: 'CloneBackward', name: 'clone/contiguous', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.contiguous().clone().square() },
  { rule: 'CatBackward', name: 'cat/stack', inputs: [I([2, 3]), I([1, 3])], f: (a, b) => nt.stack([nt.cat([a, b], 0).square(), nt.cat([b, a], 0)], 1) },
  { rule: 'CopyBackwards', name: 'copy_', inputs: [I([3])], f: (x) => { const y = zerosF([2, 3]); y.copy_(x.square()); return y; } },
  { rule: 'FillBackward', name: 'fill_', inputs: [I([3])], f: (x) => { const y = x.mul(2); y.fill_(1); return y.add(x); } },
  // reductions
  { rule: 'SumBackward', name: 'sum dims', inputs: [I([2, 3, 4], { layout: 't' })], f: (x) => x.sum([0, 2], true).square() },
  { rule: 'SumBackward', name: 'mean', inputs: [I([3, 4])], f: (x) => x.mean(1).square() },
  { rule: 'ProdBackward', name: 'prod dim', inputs: [I([3, 4], pos)], f: (x) => x.prod(1) },
  { rule: 'ProdBackward', name: 'prod all', inputs: [I([5], pos)], f: (x) => x.prod() },
  { rule: 'AmaxBackward', name: 'amax/amin', inputs: [I([3, 4])], f: (x) => x.amax(1).add(x.amin(0).sum()) },
  { rule: 'VarBackward', name: 'var', inputs: [I([3, 5], { layout: 'slice' })], f: (x) => x.var(1) },
  { rule: 'VarBackward', name: 'std', inputs: [I([3, 5])], f: (x) => x.std(0, { correction: 0, keepdim: true }) },
  { rule: 'IndexBackward', name: 'max dim / sort / topk', inputs: [I([3, 5])], f: (x) => x.max(1).values.add(x.sort(0).values.sum(0).sum()).add(x.topk(2, 1).values.sum(1)) },
  { rule: 'SoftmaxBackward', name: 'softmax', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.softmax(1).square() },
  { rule: 'LogSoftmaxBackward', name: 'logSoftmax', inputs: [I([3, 4])], f: (x) => x.logSoftmax(0) },
  { rule: 'CumsumBackward', name: 'cumsum', inputs: [I([3, 4])], f: (x) => x.cumsum(1).square() },
  { rule: 'CumprodBackward', name: 'cumprod', inputs: [I([3, 4], pos)], f: (x) => x.cumprod(1) },
  // linear algebra
  { rule: 'MmBackward', name: 'matmul 2d', inputs: [I([3, 4], { layout: 't' }), I([4, 2])], f: (a, b) => a.matmul(b) },
  { rule: 'MmBackward', name: 'matmul batched bcast', inputs: [I([2, 3, 4]), I([4, 2])], f: (a, b) => a.matmul(b) },
  { rule: 'MmBackward', name: 'matmul 1d', inputs: [I([4]), I([2, 4, 3])], f: (a, b) => a.matmul(b) },
  { rule: 'MmBackward', name: 'matmul vec', inputs: [I([3, 4]), I([4])], f: (a, b) => a.matmul(b) },
  // indexing
  { rule: 'IndexSelectBackward', name: 'indexSelect', inputs: [I([4, 3])], f: (x) => x.indexSelect(0, idx([2, 0, 2])) },
  { rule: 'GatherBackward', name: 'gather', inputs: [I([3, 4])], f: (x) => x.gather(1, idx([[0, 0], [3, 1], [2, 2]])) },
  { rule: 'ScatterBackward', name: 'scatter', inputs: [I([3, 4]), I([3, 2])], f: (x, s) => x.scatter(1, idx([[0], [3], [2]]), s) },
  { rule: 'ScatterAddBackward', name: 'scatterAdd', inputs: [I([3, 4]), I([3, 2])], f: (x, s) => x.scatterAdd(1, idx([[0, 0], [3, 1], [2, 2]]), s) },
  { rule: 'IndexAddBackward', name: 'indexAdd', inputs: [I([4, 2]), I([3, 2])], f: (x, s) => x.indexAdd(0, idx([1, 1, 3]), s, { alpha: 2 }) },
  { rule: 'TakeBackward', name: 'take', inputs: [I([3, 4])], f: (x) => x.take(idx([0, -1, 5, 5])) },
  // attention (the fused kernels on the CPU; 't' and 'slice' inputs are copied for them, 'bcast' folds as stride 0)
  { rule: 'ScaledDotProductFlashAttentionBackward', name: 'sdpa', inputs: [I([2, 2, 3, 4], { layout: 't' }), I([2, 2, 5, 4]), I([2, 2, 5, 3], { layout: 'slice' })],
    f: (q, k, v) => nt.F.scaledDotProductAttention(q, k, v) },
  { rule: 'ScaledDotProductFlashAttentionBackward', name: 'sdpa causal L > S, broadcast batch, scale', inputs: [I([2, 3, 6, 4]), I([2, 3, 4, 4], { layout: 'bcast' }), I([3, 4, 2])],
    f: (q, k, v) => nt.F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.8 }) },
  { rule: 'ScaledDotProductFlashAttentionBackward', name: 'sdpa causal L < S, 3-D', inputs: [I([2, 3, 4], { layout: 'slice' }), I([2, 5, 4]), I([2, 5, 4], { layout: 't' })],
    f: (q, k, v) => nt.F.scaledDotProductAttention(q, k, v, { isCausal: true }) },
];

/** Fixed weights w for sum(y * w) (so every output element matters), on the host and on the device. */
interface Weights { host: Float64Array; t: nt.Tensor }
function weightsFor(y: nt.Tensor): Weights {
  const host = Float64Array.from({ length: y.numel }, () => M.round(0.5 + rnd()));
  return { host, t: nt.tensor(host, { dtype: M.dtype, shape: y.shape, device: M.device }) };
}

/**
 * Central differences of sum(y(x) * w) along each coordinate of x, with y evaluated on the device and
 * the sum taken on the host in float64 from the differences y(x+) - y(x-): outputs the coordinate does
 * not reach cancel exactly, so float32's rounding of the rest of y adds no noise. The step is what x's
 * dtype really takes.
 */
function numericGrad(x: Float64Array, eps: number, w: Float64Array, y: (x: Float64Array) => ArrayLike<number>): number[] {
  const num: number[] = [];
  for (let e = 0; e < x.length; e++) {
    const p = Float64Array.from(x), m = Float64Array.from(x);
    p[e] = M.round(x[e] + eps);
    m[e] = M.round(x[e] - eps);
    const yp = y(p), ym = y(m);
    let d = 0;
    for (let i = 0; i < w.length; i++) d += w[i] * (yp[i] - ym[i]);
    num.push(d / (p[e] - m[e]));
  }
  return num;
}

function worstRelErr(an: ArrayLike<number>, num: number[]): number {
  let worst = 0;
  for (let e = 0; e < num.length; e++) worst = Math.max(worst, Math.abs(an[e] - num[e]) / Math.max(1, Math.abs(num[e])));
  return worst;
}

const hostValues = (t: nt.Tensor): ArrayLike<number> => t.dataSync() as Float64Array | Float32Array;

/** The case's analytic and numeric gradients wrt each input (everything computed before any assertion). */
function gradients(c: Case): { hasGradFn: boolean; an: number[][]; num: number[][] } {
  const ins = c.inputs.map((s) => makeInput(s));
  const y = c.f(...ins.map((i) => i.x));
  const w = weightsFor(y);
  const out = y.mul(w.t).sum();
  const hasGradFn = out.gradFn !== null;
  out.backward();
  const an = ins.map((inp) => (inp.leaf.grad ? Array.from(hostValues(inp.leaf.grad)) : new Array(inp.data.length).fill(0)));
  const num = ins.map((inp, k) => numericGrad(inp.data, c.eps ?? M.eps, w.host, (d) => nt.noGrad(() => {
    const xs = ins.map((other, j) => makeInput(c.inputs[j], j === k ? d : other.data).x);
    return hostValues(c.f(...xs));
  })));
  return { hasGradFn, an, num };
}

/** Runs `body`; an op the device does not implement becomes a skip naming it and the device, never a pass; any other error fails. */
function orSkip(t: test.Test, what: string, body: () => void): void {
  try {
    nt.tidy(body);
    nt.synchronize(M.device);
  } catch (e) {
    if (!skippedAsNotImplemented(t, `${what} (${M.dtype})`, M.device, e)) t.fail(`${what} on ${M.device}: threw ${e instanceof Error ? e.stack : String(e)}`);
  }
}

function check(t: test.Test, c: Case): void {
  orSkip(t, `gradcheck ${c.rule} ${c.name}`, () => {
    const g = gradients(c);
    t.equal(g.hasGradFn, true, `${c.name}: output has a gradFn`);
    const tol = c.eps ? M.wideTol : M.tol;
    g.num.forEach((num, k) => {
      const worst = worstRelErr(g.an[k], num);
      t.ok(worst < tol, `${c.rule} ${c.name}: input ${k} gradient matches finite differences (max rel err ${worst.toExponential(2)}, limit ${tol})`);
    });
  });
}

test('every declared gradient rule has a finite-difference case', (t) => {
  const covered = new Set(CASES.map((c) => c.rule));
  for (const name of RULES.keys()) t.ok(covered.has(name), `${name} has a gradcheck case`);
  for (const c of CASES) t.ok(RULES.has(c.rule), `case ${c.name} names a declared rule (${c.rule})`);
  t.end();
});

const SECOND: [string, (x: nt.Tensor) => nt.Tensor][] = [
  ['tanh', (x) => x.tanh().sum()], ['x^3', (x) => x.pow(3).sum()], ['softmax', (x) => x.softmax(0).square().sum()],
  ['logSoftmax', (x) => x.logSoftmax(0).mul(nt.tensor([1, 2, 3, 4], { dtype: M.dtype, device: M.device })).sum()], ['gelu', (x) => x.gelu().sum()],
  ['sigmoid*x', (x) => x.sigmoid().mul(x).sum()], ['matmul', (x) => x.reshape([2, 2]).matmul(x.reshape([2, 2])).sum()],
  // createGraph: the attention rule builds its gradient from composite ops (first order: the fused kernel)
  ['sdpa', (x) => { const q = x.reshape([2, 2]); return nt.F.scaledDotProductAttention(q, q.mul(1.5), q.tanh()).square().sum(); }],
  ['sdpa causal', (x) => { const q = x.reshape([1, 2, 2]); return nt.F.scaledDotProductAttention(q.mul(2), q, q.square(), { isCausal: true }).square().sum(); }],
];

/** d/dx <grad f(x), v> by autograd (createGraph) against finite differences of the gradient. */
function secondDerivative(t: test.Test, name: string, f: (x: nt.Tensor) => nt.Tensor): void {
  orSkip(t, `second derivative of ${name}`, () => {
    const data = Float64Array.from([0.3, -0.2, 0.5, 0.1]);
    const v = Float64Array.from([1, -1, 2, 0.5]);
    const leaf = (d: Float64Array): nt.Tensor => nt.tensor(d, { dtype: M.dtype, requiresGrad: true, device: M.device });
    const x = leaf(data);
    const [g] = nt.autograd.grad(f(x), [x], { createGraph: true }) as nt.Tensor[];
    const [h] = nt.autograd.grad(g.mul(nt.tensor(v, { dtype: M.dtype, device: M.device })).sum(), [x]) as nt.Tensor[];
    const an = Array.from(hostValues(h));
    const num = numericGrad(data, M.eps, v, (d) => {
      const xx = leaf(d);
      return hostValues((nt.autograd.grad(f(xx), [xx]) as nt.Tensor[])[0]);
    });
    const worst = worstRelErr(an, num);
    t.ok(worst < M.tol, `${name}: second derivative matches (max rel err ${worst.toExponential(2)}, limit ${M.tol})`);
  });
}

for (const dev of devicesFor('gradcheck')) {
  const mode = modeFor(dev);
  const tag = dev.name === 'cpu' ? '' : ` [${dev.name} ${mode.dtype}]`;
  // Each case starts from the same seed on every device, so all devices check the same inputs.
  CASES.forEach((c, i) => test(`gradcheck ${c.rule}: ${c.name}${tag}`, (t) => {
    M = mode;
    seed = 7 + 7919 * i;
    check(t, c);
    t.end();
  }));
  test(`gradients of gradients (createGraph) match finite differences of the gradient${tag}`, (t) => {
    M = mode;
    for (const [name, f] of SECOND) secondDerivative(t, name, f);
    t.end();
  });
}

test('sdpa: the createGraph (composite) gradient equals the fused one', (t) => {
  const mk = (shape: number[]): nt.Tensor => nt.tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rnd() - 1), { dtype: 'float64', shape, requiresGrad: true });
  for (const isCausal of [false, true]) {
    const q = mk([2, 2, 5, 4]), kb = mk([2, 1, 7, 4]), v = mk([2, 2, 7, 3]);
    const k = kb.expand([2, 2, 7, 4]), leaves = [q, kb, v];
    const out = nt.F.scaledDotProductAttention(q, k, v, { isCausal });
    const g = nt.randn(out.shape, { dtype: 'float64' });
    const fused = nt.autograd.grad(out, leaves, { gradOutputs: g, retainGraph: true }) as nt.Tensor[];
    const composite = nt.autograd.grad(out, leaves, { gradOutputs: g, createGraph: true }) as nt.Tensor[];
    t.ok(composite.every((c) => c.requiresGrad), `causal ${isCausal}: createGraph gradients are differentiable`);
    for (let i = 0; i < 3; i++) {
      const worst = fused[i].sub(composite[i]).abs().amax().item();
      t.ok(worst < 1e-12, `causal ${isCausal}: input ${i} gradients agree (max diff ${worst.toExponential(2)})`);
    }
  }
  t.end();
});
