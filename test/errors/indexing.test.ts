// indexing.test.ts — index VALUES out of range. Kernels check them on the device's queue: the op
// fails there and the error is thrown at the next sync point (dataSync, item, await data(),
// nt.synchronize), naming the op and the bad index; afterwards the device keeps working.
// Not here: index shape/dtype errors, which are thrown synchronously (shapes/dtypes.test.ts).
// NOTE: each case goes straight from the failing op to the sync point: the queue also reports a
// pending error at the next submit, and whether the kernel already ran by then is a race.
import test from 'tape';
import * as nt from '../../lib';

/** Runs fn (sync or async) and returns what it threw, or null. */
async function caught(fn: () => unknown): Promise<Error | null> {
  try { await fn(); } catch (e) { return e as Error; }
  return null;
}

function checkErr(t: test.Test, e: Error | null, res: RegExp[], what: string): void {
  t.ok(e instanceof Error, `${what}: an Error is thrown at the sync point`);
  if (!e) return;
  for (const re of res) t.match(e.message, re, `${what}: message ${re} (got: ${e.message})`);
}

/** The device still works after an error, and the error was consumed (a new sync does not rethrow it). */
function stillWorks(t: test.Test, what: string): void {
  let e: unknown = null;
  try { nt.synchronize(); } catch (err) { e = err; }
  t.equal(e, null, `${what}: the error is reported once (a second synchronize() does not throw)`);
  const y = nt.arange(4).mul(3);
  t.same(Array.from(y.dataSync() as BigInt64Array, Number), [0, 3, 6, 9], `${what}: the device keeps working`);
  y.dispose();
}

const base = () => nt.tensor([[0, 1], [2, 3], [4, 5]], { dtype: 'float32' });  // [3, 2]

test('indexSelect: bad index surfaces at dataSync()', async (t) => {
  const x = base();
  const y = x.indexSelect(0, nt.tensor([0, 5]));
  checkErr(t, await caught(() => y.dataSync()), [/index_select|indexSelect/, /\b5\b/, /range|bound/], 'indexSelect index 5 of 3 rows');
  stillWorks(t, 'indexSelect');
  const ok = x.indexSelect(0, nt.tensor([2, 0]));
  t.same(Array.from(ok.dataSync() as Float32Array), [4, 5, 0, 1], 'a good indexSelect afterwards is right');
  t.end();
});

test('indexSelect with an int32 index along dim 1: surfaces at item()', async (t) => {
  const x = base();
  const idx = nt.tensor([2], { dtype: 'int32' });
  // sum() is enqueued after the failing op (its submit may already report the failure): either
  // way the error is the index error.
  const e = await caught(() => x.indexSelect(1, idx).sum().item());
  checkErr(t, e, [/index_select|indexSelect/, /\b2\b/], 'indexSelect dim 1 index 2 of 2 columns');
  stillWorks(t, 'indexSelect int32');
  t.end();
});

test('gather: bad index surfaces at item()', async (t) => {
  const x = base();
  const y = x.gather(1, nt.tensor([[7]]));
  checkErr(t, await caught(() => y.item()), [/gather/, /\b7\b/], 'gather index 7 of 2');
  stillWorks(t, 'gather');
  t.end();
});

test('scatter: bad index surfaces at await data()', async (t) => {
  const y = nt.zeros([3]).scatter(0, nt.tensor([4]), nt.tensor([1.5]));
  checkErr(t, await caught(() => y.data()), [/scatter/, /\b4\b/], 'scatter index 4 of 3');
  stillWorks(t, 'scatter');
  t.end();
});

test('scatterAdd: bad index surfaces at await data()', async (t) => {
  const y = nt.zeros([2, 2]).scatterAdd(0, nt.tensor([[0, 9]]), nt.ones([1, 2]));
  checkErr(t, await caught(() => y.data()), [/scatter_add|scatterAdd/, /\b9\b/], 'scatterAdd index 9 of 2');
  stillWorks(t, 'scatterAdd');
  t.end();
});

test('take: bad index surfaces at nt.synchronize()', async (t) => {
  const x = base();
  const y = x.take(nt.tensor([100]));
  checkErr(t, await caught(() => nt.synchronize()), [/take/, /\b100\b/], 'take index 100 of 6');
  stillWorks(t, 'take');
  // Negative indices count from the end, down to -numel.
  const z = x.take(nt.tensor([-1, -6]));
  t.same(Array.from(z.dataSync() as Float32Array), [5, 0], 'take with -1 and -6 works');
  const w = x.take(nt.tensor([-7]));
  checkErr(t, await caught(() => w.dataSync()), [/take/, /-7/], 'take index -7 of 6');
  stillWorks(t, 'take negative');
  y.dispose();
  t.end();
});

test('indexAdd: bad index surfaces at dataSync()', async (t) => {
  const y = nt.zeros([3, 2]).indexAdd(0, nt.tensor([1, 3]), nt.ones([2, 2]));
  checkErr(t, await caught(() => y.dataSync()), [/index_add|indexAdd/, /\b3\b/], 'indexAdd index 3 of 3');
  stillWorks(t, 'indexAdd');
  t.end();
});

test('the pending error is reported at the next read of ANY tensor on the device', async (t) => {
  const other = nt.ones([2]).mul(2);
  t.same(Array.from(other.dataSync() as Float32Array), [2, 2], 'an unrelated tensor, read before');
  const y = base().indexSelect(0, nt.tensor([-100]));
  const e = await caught(() => other.dataSync());
  checkErr(t, e, [/index_select|indexSelect/, /-100/], 'reading an unrelated tensor after the failure');
  stillWorks(t, 'unrelated read');
  t.same(Array.from(other.dataSync() as Float32Array), [2, 2], 'the unrelated tensor is intact');
  y.dispose();
  t.end();
});

test('many failures before one sync: one error, then the device works', async (t) => {
  const x = base();
  const i3 = nt.tensor([3]), i6 = nt.tensor([6]), i8 = nt.tensor([[8, 0]]);
  const ys: nt.Tensor[] = [];
  // A later submit may already see the first failure (it is sticky until reported): both are fine.
  const e = await caught(() => {
    ys.push(x.indexSelect(0, i3));
    ys.push(x.take(i6));
    ys.push(x.gather(0, i8));
    nt.synchronize();
  });
  checkErr(t, e, [/index_select|indexSelect/, /\b3\b/], 'the FIRST failure is the one reported');
  stillWorks(t, 'several failures');
  for (const y of ys) y.dispose();
  t.end();
});

test('an op submitted after a failure reports it, and leaks nothing', async (t) => {
  const x = base();
  const y = x.indexSelect(0, nt.tensor([42]));
  // Submit ops until one is refused: that happens once the failing kernel has run on the worker.
  let e: Error | null = null, leaked = 0;
  for (let i = 0; i < 100 && !e; i++) {
    await new Promise<void>((r) => setTimeout(r, 10));
    const before = nt.memory().cpu.tensors;
    e = await caught(() => x.add(1).dispose());
    leaked = nt.memory().cpu.tensors - before;
  }
  checkErr(t, e, [/index_select|indexSelect/, /\b42\b/], 'a later submit throws the pending error');
  t.equal(leaked, 0, 'the refused op leaves no output tensor behind');
  stillWorks(t, 'after a refused submit');
  y.dispose();
  t.end();
});

/** Leaves an index error pending on the cpu queue (the kernel has failed; nothing has reported it yet). */
async function pendingError(): Promise<void> {
  const x = base(), idx = nt.tensor([99]);
  x.indexSelect(0, idx).dispose();
  x.dispose(); idx.dispose();
  // NOTE: no probe can wait for the failure without consuming it; the idle worker runs this tiny
  // kernel within microseconds, so 100 ms is a wide margin.
  await new Promise<void>((r) => setTimeout(r, 100));
}

test('ops refused by a pending error leave no tensor behind (composites, casts, views)', async (t) => {
  const a = nt.tensor([[1, 2], [3, 4]], { dtype: 'float32' }), i = nt.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
  const v = nt.tensor([1, 2], { dtype: 'float32' }), idx = nt.tensor([[0, 1]]), src = nt.ones([1, 2]);
  const at = a.t(), i1 = nt.tensor([1]), cond = nt.tensor([true, false]);  // operands made up front: only the op's own tensors count
  const cases: [string, () => unknown][] = [
    ['add with a cast operand', () => i.add(a)], ['cat', () => nt.cat([a, a])], ['stack', () => nt.stack([a, a])],
    ['scatter', () => a.scatter(0, idx, src)], ['indexAdd', () => a.indexAdd(0, i1, src)],
    ['matmul of vectors', () => v.matmul(v)], ['sort', () => a.sort()], ['mean', () => a.mean(0)], ['argmax', () => a.argmax()],
    ['logsumexp', () => a.logsumexp(1)], ['reshape that copies', () => at.reshape([4])], ['dataSync of a view', () => at.dataSync()],
    ['clone', () => a.clone()], ['where with casts', () => nt.where(cond, i, 2.5)],
  ];
  for (const [what, fn] of cases) {
    await pendingError();
    const before = nt.memory().cpu.tensors;
    const e = await caught(fn);
    t.ok(e instanceof Error && /index_select/.test(e.message), `${what}: refused with the pending error (got: ${e === null ? 'no error' : e.message})`);
    t.equal(nt.memory().cpu.tensors - before, 0, `${what}: no tensor left behind`);
  }
  stillWorks(t, 'after refused ops');
  t.end();
});

test('a refused op never disposes the user\'s tensors (even a just-created empty one)', async (t) => {
  await pendingError();
  const e = nt.zeros([0, 3]);  // an empty tensor needs no kernel: nothing was submitted since its allocation
  const err = await caught(() => e.add(1));
  t.ok(err instanceof Error && /index_select/.test(err.message), 'the op is refused with the pending error');
  t.notOk(e.isDisposed, 'the empty input tensor is still alive');
  await pendingError();
  const f = nt.tensor(new Float32Array(0));
  await caught(() => f.mul(2));
  t.notOk(f.isDisposed, 'an empty tensor from a TypedArray is still alive');
  stillWorks(t, 'after refusals');
  t.end();
});
