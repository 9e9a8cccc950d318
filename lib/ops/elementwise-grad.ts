// elementwise-grad.ts — the gradient rules of the elementwise ops (elementwise.ts records them),
// one rule per op, written in tensor ops so they run on every device and are themselves
// differentiable (gradients of gradients). Broadcasting and dtype are undone by the engine.
// Not here: recording (elementwise.ts calls record()) or the engine (lib/autograd.ts).
import { defineGrad, GradRule, Node } from '../autograd';
import { OP } from '../op-list';
import type { Tensor } from '../tensor';
import { zerosLike } from './creation';
import { where } from './elementwise';

// Saved tensors, by convention: unary ops save [x, y] (input, output) as their rule needs;
// the `save` mask says which: 1 = input, 2 = output.
export interface UnaryGrad { rule: GradRule; save: number; /** the rule reads the call's [f0, f1, i0] */ params: boolean }
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI), INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const x = (n: Node): Tensor => n.s(0);
const y = (n: Node, save: number): Tensor => n.s(save & 1 ? 1 : 0);
const zero = (g: Tensor): Tensor => zerosLike(g);

/** Unary rules by op id. ctx = [f0, f1, i0] of the call. */
export const UNARY_GRAD: (UnaryGrad | undefined)[] = [];
function unaryRule(op: number, name: string, save: number, fn: (g: Tensor, n: Node) => Tensor, params = false): void {
  UNARY_GRAD[op] = { rule: defineGrad(name, (g, n) => [fn(g, n)]), save, params };
}

unaryRule(OP.neg, 'NegBackward', 0, (g) => g.neg());
unaryRule(OP.abs, 'AbsBackward', 1, (g, n) => g.mul(x(n).sign()));
unaryRule(OP.sign, 'SignBackward', 0, zero);
unaryRule(OP.floor, 'FloorBackward', 0, zero);
unaryRule(OP.ceil, 'CeilBackward', 0, zero);
unaryRule(OP.round, 'RoundBackward', 0, zero);
unaryRule(OP.exp, 'ExpBackward', 2, (g, n) => g.mul(y(n, 2)));
unaryRule(OP.log, 'LogBackward', 1, (g, n) => g.div(x(n)));
unaryRule(OP.log1p, 'Log1pBackward', 1, (g, n) => g.div(x(n).add(1)));
unaryRule(OP.expm1, 'Expm1Backward', 2, (g, n) => g.mul(y(n, 2).add(1)));
unaryRule(OP.sqrt, 'SqrtBackward', 2, (g, n) => g.div(y(n, 2).mul(2)));
unaryRule(OP.rsqrt, 'RsqrtBackward', 2, (g, n) => g.mul(y(n, 2).pow(3)).mul(-0.5));
unaryRule(OP.square, 'PowBackward', 1, (g, n) => g.mul(x(n).mul(2)));
unaryRule(OP.reciprocal, 'ReciprocalBackward', 2, (g, n) => { const r = y(n, 2); return g.mul(r.mul(r)).neg(); });
unaryRule(OP.sin, 'SinBackward', 1, (g, n) => g.mul(x(n).cos()));
unaryRule(OP.cos, 'CosBackward', 1, (g, n) => g.mul(x(n).sin()).neg());
unaryRule(OP.tan, 'TanBackward', 2, (g, n) => { const r = y(n, 2); return g.mul(r.mul(r).add(1)); });
unaryRule(OP.tanh, 'TanhBackward', 2, (g, n) => { const r = y(n, 2); return g.mul(r.mul(r).neg().add(1)); });
unaryRule(OP.sigmoid, 'SigmoidBackward', 2, (g, n) => { const r = y(n, 2); return g.mul(r.mul(r.neg().add(1))); });
unaryRule(OP.relu, 'ReluBackward', 2, (g, n) => where(y(n, 2).gt(0), g, 0));
unaryRule(OP.gelu, 'GeluBackward', 1, (g, n) => {
  const v = x(n);  // Φ(x) + x φ(x)
  const cdf = v.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
  const pdf = v.mul(v).mul(-0.5).exp().mul(INV_SQRT_2PI);
  return g.mul(cdf.add(v.mul(pdf)));
});
unaryRule(OP.gelu_tanh, 'GeluBackward', 1, (g, n) => {
  const v = x(n), v2 = v.mul(v);
  const t = v.add(v2.mul(v).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
  const du = v2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI);
  return g.mul(t.add(1).mul(0.5).add(v.mul(0.5).mul(t.mul(t).neg().add(1)).mul(du)));
});
unaryRule(OP.silu, 'SiluBackward', 1, (g, n) => {
  const v = x(n), s = v.sigmoid();
  return g.mul(s.mul(v.mul(s.neg().add(1)).add(1)));
});
unaryRule(OP.softplus, 'SoftplusBackward', 1, (g, n) => {
  const [beta, threshold] = n.ctx as number[];
  const bx = x(n).mul(beta);
  return where(bx.gt(threshold), g, g.mul(bx.sigmoid()));
}, true);
unaryRule(OP.erf, 'ErfBackward', 1, (g, n) => { const v = x(n); return g.mul(v.mul(v).neg().exp().mul(2 / Math.sqrt(Math.PI))); });
unaryRule(OP.clamp, 'ClampBackward', 1, (g, n) => {
  const [lo, hi, has] = n.ctx as number[];
  const v = x(n);
  let m: Tensor | null = null;
  if (has & 1) m = v.ge(lo);
  if (has & 2) { const h = v.le(hi); m = m ? m.logicalAnd(h) : h; }
  return where(m!, g, 0);
}, true);

// ---------------------------------------------------------------- binary

/** Binary rules by op id; ctx = { alpha, sa, sb } (sa/sb: the scalar operand when a/b is a number). save: 1 = a, 2 = b, 4 = y. */
export interface BinaryCtx { alpha: number; scalar: number; mode: number }
export interface BinaryGrad { rule: GradRule; save: number }
export const BINARY_GRAD: (BinaryGrad | undefined)[] = [];

// Saved slots are packed in order a, b, y (only those in the mask; a scalar operand's slot holds y).
function slot(n: Node, save: number, which: number): Tensor {
  let i = 0;
  if (which > 1 && save & 1) i++;
  if (which > 2 && save & 2) i++;
  return n.s(i);
}
/** The a operand: the saved tensor, or the scalar when a was a number. */
function opA(n: Node, save: number): Tensor | number { return n.inDts[0] < 0 ? (n.ctx as BinaryCtx).scalar : slot(n, save, 1); }
function opB(n: Node, save: number): Tensor | number { return n.inDts[1] < 0 ? (n.ctx as BinaryCtx).scalar : slot(n, save, 2); }
function binRule(op: number, name: string, save: number, fn: (g: Tensor, n: Node, save: number) => (Tensor | null)[]): void {
  BINARY_GRAD[op] = { rule: defineGrad(name, (g, n) => fn(g, n, save)), save };
}

binRule(OP.add, 'AddBackward', 0, (g, n) => { const al = (n.ctx as BinaryCtx).alpha; return [g, al === 1 ? g : g.mul(al)]; });
binRule(OP.sub, 'SubBackward', 0, (g, n) => { const al = (n.ctx as BinaryCtx).alpha; return [g, g.mul(-al)]; });
binRule(OP.mul, 'MulBackward', 3, (g, n, s) => {
  const a = opA(n, s), b = opB(n, s);
  return [n.next[0] === null ? null : g.mul(b), n.next[1] === null ? null : g.mul(a)];
});
binRule(OP.div, 'DivBackward', 6, (g, n, s) => {
  if ((n.ctx as BinaryCtx).mode !== 0) return [zerosLike(g), zerosLike(g)];
  const b = opB(n, s);
  const ga = n.next[0] === null ? null : g.div(b);
  const gb = n.next[1] === null ? null : g.mul(slot(n, s, 4)).div(b as Tensor).neg();
  return [ga, gb];
});
binRule(OP.pow, 'PowBackward', 7, (g, n, s) => {
  const a = opA(n, s), b = opB(n, s);
  let ga: Tensor | null = null, gb: Tensor | null = null;
  if (n.next[0] !== null) {
    const A = a as Tensor;
    ga = typeof b === 'number'
      ? (b === 0 ? zerosLike(g) : g.mul(A.pow(b - 1).mul(b)))
      : where(b.eq(0), 0, g.mul(b).mul(A.pow(b.sub(1))));
  }
  if (n.next[1] !== null) {
    const out = slot(n, s, 4);
    const la = typeof a === 'number' ? Math.log(a) : a.log();
    // where a == 0 and b >= 0 the gradient is 0 (as PyTorch), not NaN
    const gl = g.mul(out).mul(la);
    gb = typeof a === 'number' ? (a === 0 ? zerosLike(g) : gl) : where(a.eq(0).logicalAnd((b as Tensor).ge(0)), 0, gl);
  }
  return [ga, gb];
});
function maxMinRule(op: number, name: string, isMax: boolean): void {
  binRule(op, name, 3, (g, n, s) => {
    const a = slot(n, s, 1), b = slot(n, s, 2);
    const tie = a.eq(b);
    const pick = isMax ? a.gt(b) : a.lt(b);
    const half = g.mul(0.5);
    const ga = where(tie, half, where(pick, g, 0));
    const gb = where(tie, half, where(pick, 0, g));
    return [ga, gb];
  });
}
maxMinRule(OP.maximum, 'MaximumBackward', true);
maxMinRule(OP.minimum, 'MinimumBackward', false);

/** where(cond, a, b): saves cond. */
export const WHERE_GRAD = defineGrad('WhereBackward', (g, n) => {
  const c = n.s(0);
  return [null, n.inDts[1] < 0 ? null : where(c, g, 0), n.inDts[2] < 0 ? null : where(c, 0, g)];
});
/** maskedFill(x, mask, v): saves mask. */
export const MASKED_FILL_GRAD = defineGrad('MaskedFillBackward', (g, n) => [where(n.s(0), 0, g), null]);
