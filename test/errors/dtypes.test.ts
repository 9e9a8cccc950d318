// dtypes.test.ts — bad-input tests for dtypes and values: ops given a dtype they don't take,
// unknown dtype strings, tensor() from ragged/non-numeric data, bad scalars, setNumThreads.
// Not here: shape errors (shapes.test.ts), devices (devices.test.ts).
import test from 'tape';
import * as nt from '../../lib';

type ErrClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/** Asserts fn throws exactly `cls` (not a subclass or superclass) with a message matching every regex. */
function throwsLike(t: test.Test, fn: () => unknown, cls: ErrClass, res: RegExp | RegExp[], what: string): void {
  let err: unknown = undefined, threw = false;
  try { fn(); } catch (e) { threw = true; err = e; }
  if (!threw) { t.fail(`${what}: expected ${cls.name}, nothing was thrown`); return; }
  const e = err as Error;
  t.equal(e?.constructor?.name, cls.name, `${what}: throws ${cls.name}`);
  const msg = String(e?.message);
  for (const re of Array.isArray(res) ? res : [res]) t.match(msg, re, `${what}: message ${re} (got: ${msg})`);
}

const any = (v: unknown): never => v as never;

test('ops refuse dtypes they do not take, naming the op and the dtype', (t) => {
  const i64 = nt.tensor([[1, 2], [3, 4]]);
  const i32 = nt.tensor([1, 2], { dtype: 'int32' });
  const b = nt.tensor([true, false]);
  const f32 = nt.ones([2, 2]), f64 = nt.ones([2, 2], { dtype: 'float64' });
  throwsLike(t, () => i64.mean(), TypeError, [/mean/, /int64/, /float/], 'mean of int64');
  throwsLike(t, () => i32.mean(0), TypeError, [/mean/, /int32/], 'mean of int32 along a dim');
  throwsLike(t, () => b.mean(), TypeError, [/mean/, /bool/], 'mean of bool');
  throwsLike(t, () => i64.softmax(1), TypeError, [/softmax/, /int64/, /float/], 'softmax of int64');
  throwsLike(t, () => i32.logSoftmax(0), TypeError, [/logSoftmax/, /int32/], 'logSoftmax of int32');
  throwsLike(t, () => i64.var(), TypeError, [/var/, /int64/], 'var of int64');
  throwsLike(t, () => i64.std(), TypeError, [/std/, /int64/], 'std of int64');
  throwsLike(t, () => b.neg(), TypeError, [/neg/, /bool/], 'neg of bool');
  throwsLike(t, () => b.abs(), TypeError, [/abs/, /bool/], 'abs of bool');
  throwsLike(t, () => b.relu(), TypeError, [/relu/, /bool/], 'relu of bool');
  throwsLike(t, () => b.sub(b), TypeError, [/sub/, /bool/], 'bool - bool');
  throwsLike(t, () => b.pow(b), TypeError, [/pow/, /bool/], 'bool ** bool');
  throwsLike(t, () => b.argmax(), TypeError, [/argmax/, /bool/], 'argmax of bool');
  throwsLike(t, () => f32.matmul(f64), TypeError, [/matmul/, /float32/, /float64/], 'matmul float32 @ float64');
  throwsLike(t, () => f32.mm(f64), TypeError, [/mm/, /float32/, /float64/], 'mm float32 @ float64');
  throwsLike(t, () => i64.matmul(f32), TypeError, [/matmul/, /int64/, /float32/], 'matmul int64 @ float32');
  throwsLike(t, () => nt.ones([2, 2], { dtype: 'bool' }).matmul(nt.ones([2, 2], { dtype: 'bool' })), TypeError, [/matmul/, /bool/], 'matmul of bool');
  const x = nt.ones([3, 2]);
  const fidx = nt.tensor([0, 1], { dtype: 'float32' });
  throwsLike(t, () => x.indexSelect(0, fidx), TypeError, [/indexSelect/, /index/, /float32/, /int64 or int32/], 'indexSelect with a float index');
  throwsLike(t, () => x.gather(0, nt.tensor([[0.5]])), TypeError, [/gather/, /float32/], 'gather with a float index');
  throwsLike(t, () => x.take(nt.tensor([true])), TypeError, [/take/, /bool/], 'take with a bool index');
  throwsLike(t, () => x.scatter(0, nt.tensor([[0]], { dtype: 'float64' }), 1), TypeError, [/scatter/, /float64/], 'scatter with a float index');
  throwsLike(t, () => x.scatterAdd(0, nt.tensor([[0]], { dtype: 'uint8' }), x), TypeError, [/scatterAdd/, /uint8/], 'scatterAdd with a uint8 index');
  throwsLike(t, () => x.indexAdd(0, nt.tensor([0], { dtype: 'float16' }), nt.ones([1, 2])), TypeError, [/indexAdd/, /float16/], 'indexAdd with a float16 index');
  throwsLike(t, () => nt.where(i64, f32, f32), TypeError, [/where/, /condition/, /bool/, /int64/], 'where with an int condition');
  throwsLike(t, () => f32.maskedFill(f32, 0), TypeError, [/maskedFill/, /mask/, /bool/, /float32/], 'maskedFill with a float mask');
  throwsLike(t, () => i64.maskedFill(nt.tensor([true, false]), 1.5), TypeError, [/maskedFill/, /1\.5/, /int64/], 'maskedFill a fractional value into int64');
  throwsLike(t, () => nt.ones([2], { dtype: 'int32' }).fill_(2.5), TypeError, [/fill_/, /2\.5/, /int32/], 'fill_ a fractional value into int32');
  // Values an integer tensor cannot hold (PyTorch: "value cannot be converted to type int32_t without overflow").
  for (const v of [NaN, Infinity, -Infinity, 2 ** 40]) {
    let e: unknown = null;
    try { nt.zeros([2], { dtype: 'int32' }).fill_(v); } catch (err) { e = err; }
    t.ok(e instanceof Error && /fill_/.test((e as Error).message) && /int32/.test((e as Error).message),
      `fill_(${v}) into int32 throws an error naming fill_ and int32 (got: ${e === null ? 'no error' : (e as Error).message})`);
  }
  throwsLike(t, () => nt.ones([2], { dtype: 'int64' }).add_(1.5), TypeError, [/add_/, /float32/, /int64/], 'add_ of a float result into int64');
  throwsLike(t, () => nt.ones([2], { dtype: 'int32' }).mul_(nt.ones([2])), TypeError, [/mul_/, /float32/, /int32/], 'mul_ of a float tensor into int32');
  throwsLike(t, () => b.add_(1), TypeError, [/add_/, /int64/, /bool/], 'add_ of an int result into bool');
  throwsLike(t, () => f32.div(f32, { roundingMode: any('round') }), TypeError, [/div/, /roundingMode/, /round/], 'div with an unknown rounding mode');
  throwsLike(t, () => f32.gelu({ approximate: any('fast') }), TypeError, [/gelu/, /approximate/, /fast/], 'gelu with an unknown approximation');
  throwsLike(t, () => nt.rand([2], { dtype: 'int32' }), TypeError, [/rand/, /floating/, /int32/], 'rand with an int dtype');
  throwsLike(t, () => nt.randn([2], { dtype: 'bool' }), TypeError, [/randn/, /bool/], 'randn with a bool dtype');
  t.end();
});

test('non-tensor, non-number operands', (t) => {
  const x = nt.ones([2]);
  throwsLike(t, () => x.add(any('1')), TypeError, [/add/, /string/], 'add a string');
  throwsLike(t, () => x.mul(any(null)), TypeError, [/mul/, /null/], 'mul null');
  throwsLike(t, () => x.add(any(undefined)), TypeError, [/add/, /undefined/], 'add undefined');
  throwsLike(t, () => x.add(any([1, 2])), TypeError, [/add/, /object/], 'add a plain array');
  throwsLike(t, () => nt.add(any(1), any(2)), TypeError, [/add/, /Tensor/], 'nt.add of two numbers');
  throwsLike(t, () => x.matmul(any([1, 2])), TypeError, [/matmul/, /Tensor/], 'matmul with an array');
  throwsLike(t, () => x.indexSelect(0, any([0])), TypeError, [/indexSelect/, /Tensor/], 'indexSelect with an array index');
  throwsLike(t, () => nt.cat([x, any(3)]), TypeError, [/cat/, /element 1/, /Tensor/], 'cat with a number');
  throwsLike(t, () => nt.full([2], any('a')), TypeError, [/full/, /string/], 'full with a string');
  throwsLike(t, () => x.fill_(any('a')), TypeError, [/fill_/, /string/], 'fill_ with a string');
  throwsLike(t, () => x.clamp(any('0')), TypeError, [/clamp/, /string/], 'clamp with a string bound');
  throwsLike(t, () => nt.where(nt.tensor([true, false]), x, any('y')), TypeError, [/where/, /string/], 'where with a string');
  t.end();
});

test('unknown dtype strings', (t) => {
  const x = nt.ones([2]);
  throwsLike(t, () => nt.zeros([2], { dtype: any('float8') }), TypeError, [/zeros/, /unknown dtype/, /float8/, /float32/], 'zeros dtype float8');
  throwsLike(t, () => nt.tensor([1], { dtype: any('int') }), TypeError, [/tensor/, /unknown dtype/, /"int"/], 'tensor dtype int');
  throwsLike(t, () => nt.full([2], 1, { dtype: any('half') }), TypeError, [/full/, /half/], 'full dtype half');
  throwsLike(t, () => nt.arange(3, undefined, 1, { dtype: any('long') }), TypeError, [/arange/, /long/], 'arange dtype long');
  throwsLike(t, () => nt.rand([2], { dtype: any('Float32') }), TypeError, [/rand/, /Float32/], 'rand dtype Float32 (case matters)');
  throwsLike(t, () => nt.empty([2], { dtype: any('') }), TypeError, [/empty/, /unknown dtype/], 'empty dtype ""');
  throwsLike(t, () => x.to({ dtype: any('float8') }), TypeError, [/to/, /unknown dtype/, /float8/], 'to({dtype: float8})');
  throwsLike(t, () => x.sum(undefined, false, { dtype: any('int128') }), TypeError, [/sum/, /int128/], 'sum dtype int128');
  throwsLike(t, () => nt.zerosLike(x, { dtype: any('f32') }), TypeError, [/f32/], 'zerosLike dtype f32');
  // A string that is neither a dtype nor a device: the message should say it could be either.
  throwsLike(t, () => x.to(any('float8')), TypeError, [/float8/, /dtype/], "to('float8')");
  throwsLike(t, () => nt.promoteTypes(any('float8'), 'float32'), TypeError, [/promoteTypes/, /float8/], 'promoteTypes with an unknown dtype');
  throwsLike(t, () => nt.promoteTypes('int32', any('i8')), TypeError, [/promoteTypes/, /i8/], 'promoteTypes with an unknown second dtype');
  t.end();
});

test('tensor() from ragged, non-numeric or odd data', (t) => {
  throwsLike(t, () => nt.tensor([[1, 2], [3]]), RangeError, [/tensor/, /rectangular/, /\[1\]/, /expected 2/, /got 1/], 'ragged [[1,2],[3]]');
  throwsLike(t, () => nt.tensor(any([[1, 2], 3])), RangeError, [/tensor/, /rectangular/, /\[1\]/, /scalar/], 'ragged [[1,2],3]');
  throwsLike(t, () => nt.tensor(any([1, [2]])), TypeError, [/tensor/, /nested array/, /\[1\]/], 'ragged [1,[2]]');
  throwsLike(t, () => nt.tensor([[[1], [2]], [[3], [4, 5]]]), RangeError, [/tensor/, /\[1, 1\]/], 'ragged at depth 3');
  throwsLike(t, () => nt.tensor([[], [1]]), RangeError, [/tensor/, /\[1\]/], 'ragged [[],[1]]');
  throwsLike(t, () => nt.tensor(any(['a', 'b'])), TypeError, [/tensor/, /string/, /\[0\]/], "tensor(['a','b'])");
  throwsLike(t, () => nt.tensor(any([[1, 'x']])), TypeError, [/tensor/, /string/, /\[0, 1\]/], "tensor([[1,'x']])");
  throwsLike(t, () => nt.tensor(any('abc')), TypeError, [/tensor/, /string/], "tensor('abc')");
  throwsLike(t, () => nt.tensor(any([null])), TypeError, [/tensor/, /null/], 'tensor([null])');
  throwsLike(t, () => nt.tensor(any([undefined])), TypeError, [/tensor/, /undefined/], 'tensor([undefined])');
  throwsLike(t, () => nt.tensor(any({ a: 1 })), TypeError, [/tensor/, /object/], 'tensor({a: 1})');
  throwsLike(t, () => nt.tensor(any([1n])), TypeError, [/tensor/, /bigint/], 'tensor([1n])');
  throwsLike(t, () => nt.tensor(any([[[[[[[[[1]]]]]]]]])), RangeError, [/tensor/, /8 dimensions/, /9/], 'tensor with 9 nesting levels');
  throwsLike(t, () => nt.tensor([NaN], { dtype: 'int64' }), RangeError, [/tensor/, /NaN/, /int64/], 'NaN into int64');
  throwsLike(t, () => nt.tensor([Infinity], { dtype: 'int32' }), RangeError, [/tensor/, /Infinity/, /int32/], 'Infinity into int32');
  throwsLike(t, () => nt.tensor(new DataView(new ArrayBuffer(4)) as never), TypeError, [/tensor/], 'tensor(DataView)');
  t.end();
});

test('item() needs exactly one element', (t) => {
  throwsLike(t, () => nt.zeros([2, 3]).item(), RangeError, [/item/, /6 elements/, /\[2, 3\]/], 'item of [2,3]');
  throwsLike(t, () => nt.zeros([0]).item(), RangeError, [/item/, /0 elements/, /\[0\]/], 'item of an empty tensor');
  t.equal(nt.full([1, 1, 1], 3).item(), 3, 'item of [1,1,1] works');
  t.end();
});

test('setNumThreads rejects non-positive and non-integer counts', (t) => {
  const before = nt.getNumThreads();
  throwsLike(t, () => nt.setNumThreads(0), RangeError, [/setNumThreads/, /positive integer/, /0/], 'setNumThreads(0)');
  throwsLike(t, () => nt.setNumThreads(-2), RangeError, [/setNumThreads/, /-2/], 'setNumThreads(-2)');
  throwsLike(t, () => nt.setNumThreads(1.5), RangeError, [/setNumThreads/, /1\.5/], 'setNumThreads(1.5)');
  throwsLike(t, () => nt.setNumThreads(NaN), RangeError, [/setNumThreads/, /NaN/], 'setNumThreads(NaN)');
  throwsLike(t, () => nt.setNumThreads(any('2')), RangeError, [/setNumThreads/, /2/], "setNumThreads('2')");
  t.equal(nt.getNumThreads(), before, 'the thread count is unchanged after refused calls');
  t.end();
});
