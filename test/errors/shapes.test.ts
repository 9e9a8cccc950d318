// shapes.test.ts — bad-input tests for shapes: broadcasting, matmul dims, dims out of range or
// repeated, impossible reshape/view, bad sizes. Each checks the error class and that the message
// names the op and the shapes/dims involved. Not here: dtype errors (dtypes.test.ts).
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

test('broadcast: incompatible shapes name the op and both shapes', (t) => {
  const a = nt.zeros([2, 3]), b = nt.zeros([4]), c = nt.zeros([3, 2]);
  throwsLike(t, () => a.add(b), RangeError, [/add/, /\[2, 3\]/, /\[4\]/], 'add [2,3]+[4]');
  throwsLike(t, () => nt.add(a, c), RangeError, [/add/, /\[2, 3\]/, /\[3, 2\]/], 'nt.add [2,3]+[3,2]');
  throwsLike(t, () => a.sub(b), RangeError, [/sub/, /\[2, 3\]/, /\[4\]/], 'sub');
  throwsLike(t, () => a.mul(b), RangeError, [/mul/, /\[2, 3\]/, /\[4\]/], 'mul');
  throwsLike(t, () => a.div(c), RangeError, [/div/, /\[2, 3\]/, /\[3, 2\]/], 'div');
  throwsLike(t, () => a.eq(b), RangeError, [/eq/, /\[2, 3\]/, /\[4\]/], 'eq');
  throwsLike(t, () => nt.maximum(a, b), RangeError, [/maximum/, /\[2, 3\]/, /\[4\]/], 'maximum');
  throwsLike(t, () => a.pow(b), RangeError, [/pow/, /\[2, 3\]/, /\[4\]/], 'pow');
  const mask = nt.zeros([3, 2], { dtype: 'bool' });
  throwsLike(t, () => nt.where(mask, a, 0), RangeError, [/where/, /\[3, 2\]/, /\[2, 3\]/], 'where cond [3,2] vs input [2,3]');
  throwsLike(t, () => nt.where(nt.zeros([2, 3], { dtype: 'bool' }), a, b), RangeError, [/where/, /\[2, 3\]/, /\[4\]/], 'where other [4]');
  throwsLike(t, () => a.maskedFill(mask, 0), RangeError, [/maskedFill/, /\[2, 3\]/, /\[3, 2\]/], 'maskedFill mask [3,2]');
  // A mask that broadcasts with the input but to a bigger shape is refused too.
  throwsLike(t, () => a.maskedFill(nt.zeros([2, 2, 3], { dtype: 'bool' }), 0), RangeError, [/maskedFill/, /\[2, 2, 3\]/, /\[2, 3\]/], 'maskedFill mask [2,2,3]');
  throwsLike(t, () => a.copy_(b), RangeError, [/copy_/, /\[4\]/, /\[2, 3\]/], 'copy_ [4] into [2,3]');
  throwsLike(t, () => a.copy_(nt.zeros([2, 2, 3])), RangeError, [/copy_/, /\[2, 2, 3\]/, /\[2, 3\]/], 'copy_ [2,2,3] into [2,3]');
  throwsLike(t, () => nt.zeros([3]).add_(a), RangeError, [/add_/, /\[2, 3\]/, /\[3\]/], 'add_ result bigger than the in-place tensor');
  throwsLike(t, () => nt.zeros([1, 3]).mul_(a), RangeError, [/mul_/, /\[2, 3\]/, /\[1, 3\]/], 'mul_ into a broadcastable tensor');
  throwsLike(t, () => a.expand([3, 3]), RangeError, [/expand/, /\[3, 3\]/, /\[2, 3\]/], 'expand [2,3] -> [3,3]');
  throwsLike(t, () => a.expand([3]), RangeError, [/expand/, /\[3\]/, /\[2, 3\]/], 'expand to fewer dims');
  throwsLike(t, () => nt.cat([a, nt.zeros([2, 4])], 0), RangeError, [/cat/, /\[2, 3\]/, /\[2, 4\]/], 'cat sizes differ off-dim');
  throwsLike(t, () => nt.cat([a, nt.zeros([6])]), RangeError, [/cat/, /\[2, 3\]/, /\[6\]/], 'cat ndim differs');
  throwsLike(t, () => nt.stack([a, c]), RangeError, [/stack/, /\[2, 3\]/, /\[3, 2\]/], 'stack shapes differ');
  t.end();
});

test('matmul: inner-dimension and batch mismatches name both shapes', (t) => {
  const a = nt.zeros([2, 3]), b = nt.zeros([4, 5]);
  throwsLike(t, () => a.matmul(b), RangeError, [/matmul/, /\[2, 3\]/, /\[4, 5\]/, /3/, /4/], 'matmul [2,3]@[4,5]');
  throwsLike(t, () => a.mm(b), RangeError, [/^mm/, /\[2, 3\]/, /\[4, 5\]/], 'mm [2,3]@[4,5]');
  throwsLike(t, () => nt.mm(nt.zeros([2, 3, 4]), nt.zeros([4, 2])), RangeError, [/mm/, /2-D/, /\[2, 3, 4\]/], 'mm of a 3-D tensor');
  throwsLike(t, () => nt.zeros([2, 3]).matmul(nt.zeros([2])), RangeError, [/matmul/, /\[2, 3\]/, /\[2\]/], 'matrix-vector mismatch');
  throwsLike(t, () => nt.zeros([3]).matmul(nt.zeros([4])), RangeError, [/matmul/, /\[3\]/, /\[4\]/], 'dot mismatch');
  throwsLike(t, () => nt.bmm(nt.zeros([2, 3, 4]), nt.zeros([3, 4, 5])), RangeError, [/bmm/, /batch/, /\[2, 3, 4\]/, /\[3, 4, 5\]/], 'bmm batch mismatch');
  throwsLike(t, () => nt.bmm(nt.zeros([2, 3, 4]), nt.zeros([2, 5, 5])), RangeError, [/bmm/, /\[2, 3, 4\]/, /\[2, 5, 5\]/], 'bmm inner mismatch');
  throwsLike(t, () => nt.bmm(nt.zeros([3, 4]), nt.zeros([4, 5])), RangeError, [/bmm/, /3-D/], 'bmm of 2-D tensors');
  throwsLike(t, () => nt.zeros([]).matmul(nt.zeros([3])), RangeError, [/matmul/, /at least 1 dimension/, /\[\]/, /\[3\]/], '0-d @ 1-d');
  throwsLike(t, () => nt.zeros([3]).matmul(nt.zeros([])), RangeError, [/matmul/, /\[3\]/, /\[\]/], '1-d @ 0-d');
  // Batch dims that cannot broadcast: the message should show the operands' own shapes.
  throwsLike(t, () => nt.zeros([2, 2, 3]).matmul(nt.zeros([3, 3, 4])), RangeError, [/matmul/, /\[2, 2, 3\]/, /\[3, 3, 4\]/], 'matmul batch broadcast mismatch');
  throwsLike(t, () => nt.outer(nt.zeros([2, 2]), nt.zeros([2])), RangeError, [/outer/, /1-D/, /\[2, 2\]/], 'outer of a 2-D tensor');
  t.end();
});

test('dims: out of range, repeated, wrong count', (t) => {
  const x = nt.zeros([2, 3]);
  throwsLike(t, () => x.sum(2), RangeError, [/sum/, /dimension 2/, /out of range/, /2 dimensions/], 'sum(2) of 2-D');
  throwsLike(t, () => x.sum(-3), RangeError, [/sum/, /-3/], 'sum(-3)');
  throwsLike(t, () => x.sum([0, 0]), RangeError, [/sum/, /dimension 0/, /more than once/], 'sum([0, 0])');
  throwsLike(t, () => x.sum([1, -1]), RangeError, [/sum/, /dimension 1/, /more than once/], 'sum([1, -1]) repeats after normalising');
  throwsLike(t, () => x.mean(5), RangeError, [/mean/, /5/], 'mean(5)');
  throwsLike(t, () => x.amax(3), RangeError, [/amax/, /3/], 'amax(3)');
  throwsLike(t, () => x.argmax(2), RangeError, [/argmax/, /2/], 'argmax(2)');
  throwsLike(t, () => x.softmax(2), RangeError, [/softmax/, /dimension 2/], 'softmax(2)');
  throwsLike(t, () => x.cumsum(-3), RangeError, [/cumsum/, /-3/], 'cumsum(-3)');
  throwsLike(t, () => x.sort(4), RangeError, [/sort/, /4/], 'sort(4)');
  throwsLike(t, () => x.permute([0, 0]), RangeError, [/permute/, /dimension 0/, /more than once/], 'permute([0, 0])');
  throwsLike(t, () => x.permute([1, -1]), RangeError, [/permute/, /more than once/], 'permute([1, -1])');
  throwsLike(t, () => x.permute([0]), RangeError, [/permute/, /expected 2 dims/, /\[2, 3\]/], 'permute with too few dims');
  throwsLike(t, () => x.permute([0, 2]), RangeError, [/permute/, /dimension 2/], 'permute with dim 2');
  throwsLike(t, () => x.transpose(0, 2), RangeError, [/transpose/, /2/], 'transpose(0, 2)');
  throwsLike(t, () => x.unsqueeze(3), RangeError, [/unsqueeze/, /3/], 'unsqueeze(3) of 2-D');
  throwsLike(t, () => x.squeeze(2), RangeError, [/squeeze/, /2/], 'squeeze(2)');
  throwsLike(t, () => x.select(0, 2), RangeError, [/select/, /index 2/, /size 2/], 'select index out of range');
  throwsLike(t, () => x.select(2, 0), RangeError, [/select/, /dimension 2/], 'select dim out of range');
  throwsLike(t, () => x.flatten(1, 0), RangeError, [/flatten/], 'flatten(1, 0)');
  throwsLike(t, () => x.size(2), RangeError, [/size/, /2/], 'size(2)');
  throwsLike(t, () => x.sum(1.5), RangeError, [/sum/, /1\.5/], 'sum(1.5)');
  throwsLike(t, () => nt.cat([x, x], 2), RangeError, [/cat/, /2/], 'cat dim 2');
  throwsLike(t, () => nt.stack([x, x], 3), RangeError, [/stack/, /3/], 'stack dim 3');
  throwsLike(t, () => nt.zeros([3, 4, 5]).t(), RangeError, [/^t:/, /\[3, 4, 5\]/], 't() of 3-D');
  const idx = nt.tensor([0]);
  throwsLike(t, () => x.indexSelect(2, idx), RangeError, [/indexSelect/, /2/], 'indexSelect dim 2');
  throwsLike(t, () => x.gather(-3, nt.tensor([[0]])), RangeError, [/gather/, /-3/], 'gather dim -3');
  throwsLike(t, () => x.gather(0, idx), RangeError, [/gather/, /dimensions/, /\[1\]/], 'gather index ndim');
  throwsLike(t, () => x.gather(0, nt.tensor([[0, 0, 0, 0]])), RangeError, [/gather/, /\[1, 4\]/, /\[2, 3\]/], 'gather index too big off-dim');
  throwsLike(t, () => x.indexSelect(0, nt.tensor([[0]])), RangeError, [/indexSelect/, /1-D/, /\[1, 1\]/], 'indexSelect 2-D index');
  throwsLike(t, () => x.indexAdd(0, nt.tensor([0, 1]), nt.zeros([2, 4])), RangeError, [/indexAdd/, /\[2, 3\]/, /\[2, 4\]/], 'indexAdd source shape');
  throwsLike(t, () => x.scatter(0, nt.tensor([[0, 1]]), nt.zeros([1, 1])), RangeError, [/scatter/, /src/], 'scatter src smaller than index');
  t.end();
});

test('reshape/view: impossible targets', (t) => {
  const x = nt.zeros([2, 3]);
  throwsLike(t, () => x.t().view([6]), Error, [/view/, /\[3, 2\]/, /strides/, /\[6\]/, /reshape/], 'view of a transposed tensor');
  throwsLike(t, () => x.reshape([-1, -1]), RangeError, [/reshape/, /one dimension/, /-1/], 'reshape with -1 twice');
  throwsLike(t, () => x.view(-1, -1), RangeError, [/view/, /-1/], 'view with -1 twice');
  throwsLike(t, () => x.reshape([4]), RangeError, [/reshape/, /\[4\]/, /size 6/], 'reshape [4] of 6 elements');
  throwsLike(t, () => x.reshape([-1, 4]), RangeError, [/reshape/, /\[-1, 4\]/, /6/], 'reshape [-1, 4] of 6 elements');
  throwsLike(t, () => x.view([5]), RangeError, [/view/, /\[5\]/, /6/], 'view [5] of 6 elements');
  throwsLike(t, () => x.reshape([2.5, 2]), RangeError, [/reshape/, /2\.5/], 'reshape with a fraction');
  throwsLike(t, () => x.reshape([-2, -3]), RangeError, [/reshape/, /-2/], 'reshape with -2');
  throwsLike(t, () => nt.zeros([0, 3]).reshape([-1, 0]), RangeError, [/reshape/, /\[-1, 0\]/], '-1 with a zero size is ambiguous');
  throwsLike(t, () => nt.zeros([1, 1, 1, 1, 1, 1, 1, 1]).reshape([1, 1, 1, 1, 1, 1, 1, 1, 1]), RangeError, [/reshape/, /8 dimensions/], 'reshape to 9 dims');
  t.end();
});

test('sizes: negative, fractional, non-numeric; argument ranges', (t) => {
  throwsLike(t, () => nt.zeros([2, -1]), RangeError, [/zeros/, /\[2, -1\]/, /non-negative integers/], 'zeros([2, -1])');
  throwsLike(t, () => nt.ones([1.5]), RangeError, [/ones/, /\[1\.5\]/], 'ones([1.5])');
  throwsLike(t, () => nt.empty([NaN]), RangeError, [/empty/, /NaN/], 'empty([NaN])');
  throwsLike(t, () => nt.full([Infinity], 1), RangeError, [/full/, /Infinity/], 'full([Infinity])');
  throwsLike(t, () => nt.zeros(['2' as unknown as number]), RangeError, [/zeros/, /"2"/], 'zeros(["2"])');
  throwsLike(t, () => nt.zeros('abc' as unknown as number[]), TypeError, [/zeros/, /size/], 'zeros("abc")');
  throwsLike(t, () => nt.rand([-3]), RangeError, [/rand/, /-3/], 'rand([-3])');
  throwsLike(t, () => nt.randn([2, 0.5]), RangeError, [/randn/, /0\.5/], 'randn([2, 0.5])');
  throwsLike(t, () => nt.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]), RangeError, [/zeros/, /8 dimensions/, /9/], 'zeros with 9 dims');
  throwsLike(t, () => nt.arange(0, 10, 0), RangeError, [/arange/, /step/, /nonzero/], 'arange step 0');
  throwsLike(t, () => nt.arange(0, 10, -1), RangeError, [/arange/, /inconsistent/], 'arange step of the wrong sign');
  throwsLike(t, () => nt.arange(NaN), RangeError, [/arange/, /NaN/], 'arange(NaN)');
  throwsLike(t, () => nt.arange(0, Infinity), RangeError, [/arange/, /end/, /Infinity/], 'arange(0, Infinity)');
  throwsLike(t, () => nt.linspace(0, 1, -1), RangeError, [/linspace/, /steps/, /-1/], 'linspace steps -1');
  throwsLike(t, () => nt.linspace(0, 1, 2.5), RangeError, [/linspace/, /2\.5/], 'linspace steps 2.5');
  throwsLike(t, () => nt.eye(-1), RangeError, [/eye/, /-1/], 'eye(-1)');
  throwsLike(t, () => nt.eye(2, 1.5), RangeError, [/eye/, /1\.5/], 'eye(2, 1.5)');
  throwsLike(t, () => nt.randint(5, 5, [2]), RangeError, [/randint/, /low=5/, /high=5/], 'randint low == high');
  throwsLike(t, () => nt.randint(6, 2, [2]), RangeError, [/randint/, /low=6/, /high=2/], 'randint low > high');
  throwsLike(t, () => nt.randint(0, 2.5, [2]), RangeError, [/randint/, /2\.5/], 'randint fractional high');
  throwsLike(t, () => nt.manualSeed(-1), RangeError, [/manualSeed/, /-1/], 'manualSeed(-1)');
  const x = nt.zeros([2, 3]);
  throwsLike(t, () => x.topk(4), RangeError, [/topk/, /k \(4\)/, /\[0, 3\]/, /\[2, 3\]/], 'topk k > size');
  throwsLike(t, () => x.topk(-1), RangeError, [/topk/, /-1/], 'topk k < 0');
  throwsLike(t, () => x.topk(1, 2), RangeError, [/topk/, /dimension 2/], 'topk dim out of range');
  throwsLike(t, () => x.narrow(1, 2, 2), RangeError, [/narrow/, /start \(2\)/, /length \(2\)/, /size 3/], 'narrow past the end');
  throwsLike(t, () => x.narrow(1, -5, 1), RangeError, [/narrow/, /-5/], 'narrow negative start out of range');
  throwsLike(t, () => x.narrow(1, 0, -1), RangeError, [/narrow/, /length/, /-1/], 'narrow negative length');
  throwsLike(t, () => x.narrow(2, 0, 1), RangeError, [/narrow/, /dimension 2/], 'narrow dim out of range');
  throwsLike(t, () => x.chunk(0), RangeError, [/chunk/, /positive integer/, /0/], 'chunk(0)');
  throwsLike(t, () => x.chunk(1.5), RangeError, [/chunk/, /1\.5/], 'chunk(1.5)');
  throwsLike(t, () => x.split(0, 1), RangeError, [/split/, /0/], 'split(0)');
  throwsLike(t, () => x.split([1, 1], 1), RangeError, [/split/, /\[1, 1\]/, /3/], 'split sizes not summing to the dim');
  throwsLike(t, () => x.slice(1, 0, 3, 0), RangeError, [/slice/, /step/, /0/], 'slice step 0');
  throwsLike(t, () => x.slice(1, 0, 3, -1), RangeError, [/slice/, /step/, /-1/], 'slice negative step');
  throwsLike(t, () => nt.cat([]), RangeError, [/cat/, /non-empty/], 'cat([])');
  throwsLike(t, () => nt.stack([]), RangeError, [/stack/, /non-empty/], 'stack([])');
  throwsLike(t, () => nt.cat([nt.zeros([]), nt.zeros([])]), RangeError, [/cat/, /zero-dimensional/], 'cat of 0-d tensors');
  throwsLike(t, () => nt.tensor(new Float32Array(6), { shape: [4] }), RangeError, [/tensor/, /\[4\]/, /6/], 'tensor(TypedArray) with a shape of another size');
  throwsLike(t, () => nt.tensor(new Float32Array(6), { shape: [2, -3] }), RangeError, [/tensor/, /-3/], 'tensor(TypedArray) with a negative size');
  throwsLike(t, () => x.clamp(), TypeError, [/clamp/, /min or max/], 'clamp()');
  t.end();
});

test('amax/argmax over an empty dimension', (t) => {
  const e = nt.zeros([0, 3]);
  throwsLike(t, () => e.amax(0), RangeError, [/amax/, /dimension 0/, /size 0/, /\[0, 3\]/], 'amax over size-0 dim');
  throwsLike(t, () => e.argmax(), RangeError, [/argmax/, /size 0/], 'argmax of empty');
  throwsLike(t, () => e.max(), RangeError, [/amax|max/, /size 0/], 'max() of empty');
  t.end();
});
