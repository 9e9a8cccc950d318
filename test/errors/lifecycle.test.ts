// lifecycle.test.ts — use after dispose: every kind of use of a disposed tensor (method, property,
// read, operand of another tensor's op) throws a clear Error naming the use; dispose is idempotent;
// metadata stays readable. Not here: memory accounting (test/unit/memory.test.ts).
import test from 'tape';
import { inspect } from 'util';
import * as nt from '../../lib';

function throwsDisposed(t: test.Test, fn: () => unknown, name: RegExp, what: string, cls: ErrorConstructor | TypeErrorConstructor = Error): void {
  let err: unknown = undefined, threw = false;
  try { fn(); } catch (e) { threw = true; err = e; }
  if (!threw) { t.fail(`${what}: expected an error, nothing was thrown`); return; }
  const e = err as Error;
  t.equal(e?.constructor?.name, cls.name, `${what}: throws ${cls.name}`);
  const msg = String(e?.message);
  t.ok(/disposed|live/.test(msg) && name.test(msg), `${what}: message names ${name} and says disposed (got: ${msg})`);
}

function disposed(shape = [2, 2]): nt.Tensor {
  const x = nt.ones(shape);
  x.dispose();
  return x;
}

test('every method of a disposed tensor throws a clear error', (t) => {
  const x = disposed();
  const idx = nt.tensor([0, 1]), idx2 = nt.tensor([[0, 1], [1, 0]]);
  const mask = nt.tensor([true, false]);
  const live = nt.ones([2, 2]);
  const cases: [string, () => unknown, RegExp?][] = [
    ['add', () => x.add(1)], ['sub', () => x.sub(live)], ['mul', () => x.mul(2)], ['div', () => x.div(2)],
    ['pow', () => x.pow(2)], ['maximum', () => x.maximum(live)], ['minimum', () => x.minimum(live)],
    ['eq', () => x.eq(1)], ['lt', () => x.lt(live)], ['logicalAnd', () => x.logicalAnd(true)],
    ['neg', () => x.neg()], ['abs', () => x.abs()], ['exp', () => x.exp()], ['log', () => x.log()],
    ['sqrt', () => x.sqrt()], ['relu', () => x.relu()], ['gelu', () => x.gelu()], ['sigmoid', () => x.sigmoid()],
    ['logicalNot', () => x.logicalNot()], ['isnan', () => x.isnan()], ['clamp', () => x.clamp(0, 1)],
    ['where', () => x.where(mask, 0)], ['maskedFill', () => x.maskedFill(mask, 0)],
    ['add_', () => x.add_(1), /add/], ['mul_', () => x.mul_(live), /mul/], ['clamp_', () => x.clamp_(0), /clamp/],
    ['fill_', () => x.fill_(1)], ['zero_', () => x.zero_(), /fill_|zero_/], ['copy_', () => x.copy_(live)],
    ['sum', () => x.sum()], ['mean', () => x.mean(0)], ['prod', () => x.prod()], ['max', () => x.max(), /amax|max/],
    ['max(dim)', () => x.max(0), /amax|max/], ['amin', () => x.amin()], ['argmax', () => x.argmax()],
    ['var', () => x.var()], ['std', () => x.std()], ['logsumexp', () => x.logsumexp(0)], ['all', () => x.all()],
    ['any', () => x.any()], ['softmax', () => x.softmax(0)], ['logSoftmax', () => x.logSoftmax(0)],
    ['cumsum', () => x.cumsum(0)], ['cumprod', () => x.cumprod(0)], ['sort', () => x.sort()],
    ['argsort', () => x.argsort(), /sort/], ['topk', () => x.topk(1)],
    ['matmul', () => x.matmul(live)], ['mm', () => x.mm(live)], ['bmm', () => disposed([1, 2, 2]).bmm(live.unsqueeze(0)), /bmm/],
    ['outer', () => disposed([2]).outer(idx)],
    ['indexSelect', () => x.indexSelect(0, idx)], ['gather', () => x.gather(0, idx2)],
    ['scatter', () => x.scatter(0, idx2, 1)], ['scatterAdd', () => x.scatterAdd(0, idx2, live)],
    ['indexAdd', () => x.indexAdd(0, idx, live)], ['take', () => x.take(idx)],
    ['reshape', () => x.reshape([4])], ['view', () => x.view(4)], ['permute', () => x.permute(1, 0)],
    ['transpose', () => x.transpose(0, 1)], ['t', () => x.t()], ['expand', () => x.expand([3, 2, 2])],
    ['squeeze', () => x.squeeze()], ['unsqueeze', () => x.unsqueeze(0)], ['flatten', () => x.flatten()],
    ['narrow', () => x.narrow(0, 0, 1)], ['slice', () => x.slice(0, 0, 1)], ['select', () => x.select(0, 0)],
    ['chunk', () => x.chunk(2)], ['split', () => x.split(1)], ['unbind', () => x.unbind()],
    ['to', () => x.to('float64')], ['float', () => x.float(), /to/], ['int', () => x.int(), /to/], ['cpu', () => x.cpu(), /to/],
    ['contiguous', () => x.contiguous()], ['clone', () => x.clone()], ['alias', () => x.alias()],
    ['dataSync', () => x.dataSync()], ['toArray', () => x.toArray(), /toArray|dataSync/], ['item', () => disposed([1]).item()],
    ['toString', () => x.toString()], ['template string', () => `${x}`, /toString/],
  ];
  for (const [name, fn, re] of cases) throwsDisposed(t, fn, re ?? new RegExp(name.replace(/[()_]/g, (c) => '\\' + c)), `disposed.${name}`);
  t.end();
});

test('properties and reads of a disposed tensor', async (t) => {
  const x = disposed([2, 3]);
  throwsDisposed(t, () => x.device, /device/, 'disposed.device');
  t.equal(x.isDisposed, true, 'isDisposed is true');
  t.same(x.shape, [2, 3], 'shape stays readable (metadata only)');
  t.equal(x.dtype, 'float32', 'dtype stays readable');
  t.equal(x.numel, 6, 'numel stays readable');
  t.equal(inspect(x), 'Tensor(disposed)', 'util.inspect shows Tensor(disposed) instead of throwing');
  let err: unknown = null;
  try { await x.data(); } catch (e) { err = e; }
  t.ok(err instanceof Error && /data/.test((err as Error).message) && /disposed/.test((err as Error).message),
    `await data() rejects with a clear Error (got: ${String((err as Error | null)?.message)})`);
  const p = x.data().then(() => 'resolved', () => 'rejected');  // would throw here if data() threw synchronously
  t.equal(await p, 'rejected', 'data() of a disposed tensor returns a rejected promise (does not throw synchronously)');
  throwsDisposed(t, () => nt.toNdarray(x), /toNdarray/, 'toNdarray(disposed)', TypeError);
  t.end();
});

test('a disposed tensor as an operand of another tensor\'s op', (t) => {
  const live = nt.ones([2, 2]);
  const d = disposed();
  const dIdx = nt.tensor([0, 1]); dIdx.dispose();
  const dMask = nt.tensor([true, false]); dMask.dispose();
  const idx = nt.tensor([0, 1]), idx2 = nt.tensor([[0, 1], [1, 0]]);
  throwsDisposed(t, () => live.add(d), /add/, 'live.add(disposed)');
  throwsDisposed(t, () => nt.add(2, d), /add/, 'nt.add(2, disposed)');
  throwsDisposed(t, () => live.mul_(d), /mul/, 'live.mul_(disposed)');
  throwsDisposed(t, () => nt.maximum(live, d), /maximum/, 'maximum(live, disposed)');
  throwsDisposed(t, () => live.matmul(d), /matmul/, 'live.matmul(disposed)');
  throwsDisposed(t, () => live.mm(d), /mm/, 'live.mm(disposed)');
  throwsDisposed(t, () => nt.where(nt.tensor([true, false]), live, d), /where/, 'where(.., live, disposed)');
  throwsDisposed(t, () => nt.where(dMask, live, 0), /where/, 'where(disposed cond, ..)');
  throwsDisposed(t, () => live.maskedFill(dMask, 0), /maskedFill/, 'maskedFill(disposed mask)');
  throwsDisposed(t, () => live.copy_(d), /copy_/, 'live.copy_(disposed)');
  throwsDisposed(t, () => live.indexSelect(0, dIdx), /indexSelect/, 'indexSelect(disposed index)');
  throwsDisposed(t, () => live.gather(0, d), /gather/, 'gather(disposed index)');
  throwsDisposed(t, () => live.take(dIdx), /take/, 'take(disposed index)');
  throwsDisposed(t, () => live.scatter(0, idx2, d), /scatter/, 'scatter(disposed src)');
  throwsDisposed(t, () => live.indexAdd(0, idx, d), /indexAdd/, 'indexAdd(disposed source)');
  throwsDisposed(t, () => nt.cat([live, d]), /cat/, 'cat([live, disposed])');
  throwsDisposed(t, () => nt.stack([live, d]), /stack|unsqueeze/, 'stack([live, disposed])');
  throwsDisposed(t, () => nt.zerosLike(d), /zerosLike|device/, 'zerosLike(disposed)');
  // None of that enqueued anything: the live tensor is intact.
  t.same(Array.from(live.dataSync() as Float32Array), [1, 1, 1, 1], 'the live operand is intact');
  t.end();
});

test('dispose is idempotent and views are independent objects', (t) => {
  const before = nt.memory().cpu.tensors;
  const x = nt.ones([4]);
  const v = x.reshape([2, 2]);
  x.dispose();
  x.dispose();
  x[Symbol.dispose]();
  t.equal(nt.memory().cpu.tensors, before + 1, 'disposing the base three times counts once');
  t.same(Array.from(v.dataSync() as Float32Array), [1, 1, 1, 1], 'the view still reads its values');
  throwsDisposed(t, () => x.add(v), /add/, 'the base is unusable');
  v.dispose();
  v.dispose();
  t.equal(nt.memory().cpu.tensors, before, 'back to the starting count, never below');
  t.end();
});
