// elementwise.ts — unary, binary and ternary elementwise ops: dtype promotion, broadcasting,
// scalar operands, in-place variants. Not here: the formulas (csrc/core/formulas.h) or gradients
// (the autograd issue adds them beside each op here).
import { CATEGORY, DTYPES, resultTypeIds } from '../dtype';
import { emptyTensor, resetParams, setF, setI, setView, setViewBroadcast, submit } from '../dispatch';
import { OP } from '../op-list';
import { broadcastShapes, fmtShape, shapesEqual } from '../shape';
import { Tensor } from '../tensor';
import { castTo } from './convert';
import { isGradEnabled, record } from '../autograd';
import { BINARY_GRAD, MASKED_FILL_GRAD, UNARY_GRAD, WHERE_GRAD } from './elementwise-grad';

/** A JS number or boolean used as an operand. */
export type Scalar = number | boolean;

const F32 = 0, I64 = 5, BOOL = 7;

function checkTensor(x: unknown, op: string, what = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: ${what} tensor was disposed and can no longer be used`);
  return x;
}

function checkScalar(x: unknown, op: string): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x !== 'number') throw new TypeError(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  return x;
}

function sameDevice(a: Tensor, b: Tensor, op: string): void {
  if (a._storage!.rec.key !== b._storage!.rec.key) {
    throw new Error(`${op}: expected all tensors on the same device, got ${a.device} and ${b.device}`);
  }
}

/** Validates an `out` tensor for an in-place op: shape must equal the result's, dtype must hold it. */
function checkOut(out: Tensor, shape: number[], dt: number, op: string): void {
  if (out._storage === null) throw new Error(`${op}_: the tensor was disposed and can no longer be used`);
  if (!shapesEqual(out.shape, shape)) throw new RangeError(`${op}_: the result of shape ${fmtShape(shape)} does not match the in-place tensor's shape ${fmtShape(out.shape)}`);
  if (CATEGORY[dt] > CATEGORY[out._dt]) throw new TypeError(`${op}_: result type ${DTYPES[dt]} can't be cast to the in-place tensor's dtype ${DTYPES[out._dt]}`);
  for (let i = 0; i < out.strides.length; i++) if (out.strides[i] === 0 && out.shape[i] > 1) throw new Error(`${op}_: the in-place tensor is an expanded view (stride 0 in dimension ${i}); clone() it first`);
}

// ---------------------------------------------------------------- unary

/** How a unary op treats dtypes: 'float' ops compute in floating point (ints are promoted to float32). */
type UnaryKind = 'float' | 'numeric' | 'predicate';

function unary(x: Tensor, op: number, name: string, kind: UnaryKind, out?: Tensor, f0 = 0, f1 = 0, i0 = 0): Tensor {
  checkTensor(x, name);
  let src = x, outDt = x._dt;
  if (kind === 'float') {
    if (CATEGORY[x._dt] < 2) { src = castTo(x, F32); outDt = F32; }
  } else if (kind === 'numeric') {
    if (x._dt === BOOL) throw new TypeError(`${name}: bool tensors are not supported; convert with .int() or .float() first`);
  } else outDt = BOOL;
  const rec = x._storage!.rec;
  let y: Tensor;
  if (out) { checkOut(out, x.shape, outDt, name); y = out; if (out._dt !== outDt) src = castTo(src, out._dt); }
  else y = emptyTensor(x.shape, outDt, rec.key, rec.device);
  resetParams();
  setF(0, f0);
  setF(1, f1);
  setI(0, i0);
  setView(0, src);
  setView(1, y);
  submit(op, rec.key, 2);
  if (src !== x) src.dispose();
  if (x.requiresGrad && out === undefined && isGradEnabled()) {
    const gr = UNARY_GRAD[op];
    if (gr !== undefined) {
      const saved = gr.save === 0 ? null : gr.save === 1 ? [x] : gr.save === 2 ? [y] : [x, y];
      record(gr.rule, [x], y, saved, gr.params ? [f0, f1, i0] : null);
    }
  }
  return y;
}

/** @example nt.tensor([1, -2]).neg() // tensor([-1, 2]) */
export function neg(x: Tensor): Tensor { return unary(x, OP.neg, 'neg', 'numeric'); }
/** @example nt.tensor([-1.5]).abs() // tensor([1.5000]) */
export function abs(x: Tensor): Tensor { return unary(x, OP.abs, 'abs', 'numeric'); }
/** @example nt.tensor([-3, 0, 2]).sign() // tensor([-1, 0, 1]) */
export function sign(x: Tensor): Tensor { return unary(x, OP.sign, 'sign', 'numeric'); }
/** @example nt.tensor([0, 1]).exp() // tensor([1.0000, 2.7183]) */
export function exp(x: Tensor): Tensor { return unary(x, OP.exp, 'exp', 'float'); }
/** @example nt.tensor([1, Math.E]).log() // tensor([0., 1.]) */
export function log(x: Tensor): Tensor { return unary(x, OP.log, 'log', 'float'); }
/** @example nt.tensor([0]).log1p() // tensor([0.]) */
export function log1p(x: Tensor): Tensor { return unary(x, OP.log1p, 'log1p', 'float'); }
/** @example nt.tensor([0]).expm1() // tensor([0.]) */
export function expm1(x: Tensor): Tensor { return unary(x, OP.expm1, 'expm1', 'float'); }
/** @example nt.tensor([4]).sqrt() // tensor([2.]) */
export function sqrt(x: Tensor): Tensor { return unary(x, OP.sqrt, 'sqrt', 'float'); }
/** @example nt.tensor([4]).rsqrt() // tensor([0.5000]) */
export function rsqrt(x: Tensor): Tensor { return unary(x, OP.rsqrt, 'rsqrt', 'float'); }
/** @example nt.tensor([3]).square() // tensor([9]) */
export function square(x: Tensor): Tensor { return unary(x, OP.square, 'square', 'numeric'); }
/** @example nt.tensor([4]).reciprocal() // tensor([0.2500]) */
export function reciprocal(x: Tensor): Tensor { return unary(x, OP.reciprocal, 'reciprocal', 'float'); }
/** @example nt.tensor([0]).sin() // tensor([0.]) */
export function sin(x: Tensor): Tensor { return unary(x, OP.sin, 'sin', 'float'); }
/** @example nt.tensor([0]).cos() // tensor([1.]) */
export function cos(x: Tensor): Tensor { return unary(x, OP.cos, 'cos', 'float'); }
/** @example nt.tensor([0]).tan() // tensor([0.]) */
export function tan(x: Tensor): Tensor { return unary(x, OP.tan, 'tan', 'float'); }
/** @example nt.tensor([0]).tanh() // tensor([0.]) */
export function tanh(x: Tensor): Tensor { return unary(x, OP.tanh, 'tanh', 'float'); }
/** @example nt.tensor([0]).sigmoid() // tensor([0.5000]) */
export function sigmoid(x: Tensor): Tensor { return unary(x, OP.sigmoid, 'sigmoid', 'float'); }
/** @example nt.tensor([-1, 2]).relu() // tensor([0, 2]) */
export function relu(x: Tensor): Tensor { return unary(x, OP.relu, 'relu', 'numeric'); }
/** GELU, exact (erf) by default or the tanh approximation. @example nt.tensor([1]).gelu() // tensor([0.8413]) */
export function gelu(x: Tensor, opts?: { approximate?: 'none' | 'tanh' }): Tensor {
  const a = opts?.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
  return a === 'tanh' ? unary(x, OP.gelu_tanh, 'gelu', 'float') : unary(x, OP.gelu, 'gelu', 'float');
}
/** @example nt.tensor([1]).silu() // tensor([0.7311]) */
export function silu(x: Tensor): Tensor { return unary(x, OP.silu, 'silu', 'float'); }
/** @example nt.tensor([0]).softplus() // tensor([0.6931]) */
export function softplus(x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  return unary(x, OP.softplus, 'softplus', 'float', undefined, opts?.beta ?? 1, opts?.threshold ?? 20);
}
/** @example nt.tensor([0]).erf() // tensor([0.]) */
export function erf(x: Tensor): Tensor { return unary(x, OP.erf, 'erf', 'float'); }
/** @example nt.tensor([1.5]).floor() // tensor([1.]) */
export function floor(x: Tensor): Tensor { return unary(x, OP.floor, 'floor', 'numeric'); }
/** @example nt.tensor([1.5]).ceil() // tensor([2.]) */
export function ceil(x: Tensor): Tensor { return unary(x, OP.ceil, 'ceil', 'numeric'); }
/** Rounds half to even, like torch.round. @example nt.tensor([0.5, 1.5]).round() // tensor([0., 2.]) */
export function round(x: Tensor): Tensor { return unary(x, OP.round, 'round', 'numeric'); }
/** @example nt.tensor([true]).logicalNot() // tensor([False]) */
export function logicalNot(x: Tensor): Tensor { return unary(x, OP.logical_not, 'logicalNot', 'predicate'); }
/** @example nt.tensor([NaN, 1]).isnan() // tensor([ True, False]) */
export function isnan(x: Tensor): Tensor { return unary(x, OP.isnan, 'isnan', 'predicate'); }
/** @example nt.tensor([Infinity, 1]).isinf() // tensor([ True, False]) */
export function isinf(x: Tensor): Tensor { return unary(x, OP.isinf, 'isinf', 'predicate'); }

/** Clamps into [min, max] (either may be omitted). @example nt.tensor([-2, 5]).clamp(0, 3) // tensor([0, 3]) */
export function clamp(x: Tensor, min?: number | null, max?: number | null, out?: Tensor): Tensor {
  const hasMin = min !== undefined && min !== null, hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new TypeError('clamp: at least one of min or max must be given');
  checkTensor(x, 'clamp');
  if (hasMin) checkScalar(min, 'clamp');
  if (hasMax) checkScalar(max, 'clamp');
  // A float bound on an int tensor promotes, as in PyTorch.
  let src = x;
  const bounds: number[] = [];
  if (hasMin) bounds.push(min as number);
  if (hasMax) bounds.push(max as number);
  const dt = resultTypeIds([x._dt], [], bounds);
  if (dt !== x._dt && !out) src = castTo(x, dt);
  const y = unary(src, OP.clamp, 'clamp', 'numeric', out, hasMin ? (min as number) : 0, hasMax ? (max as number) : 0, (hasMin ? 1 : 0) | (hasMax ? 2 : 0));
  if (src !== x) src.dispose();
  return y;
}

// ---------------------------------------------------------------- binary

const enum Kind { Arith, Cmp, Logical, TrueDiv }

function binary(a: Tensor | Scalar, b: Tensor | Scalar, op: number, name: string, kind: Kind, out?: Tensor, alpha = 1, mode = 0): Tensor {
  const aT = a instanceof Tensor, bT = b instanceof Tensor;
  let A: Tensor, dt: number, shape: number[], scalarMode = 0, scalar = 0;
  let B: Tensor | null = null;
  if (aT && bT) {
    A = checkTensor(a, name); B = checkTensor(b, name, 'other');
    sameDevice(A, B, name);
    dt = A._dt;
    if (A._dt !== B._dt) {
      const dims: number[] = [], zeros: number[] = [];
      (A.shape.length ? dims : zeros).push(A._dt);
      (B.shape.length ? dims : zeros).push(B._dt);
      dt = resultTypeIds(dims, zeros, []);
    }
    shape = shapesEqual(A.shape, B.shape) ? A.shape : broadcastShapes(A.shape, B.shape, name);
  } else if (aT) {
    A = checkTensor(a, name);
    scalar = checkScalar(b, name);
    dt = resultTypeIds([A._dt], [], [b as Scalar]);
    shape = A.shape; scalarMode = 1;
  } else if (bT) {
    A = checkTensor(b, name, 'other');
    scalar = checkScalar(a, name);
    dt = resultTypeIds([A._dt], [], [a as Scalar]);
    shape = A.shape; scalarMode = 2;
  } else {
    throw new TypeError(`${name}: expected at least one Tensor operand`);
  }
  // Compute dtype and output dtype per kind.
  let cdt = dt, odt = dt;
  if (kind === Kind.Cmp) odt = BOOL;
  else if (kind === Kind.Logical) odt = BOOL;
  else if (kind === Kind.TrueDiv && CATEGORY[dt] < 2) { cdt = F32; odt = F32; }
  else if (dt === BOOL) {
    if (op === OP.add || op === OP.maximum) op = OP.logical_or;
    else if (op === OP.mul || op === OP.minimum) op = OP.logical_and;
    else throw new TypeError(`${name}: not supported for bool tensors; convert with .int() or .float() first`);
  }
  if (out) checkOut(out, shape, odt, name);
  const rec = A._storage!.rec;
  const A2 = A._dt === cdt ? A : castTo(A, cdt);
  const B2 = B === null || B._dt === cdt ? B : castTo(B, cdt);
  const y = out ?? emptyTensor(shape, odt, rec.key, rec.device);
  const Y = out && out._dt !== odt ? emptyTensor(shape, odt, rec.key, rec.device) : y;
  resetParams();
  setF(1, alpha);
  setI(1, mode);
  if (scalarMode === 0) {
    setViewBroadcast(0, A2, shape);
    setViewBroadcast(1, B2!, shape);
  } else {
    setI(0, scalarMode);
    setF(0, scalar);
    setView(scalarMode === 1 ? 0 : 1, A2);
  }
  setView(2, Y);
  submit(op, rec.key, 3);
  if (A2 !== A) A2.dispose();
  if (B2 !== B && B2 !== null) B2.dispose();
  if (Y !== y) { y.copy_(Y); Y.dispose(); }
  if (out === undefined && (A.requiresGrad || (B !== null && B.requiresGrad)) && isGradEnabled()) recordBinary(op, A, B, scalarMode, scalar, y, alpha, mode);
  return y;
}

function recordBinary(op: number, A: Tensor, B: Tensor | null, scalarMode: number, scalar: number, y: Tensor, alpha: number, mode: number): void {
  const gr = BINARY_GRAD[op];
  if (gr === undefined) return;
  const a = scalarMode === 2 ? null : A, b = scalarMode === 0 ? B : scalarMode === 1 ? null : A;
  let saved: Tensor[] | null = null;
  if (gr.save !== 0) {
    saved = [];
    if (gr.save & 1) saved.push(a ?? y);
    if (gr.save & 2) saved.push(b ?? y);
    if (gr.save & 4) saved.push(y);
  }
  record(gr.rule, [a, b], y, saved, { alpha, scalar, mode });
}

/** a + alpha * b, broadcasting. @example nt.tensor([1, 2]).add(nt.tensor([10, 20])) // tensor([11, 22]) */
export function add(a: Tensor | Scalar, b: Tensor | Scalar, opts?: { alpha?: number }, out?: Tensor): Tensor {
  return binary(a, b, OP.add, 'add', Kind.Arith, out, opts?.alpha ?? 1);
}
/** a - alpha * b, broadcasting. @example nt.tensor([5]).sub(2) // tensor([3]) */
export function sub(a: Tensor | Scalar, b: Tensor | Scalar, opts?: { alpha?: number }, out?: Tensor): Tensor {
  if ((a instanceof Tensor && a._dt === BOOL) && (b instanceof Tensor ? b._dt === BOOL : typeof b === 'boolean')) {
    throw new TypeError('sub: subtracting bool tensors is not supported; use logicalXor-style ops or convert with .int()');
  }
  return binary(a, b, OP.sub, 'sub', Kind.Arith, out, opts?.alpha ?? 1);
}
/** @example nt.tensor([2, 3]).mul(4) // tensor([ 8, 12]) */
export function mul(a: Tensor | Scalar, b: Tensor | Scalar, out?: Tensor): Tensor { return binary(a, b, OP.mul, 'mul', Kind.Arith, out); }
/** True division (ints become float32), or rounding 'trunc' / 'floor'. @example nt.tensor([7]).div(2) // tensor([3.5000]) */
export function div(a: Tensor | Scalar, b: Tensor | Scalar, opts?: { roundingMode?: 'trunc' | 'floor' }, out?: Tensor): Tensor {
  const m = opts?.roundingMode;
  if (m === undefined) return binary(a, b, OP.div, 'div', Kind.TrueDiv, out);
  if (m !== 'trunc' && m !== 'floor') throw new TypeError(`div: roundingMode must be 'trunc' or 'floor', got ${JSON.stringify(m)}`);
  return binary(a, b, OP.div, 'div', Kind.Arith, out, 1, m === 'trunc' ? 1 : 2);
}
/** @example nt.tensor([2, 3]).pow(2) // tensor([4, 9]) */
export function pow(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.pow, 'pow', Kind.Arith); }
/** Elementwise max; NaN propagates. @example nt.maximum(nt.tensor([1, 5]), nt.tensor([3, 2])) // tensor([3, 5]) */
export function maximum(a: Tensor, b: Tensor): Tensor { return binary(checkTensor(a, 'maximum'), checkTensor(b, 'maximum', 'other'), OP.maximum, 'maximum', Kind.Arith); }
/** Elementwise min; NaN propagates. @example nt.minimum(nt.tensor([1, 5]), nt.tensor([3, 2])) // tensor([1, 2]) */
export function minimum(a: Tensor, b: Tensor): Tensor { return binary(checkTensor(a, 'minimum'), checkTensor(b, 'minimum', 'other'), OP.minimum, 'minimum', Kind.Arith); }
/** @example nt.tensor([1, 2]).eq(2) // tensor([False,  True]) */
export function eq(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.eq, 'eq', Kind.Cmp); }
/** @example nt.tensor([1, 2]).ne(2) // tensor([ True, False]) */
export function ne(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.ne, 'ne', Kind.Cmp); }
/** @example nt.tensor([1, 2]).lt(2) // tensor([ True, False]) */
export function lt(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.lt, 'lt', Kind.Cmp); }
/** @example nt.tensor([1, 2]).le(1) // tensor([ True, False]) */
export function le(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.le, 'le', Kind.Cmp); }
/** @example nt.tensor([1, 2]).gt(1) // tensor([False,  True]) */
export function gt(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.gt, 'gt', Kind.Cmp); }
/** @example nt.tensor([1, 2]).ge(2) // tensor([False,  True]) */
export function ge(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.ge, 'ge', Kind.Cmp); }
/** @example nt.tensor([true, false]).logicalAnd(true) // tensor([ True, False]) */
export function logicalAnd(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.logical_and, 'logicalAnd', Kind.Logical); }
/** @example nt.tensor([true, false]).logicalOr(false) // tensor([ True, False]) */
export function logicalOr(a: Tensor | Scalar, b: Tensor | Scalar): Tensor { return binary(a, b, OP.logical_or, 'logicalOr', Kind.Logical); }

// ---------------------------------------------------------------- ternary

/**
 * Elementwise `cond ? a : b` with broadcasting and type promotion of a and b.
 * @example nt.where(nt.tensor([true, false]), nt.tensor([1, 2]), 0) // tensor([1, 0])
 */
export function where(cond: Tensor, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
  checkTensor(cond, 'where', 'condition');
  if (cond._dt !== BOOL) throw new TypeError(`where: expected condition to be a bool tensor, got ${DTYPES[cond._dt]}`);
  const aT = a instanceof Tensor, bT = b instanceof Tensor;
  if (aT) { checkTensor(a, 'where', 'input'); sameDevice(cond, a as Tensor, 'where'); }
  if (bT) { checkTensor(b, 'where', 'other'); sameDevice(cond, b as Tensor, 'where'); }
  const dims: number[] = [], zeros: number[] = [], scalars: Scalar[] = [];
  for (const v of [a, b]) {
    if (v instanceof Tensor) (v.shape.length ? dims : zeros).push(v._dt);
    else { checkScalar(v, 'where'); scalars.push(v); }
  }
  const dt = resultTypeIds(dims, zeros, scalars);
  let shape = cond.shape;
  if (aT) shape = broadcastShapes(shape, (a as Tensor).shape, 'where');
  if (bT) shape = broadcastShapes(shape, (b as Tensor).shape, 'where');
  const rec = cond._storage!.rec;
  const A = aT ? ((a as Tensor)._dt === dt ? (a as Tensor) : castTo(a as Tensor, dt)) : null;
  const B = bT ? ((b as Tensor)._dt === dt ? (b as Tensor) : castTo(b as Tensor, dt)) : null;
  const y = emptyTensor(shape, dt, rec.key, rec.device);
  resetParams();
  setViewBroadcast(0, cond, shape);
  if (A) setViewBroadcast(1, A, shape); else setF(0, checkScalar(a, 'where'));
  if (B) setViewBroadcast(2, B, shape); else setF(1, checkScalar(b, 'where'));
  setI(0, (A ? 0 : 1) | (B ? 0 : 2));
  if (!A) setViewBroadcast(1, cond, shape);  // placeholder slot; the kernel does not read it
  if (!B) setViewBroadcast(2, cond, shape);
  setView(3, y);
  submit(OP.where, rec.key, 4);
  if (A && A !== a) A.dispose();
  if (B && B !== b) B.dispose();
  const ta = aT ? a as Tensor : null, tb = bT ? b as Tensor : null;
  if (((ta && ta.requiresGrad) || (tb && tb.requiresGrad)) && isGradEnabled()) record(WHERE_GRAD, [null, ta, tb], y, [cond]);
  return y;
}

/**
 * A copy of x with `value` where mask (broadcast to x's shape) is true; keeps x's dtype.
 * @example nt.tensor([1, 2, 3]).maskedFill(nt.tensor([false, true, false]), 0) // tensor([1, 0, 3])
 */
export function maskedFill(x: Tensor, mask: Tensor, value: Scalar): Tensor {
  checkTensor(x, 'maskedFill');
  checkTensor(mask, 'maskedFill', 'mask');
  if (mask._dt !== BOOL) throw new TypeError(`maskedFill: expected mask to be a bool tensor, got ${DTYPES[mask._dt]}`);
  sameDevice(x, mask, 'maskedFill');
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (!shapesEqual(shape, x.shape)) throw new RangeError(`maskedFill: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to the input's shape ${fmtShape(x.shape)}`);
  const v = checkScalar(value, 'maskedFill');
  if (CATEGORY[x._dt] < 2 && !Number.isInteger(v)) throw new TypeError(`maskedFill: value ${v} cannot be stored in a ${DTYPES[x._dt]} tensor`);
  const rec = x._storage!.rec;
  const y = emptyTensor(x.shape, x._dt, rec.key, rec.device);
  resetParams();
  setViewBroadcast(0, mask, shape);
  setViewBroadcast(1, x, shape);
  setViewBroadcast(2, x, shape);
  setF(0, v);
  setI(0, 1);
  setView(3, y);
  submit(OP.where, rec.key, 4);
  if (x.requiresGrad && isGradEnabled()) record(MASKED_FILL_GRAD, [x, null], y, [mask]);
  return y;
}

export { I64 as INT64_ID };
