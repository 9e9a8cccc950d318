// gradcheck.test.ts — every declared gradient rule (nt.autograd's rule table) checked against central
// finite differences in float64, with non-contiguous (transposed, sliced) and broadcast inputs.
// A rule with no case here fails the coverage test, so a new op with a gradient can't go unchecked.
// Not here: autograd semantics and errors (autograd.test.ts), parity with PyTorch (test/nn).
import test from 'tape';
import * as nt from '../../lib';
import { RULES } from '../../lib/autograd';

type Layout = 'c' | 't' | 'slice' | 'bcast';
interface In { shape: number[]; layout?: Layout; lo?: number; hi?: number; int?: boolean }
interface Case { rule: string; name: string; inputs: In[]; f: (...xs: nt.Tensor[]) => nt.Tensor; eps?: number }

let seed = 7;
function rnd(): number { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }

/** A float64 leaf plus the (possibly non-contiguous) tensor the op sees. */
function makeInput(spec: In, data?: Float64Array): { leaf: nt.Tensor; x: nt.Tensor; data: Float64Array } {
  const lo = spec.lo ?? -1, hi = spec.hi ?? 1;
  const layout = spec.layout ?? 'c';
  let leafShape = spec.shape.slice();
  if (layout === 't') leafShape = spec.shape.slice().reverse();
  if (layout === 'slice') leafShape = [...spec.shape.slice(0, -1), spec.shape[spec.shape.length - 1] * 2];
  if (layout === 'bcast') leafShape = [1, ...spec.shape.slice(1)];
  const n = leafShape.reduce((a, b) => a * b, 1);
  const d = data ?? Float64Array.from({ length: n }, () => lo + (hi - lo) * rnd());
  const leaf = nt.tensor(d, { dtype: 'float64', shape: leafShape, requiresGrad: true });
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
  // float32 in the middle: a wide step (exact for this quadratic) keeps rounding out of the difference
  { rule: 'ToCopyBackward', name: 'to float32 and back', inputs: [I([4])], f: (x) => x.to('float32').to('float64').square(), eps: 1e-2 },
  { rule: 'CloneBackward', name: 'clone/contiguous', inputs: [I([3, 4], { layout: 't' })], f: (x) => x.contiguous().clone().square() },
  { rule: 'CatBackward', name: 'cat/stack', inputs: [I([2, 3]), I([1, 3])], f: (a, b) => nt.stack([nt.cat([a, b], 0).square(), nt.cat([b, a], 0)], 1) },
  { rule: 'CopyBackwards', name: 'copy_', inputs: [I([3])], f: (x) => { const y = nt.zeros([2, 3], { dtype: 'float64' }); y.copy_(x.square()); return y; } },
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
  { rule: 'IndexSelectBackward', name: 'indexSelect', inputs: [I([4, 3])], f: (x) => x.indexSelect(0, nt.tensor([2, 0, 2])) },
  { rule: 'GatherBackward', name: 'gather', inputs: [I([3, 4])], f: (x) => x.gather(1, nt.tensor([[0, 0], [3, 1], [2, 2]])) },
  { rule: 'ScatterBackward', name: 'scatter', inputs: [I([3, 4]), I([3, 2])], f: (x, s) => x.scatter(1, nt.tensor([[0], [3], [2]]), s) },
  { rule: 'ScatterAddBackward', name: 'scatterAdd', inputs: [I([3, 4]), I([3, 2])], f: (x, s) => x.scatterAdd(1, nt.tensor([[0, 0], [3, 1], [2, 2]]), s) },
  { rule: 'IndexAddBackward', name: 'indexAdd', inputs: [I([4, 2]), I([3, 2])], f: (x, s) => x.indexAdd(0, nt.tensor([1, 1, 3]), s, { alpha: 2 }) },
  { rule: 'TakeBackward', name: 'take', inputs: [I([3, 4])], f: (x) => x.take(nt.tensor([0, -1, 5, 5])) },
];

/** sum(f(...) * w) for fixed weights w (so every output element matters). */
function scalarOut(c: Case, xs: nt.Tensor[], w: { t: nt.Tensor | null }): nt.Tensor {
  const y = c.f(...xs);
  if (!w.t) w.t = nt.tensor(Float64Array.from({ length: y.numel }, () => 0.5 + rnd()), { dtype: 'float64', shape: y.shape });
  return y.mul(w.t).sum();
}

function check(t: test.Test, c: Case): void {
  const w = { t: null as nt.Tensor | null };
  const ins = c.inputs.map((s) => makeInput(s));
  const out = scalarOut(c, ins.map((i) => i.x), w);
  t.equal(out.gradFn !== null, true, `${c.name}: output has a gradFn`);
  out.backward();
  const eps = c.eps ?? 1e-6;
  for (let k = 0; k < ins.length; k++) {
    const an = ins[k].leaf.grad ? Array.from(ins[k].leaf.grad!.dataSync() as Float64Array) : new Array(ins[k].data.length).fill(0);
    const num: number[] = [];
    for (let e = 0; e < ins[k].data.length; e++) {
      const val = (delta: number): number => nt.noGrad(() => {
        const xs = ins.map((inp, j) => {
          const d = Float64Array.from(inp.data);
          if (j === k) d[e] += delta;
          return makeInput(c.inputs[j], d).x;
        });
        return scalarOut(c, xs, w).item();
      });
      num.push((val(eps) - val(-eps)) / (2 * eps));
    }
    let worst = 0;
    for (let e = 0; e < num.length; e++) worst = Math.max(worst, Math.abs(an[e] - num[e]) / Math.max(1, Math.abs(num[e])));
    t.ok(worst < (c.eps ? 1e-4 : 1e-5), `${c.rule} ${c.name}: input ${k} gradient matches finite differences (max rel err ${worst.toExponential(2)})`);
  }
}

test('every declared gradient rule has a finite-difference case', (t) => {
  const covered = new Set(CASES.map((c) => c.rule));
  for (const name of RULES.keys()) t.ok(covered.has(name), `${name} has a gradcheck case`);
  for (const c of CASES) t.ok(RULES.has(c.rule), `case ${c.name} names a declared rule (${c.rule})`);
  t.end();
});

for (const c of CASES) test(`gradcheck ${c.rule}: ${c.name}`, (t) => { check(t, c); t.end(); });

test('gradients of gradients (createGraph) match finite differences of the gradient', (t) => {
  const cases: [string, (x: nt.Tensor) => nt.Tensor][] = [
    ['tanh', (x) => x.tanh().sum()], ['x^3', (x) => x.pow(3).sum()], ['softmax', (x) => x.softmax(0).square().sum()],
    ['logSoftmax', (x) => x.logSoftmax(0).mul(nt.tensor([1, 2, 3, 4], { dtype: 'float64' })).sum()], ['gelu', (x) => x.gelu().sum()],
    ['sigmoid*x', (x) => x.sigmoid().mul(x).sum()], ['matmul', (x) => x.reshape([2, 2]).matmul(x.reshape([2, 2])).sum()],
  ];
  for (const [name, f] of cases) {
    const data = Float64Array.from([0.3, -0.2, 0.5, 0.1]);
    const x = nt.tensor(data, { dtype: 'float64', requiresGrad: true });
    const [g] = nt.autograd.grad(f(x), [x], { createGraph: true }) as nt.Tensor[];
    const gsum = g.mul(nt.tensor([1, -1, 2, 0.5], { dtype: 'float64' })).sum();
    const [h] = nt.autograd.grad(gsum, [x]) as nt.Tensor[];
    const an = Array.from(h.dataSync() as Float64Array);
    const gradAt = (d: Float64Array): number => {
      const xx = nt.tensor(d, { dtype: 'float64', requiresGrad: true });
      const [gg] = nt.autograd.grad(f(xx), [xx]) as nt.Tensor[];
      return gg.mul(nt.tensor([1, -1, 2, 0.5], { dtype: 'float64' })).sum().item();
    };
    let worst = 0;
    for (let e = 0; e < 4; e++) {
      const p = Float64Array.from(data), m = Float64Array.from(data);
      p[e] += 1e-6; m[e] -= 1e-6;
      const num = (gradAt(p) - gradAt(m)) / 2e-6;
      worst = Math.max(worst, Math.abs(num - an[e]) / Math.max(1, Math.abs(num)));
    }
    t.ok(worst < 1e-5, `${name}: second derivative matches (max rel err ${worst.toExponential(2)})`);
  }
  t.end();
});
