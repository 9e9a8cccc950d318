// promotion.test.ts — type promotion: nt.promoteTypes over every pair equals torch.promote_types
// (table written out here from PyTorch's rules, independently of lib/dtype.ts), and result dtypes
// of mixed ops follow torch.result_type: scalars and 0-d tensors only raise the category.
// Not here: conversion values (conformance suite).
import test from 'tape';
import * as nt from '../../lib';
import type { DType } from '../../lib';

const D: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];
const short: Record<string, DType> = { f32: 'float32', f64: 'float64', f16: 'float16', bf16: 'bfloat16', i32: 'int32', i64: 'int64', u8: 'uint8', b: 'bool' };

// torch.promote_types(row, col), rows/cols in the order of D.
const TORCH = `
        f32  f64  f16  bf16 i32  i64  u8   b
f32     f32  f64  f32  f32  f32  f32  f32  f32
f64     f64  f64  f64  f64  f64  f64  f64  f64
f16     f32  f64  f16  f32  f16  f16  f16  f16
bf16    f32  f64  f32  bf16 bf16 bf16 bf16 bf16
i32     f32  f64  f16  bf16 i32  i64  i32  i32
i64     f32  f64  f16  bf16 i64  i64  i64  i64
u8      f32  f64  f16  bf16 i32  i64  u8   u8
b       f32  f64  f16  bf16 i32  i64  u8   b
`;

test('promoteTypes equals torch.promote_types for all 64 pairs', (t) => {
  const rows = TORCH.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  let bad = 0;
  for (const [r, ...cols] of rows) {
    cols.forEach((c, j) => {
      const a = short[r], b = D[j], want = short[c];
      const got = nt.promoteTypes(a, b);
      if (got !== want) { bad++; t.fail(`promoteTypes(${a}, ${b}) = ${got}, torch says ${want}`); }
    });
  }
  t.equal(bad, 0, 'all 64 pairs match');
  let asym = 0;
  for (const a of D) for (const b of D) if (nt.promoteTypes(a, b) !== nt.promoteTypes(b, a)) asym++;
  t.equal(asym, 0, 'promotion is symmetric');
  t.end();
});

const tz = (dtype: DType, shape: number[] = [3]) => nt.ones(shape, { dtype });

test('tensor (op) scalar: a scalar raises the category only', (t) => {
  const cases: [string, () => nt.Tensor, DType][] = [
    ['int64 + 2.5', () => tz('int64').add(2.5), 'float32'],
    ['int32 * 2.5', () => tz('int32').mul(2.5), 'float32'],
    ['uint8 - 0.5', () => tz('uint8').sub(0.5), 'float32'],
    ['float16 + 1.5', () => tz('float16').add(1.5), 'float16'],
    ['bfloat16 * 1.5', () => tz('bfloat16').mul(1.5), 'bfloat16'],
    ['float64 + 1.5', () => tz('float64').add(1.5), 'float64'],
    ['float16 + 2 (int scalar)', () => tz('float16').add(2), 'float16'],
    ['bool + 1', () => tz('bool').add(1), 'int64'],
    ['bool + 1.5', () => tz('bool').add(1.5), 'float32'],
    ['bool + true', () => tz('bool').add(true), 'bool'],
    ['int32 + 1', () => tz('int32').add(1), 'int32'],
    ['uint8 + 1', () => tz('uint8').add(1), 'uint8'],
    ['int32 + true', () => tz('int32').add(true), 'int32'],
    ['2.5 - int32 (scalar first)', () => nt.sub(2.5, tz('int32')), 'float32'],
    ['int32 < 2.5', () => tz('int32').lt(2.5), 'bool'],
    ['int64 / 2 (true division)', () => tz('int64').div(2), 'float32'],
    ['int64 / 2 floor', () => tz('int64').div(2, { roundingMode: 'floor' }), 'int64'],
    ['float16 / 2', () => tz('float16').div(2), 'float16'],
    ['int32 ** 2', () => tz('int32').pow(2), 'int32'],
    ['int32 ** 0.5', () => tz('int32').pow(0.5), 'float32'],
    ['int32.clamp(0, 2.5)', () => tz('int32').clamp(0, 2.5), 'float32'],
    ['int32.clamp(0, 2)', () => tz('int32').clamp(0, 2), 'int32'],
    ['where(c, int32, 2.5)', () => nt.where(tz('bool'), tz('int32'), 2.5), 'float32'],
    ['where(c, int32, 2)', () => nt.where(tz('bool'), tz('int32'), 2), 'int32'],
    ['where(c, 1, 2)', () => nt.where(tz('bool'), 1, 2), 'int64'],
    ['where(c, 1.5, 2)', () => nt.where(tz('bool'), 1.5, 2), 'float32'],
    ['int32.maskedFill(m, 7)', () => tz('int32').maskedFill(tz('bool'), 7), 'int32'],
  ];
  for (const [what, fn, want] of cases) {
    let got: string;
    try { const y = fn(); got = y.dtype; y.dispose(); } catch (e) { got = `threw ${(e as Error).message}`; }
    t.equal(got, want, `${what} -> ${want}`);
  }
  t.end();
});

test('tensor (op) tensor: 0-d tensors do not win within a category', (t) => {
  const cases: [string, DType, number[], DType, number[], DType][] = [
    ['int32[3] + int64[]', 'int32', [3], 'int64', [], 'int32'],
    ['uint8[3] + int64[]', 'uint8', [3], 'int64', [], 'uint8'],
    ['float16[3] + float64[]', 'float16', [3], 'float64', [], 'float16'],
    ['float32[3] + float64[]', 'float32', [3], 'float64', [], 'float32'],
    ['bfloat16[3] + float32[]', 'bfloat16', [3], 'float32', [], 'bfloat16'],
    ['int32[3] + float64[] (higher category)', 'int32', [3], 'float64', [], 'float64'],
    ['int64[3] + float16[]', 'int64', [3], 'float16', [], 'float16'],
    ['bool[3] + int32[]', 'bool', [3], 'int32', [], 'int32'],
    ['bool[3] + uint8[]', 'bool', [3], 'uint8', [], 'uint8'],
    ['int64[] + int32[3] (0-d first)', 'int64', [], 'int32', [3], 'int32'],
    ['int32[] + int64[] (both 0-d)', 'int32', [], 'int64', [], 'int64'],
    ['float32[] + float64[] (both 0-d)', 'float32', [], 'float64', [], 'float64'],
    ['int32[3] + int64[3]', 'int32', [3], 'int64', [3], 'int64'],
    ['float16[3] + bfloat16[3]', 'float16', [3], 'bfloat16', [3], 'float32'],
    ['uint8[3] + bool[1]', 'uint8', [3], 'bool', [1], 'uint8'],
    ['int32[3] + float64[1] (1 element but 1-d)', 'int32', [3], 'float64', [1], 'float64'],
    ['float32[3] + float64[1]', 'float32', [3], 'float64', [1], 'float64'],
  ];
  for (const [what, da, sa, db, sb, want] of cases) {
    let got: string;
    try { const y = nt.add(tz(da, sa), tz(db, sb)); got = y.dtype; y.dispose(); } catch (e) { got = `threw ${(e as Error).message}`; }
    t.equal(got, want, `${what} -> ${want}`);
  }
  const w = nt.where(tz('bool'), tz('float16'), tz('float32', []));
  t.equal(w.dtype, 'float16', 'where(c, float16[3], float32[]) -> float16');
  const c = nt.cat([tz('int32'), tz('float16')]);
  t.equal(c.dtype, 'float16', 'cat(int32, float16) -> float16');
  t.equal(nt.cat([tz('bool'), tz('uint8')]).dtype, 'uint8', 'cat(bool, uint8) -> uint8');
  t.equal(nt.cat([tz('int32'), tz('int64')]).dtype, 'int64', 'cat(int32, int64) -> int64');
  t.end();
});

test('reductions and in-place ops keep PyTorch dtypes', (t) => {
  const cases: [string, () => nt.Tensor, DType][] = [
    ['sum(int32)', () => tz('int32').sum(), 'int64'],
    ['sum(bool)', () => tz('bool').sum(), 'int64'],
    ['sum(uint8)', () => tz('uint8').sum(0), 'int64'],
    ['sum(float16)', () => tz('float16').sum(), 'float16'],
    ['sum(int32, dtype float64)', () => tz('int32').sum(null, false, { dtype: 'float64' }), 'float64'],
    ['prod(bool)', () => tz('bool').prod(), 'int64'],
    ['cumsum(int32)', () => tz('int32').cumsum(0), 'int64'],
    ['mean(bfloat16)', () => tz('bfloat16').mean(), 'bfloat16'],
    ['amax(uint8)', () => tz('uint8').amax(), 'uint8'],
    ['argmax(float16)', () => tz('float16').argmax(), 'int64'],
    ['all(float32)', () => tz('float32').all(), 'bool'],
    ['exp(int32)', () => tz('int32').exp(), 'float32'],
    ['sqrt(bool)', () => tz('bool').sqrt(), 'float32'],
    ['abs(int32)', () => tz('int32').abs(), 'int32'],
    ['neg(uint8)', () => tz('uint8').neg(), 'uint8'],
    ['int32.add_(int64)', () => tz('int32').add_(tz('int64')), 'int32'],
    ['float32.add_(float64)', () => tz('float32').add_(tz('float64')), 'float32'],
    ['float32.mul_(int64)', () => tz('float32').mul_(tz('int64')), 'float32'],
    ['float16.add_(1.5)', () => tz('float16').add_(1.5), 'float16'],
  ];
  for (const [what, fn, want] of cases) {
    let got: string;
    try { const y = fn(); got = y.dtype; y.dispose(); } catch (e) { got = `threw ${(e as Error).message}`; }
    t.equal(got, want, `${what} -> ${want}`);
  }
  t.end();
});

test('promoted results carry the right values', (t) => {
  const v = (x: nt.Tensor) => Array.from(x.dataSync() as ArrayLike<number | bigint>, Number);
  t.same(v(nt.tensor([1, 2, 3]).add(2.5)), [3.5, 4.5, 5.5], 'int64 + 2.5');
  t.same(v(nt.tensor([1, 2], { dtype: 'float16' }).add(1.5)), [2.5, 3.5], 'float16 + 1.5');
  t.same(v(nt.tensor([true, false]).add(1)), [2, 1], 'bool + 1');
  t.same(v(nt.tensor([true, false]).add(true)), [1, 1], 'bool + true (logical or)');
  t.same(v(nt.tensor([1, 2], { dtype: 'int32' }).add(nt.tensor(0.5, { dtype: 'float64' }))), [1.5, 2.5], 'int32[2] + float64[] 0.5');
  t.same(v(nt.tensor([250], { dtype: 'uint8' }).add(nt.tensor(10))), [4], 'uint8[1] + int64[] 10 wraps in uint8');
  t.same(v(nt.tensor([7, -7]).div(2)), [3.5, -3.5], 'int64 / 2');
  t.same(v(nt.tensor([7, -7]).div(2, { roundingMode: 'floor' })), [3, -4], 'int64 // 2 floor');
  t.same(v(nt.tensor([7, -7]).div(2, { roundingMode: 'trunc' })), [3, -3], 'int64 / 2 trunc');
  t.end();
});
