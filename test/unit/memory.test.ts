// memory.test.ts — deterministic memory: nt.memory() accounting, dispose, `using`, tidy() (sync,
// nested, with exceptions, async across awaits, concurrent), keep(), views keeping storage alive,
// the FinalizationRegistry backstop, native bytes reported to V8, and a flat 100k-op loop.
// Not here: use-after-dispose errors (test/errors/lifecycle.test.ts). Run with --expose-gc.
import test from 'tape';
import * as nt from '../../lib';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const cpu = () => { const m = nt.memory().cpu; return { tensors: m.tensors, bytes: m.bytes }; };
const vals = (x: nt.Tensor) => Array.from(x.dataSync() as ArrayLike<number | bigint>, Number);
const gc = (globalThis as { gc?: () => void }).gc;

test('nt.memory() counts live tensors and storage bytes per device', (t) => {
  const m = nt.memory();
  t.ok(m.cpu, 'has a cpu entry');
  t.equal(typeof m.cpu.tensors, 'number', 'cpu.tensors is a number');
  t.equal(typeof m.cpu.bytes, 'number', 'cpu.bytes is a number');
  for (const k of ['allocated', 'cached', 'peak']) t.equal(typeof m.cpu.native?.[k], 'number', `cpu.native.${k} is a number`);
  const b = cpu();
  const x = nt.zeros([10]);
  t.same(cpu(), { tensors: b.tensors + 1, bytes: b.bytes + 40 }, 'float32 [10]: +1 tensor, +40 bytes');
  const y = nt.zeros([5], { dtype: 'float64' });
  const z = nt.zeros([3], { dtype: 'bool' });
  const h = nt.zeros([3], { dtype: 'float16' });
  const i = nt.zeros([2, 2], { dtype: 'int64' });
  t.same(cpu(), { tensors: b.tensors + 5, bytes: b.bytes + 40 + 40 + 3 + 6 + 32 }, 'bytes follow the dtype sizes');
  const v = x.reshape([2, 5]), w = x.narrow(0, 2, 3), a = x.alias();
  t.same(cpu(), { tensors: b.tensors + 8, bytes: b.bytes + 121 }, 'views count as tensors but add no bytes');
  x.dispose();
  t.same(cpu(), { tensors: b.tensors + 7, bytes: b.bytes + 121 }, 'disposing the base keeps the storage for its views');
  v.dispose(); w.dispose();
  t.same(cpu(), { tensors: b.tensors + 5, bytes: b.bytes + 121 }, 'still one view left');
  a.dispose();
  t.same(cpu(), { tensors: b.tensors + 4, bytes: b.bytes + 81 }, 'the last view frees the storage');
  for (const u of [y, z, h, i]) u.dispose();
  t.same(cpu(), b, 'back to the start');
  const e = nt.zeros([0, 4]);
  t.same(cpu(), { tensors: b.tensors + 1, bytes: b.bytes }, 'an empty tensor counts, with 0 bytes');
  e.dispose();
  t.same(cpu(), b, 'back to the start again');
  t.end();
});

test('temporaries of composite ops, casts and reads are not leaked', async (t) => {
  const x = nt.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
  const xt = x.t(), f = x.flatten(), i = nt.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
  const vec = nt.tensor([1, 1], { dtype: 'float32' }), cond = nt.tensor([true, false]);
  const h = nt.tensor([1.5], { dtype: 'float16' }), zi = nt.zeros([2, 2], { dtype: 'int32' });
  // [what, make the result(s), how many result tensors it returns]
  const cases: [string, () => nt.Tensor | nt.Tensor[] | nt.ValuesIndices | unknown, number][] = [
    ['logsumexp', () => x.logsumexp(1), 1], ['argmax()', () => x.argmax(), 1], ['argmax keepdim', () => x.argmax(null, true), 1],
    ['max(dim)', () => x.max(0), 2], ['sort', () => x.sort(1), 2], ['argsort', () => x.argsort(), 1], ['topk', () => x.topk(1), 2],
    ['mean', () => x.mean(), 1], ['std', () => x.std(0), 1], ['softmax', () => x.softmax(1), 1], ['sum(int)', () => i.sum(), 1],
    ['half', () => x.half(), 1], ['to(float64)', () => x.to('float64'), 1], ['to(cpu)', () => x.to({ device: 'cpu' }), 1],
    ['contiguous(t)', () => xt.contiguous(), 1], ['reshape copy', () => xt.reshape([4]), 1], ['outer', () => f.outer(f), 1],
    ['stack', () => nt.stack([x, x], 1), 1], ['cat mixed dtypes', () => nt.cat([x, i]), 1], ['clamp int->float', () => i.clamp(0, 2.5), 1],
    ['add promotes', () => x.add(i), 1], ['div int', () => i.div(2), 1], ['matmul vec', () => x.matmul(vec), 1],
    ['where promotes', () => nt.where(cond, i, 2.5), 1], ['tensor f16', () => nt.tensor([1.5], { dtype: 'float16' }), 1],
    ['add_ with cast operand', () => { x.add_(zi); }, 0], ['eye', () => nt.eye(3), 1], ['linspace', () => nt.linspace(0, 1, 5), 1],
    ['dataSync of a view', () => xt.dataSync(), 0], ['toArray of a view', () => xt.toArray(), 0], ['item f16', () => h.item(), 0],
  ];
  for (const [what, fn, n] of cases) {
    const before = cpu().tensors;
    const r = fn();
    const vi = r as Partial<nt.ValuesIndices> | undefined;
    const outs: nt.Tensor[] = r instanceof nt.Tensor ? [r] : Array.isArray(r) ? r.filter((v) => v instanceof nt.Tensor)
      : vi && vi.values instanceof nt.Tensor && vi.indices instanceof nt.Tensor ? [vi.values, vi.indices] : [];
    t.equal(cpu().tensors - before, n, `${what}: ${n} result tensor(s) live, no temporaries`);
    for (const o of outs) o.dispose();
  }
  const before = cpu().tensors;
  await xt.data();
  await h.data();
  t.equal(cpu().tensors, before, 'await data() of a view / float16 leaves no temporary');
  for (const u of [x, xt, f, i, vec, cond, h, zi]) u.dispose();
  t.end();
});

test('dispose is idempotent; `using` and Symbol.dispose free at block end', (t) => {
  const b = cpu();
  const x = nt.ones([8]);
  x.dispose(); x.dispose(); x[Symbol.dispose]();
  t.same(cpu(), b, 'three disposals free once');
  {
    using u = nt.ones([8]);
    using v = u.mul(2);
    t.same(cpu(), { tensors: b.tensors + 2, bytes: b.bytes + 64 }, 'inside the block: two tensors live');
    t.same(vals(v), [2, 2, 2, 2, 2, 2, 2, 2], 'values are right inside the block');
  }
  t.same(cpu(), b, 'after the block: `using` disposed both');
  let kept: nt.Tensor | null = null;
  try {
    using w = nt.ones([2]);
    kept = w;
    throw new Error('boom');
  } catch { /* expected */ }
  t.ok(kept !== null && (kept as nt.Tensor).isDisposed, '`using` disposes when the block throws');
  t.same(cpu(), b, 'nothing leaked');
  const y = nt.ones([2]);
  y[Symbol.dispose]();
  t.ok(y.isDisposed, 'Symbol.dispose called explicitly disposes');
  t.end();
});

test('tidy() frees intermediates and keeps what it returns', (t) => {
  const b = cpu();
  const one = nt.tidy(() => nt.ones([3]).mul(2).add(1));
  t.same(cpu(), { tensors: b.tensors + 1, bytes: b.bytes + 12 }, 'single result kept, 2 intermediates freed');
  t.same(vals(one), [3, 3, 3], 'and it is right');
  const arr = nt.tidy(() => { const a = nt.ones([2]); return [a.mul(3), a.add(5)]; });
  t.equal(cpu().tensors, b.tensors + 3, 'array: both elements kept');
  const obj = nt.tidy(() => { const a = nt.ones([2]); return { p: a.neg(), q: { r: a.sub(1) }, n: 3, s: 'x' }; });
  t.equal(cpu().tensors, b.tensors + 5, 'object (nested): both tensors kept');
  t.same(vals(obj.q.r), [0, 0], 'nested value right');
  const map = nt.tidy(() => new Map([['m', nt.ones([1])]]));
  t.equal(cpu().tensors, b.tensors + 6, 'Map values are kept');
  const view = nt.tidy(() => nt.tensor([1, 2, 3, 4], { dtype: 'float32' }).reshape([2, 2]).t());
  t.equal(cpu().tensors, b.tensors + 7, 'a returned view is kept, its bases freed');
  t.same(vals(view), [1, 3, 2, 4], 'the view still reads its storage');
  for (const x of [one, ...arr, obj.p, obj.q.r, map.get('m')!, view]) x.dispose();
  t.same(cpu(), b, 'everything disposed');
  const n = nt.tidy(() => { nt.ones([5]); return 42; });
  t.equal(n, 42, 'non-tensor results pass through');
  t.same(cpu(), b, 'and everything inside is freed');
  t.end();
});

test('tidy(): keep(), outside tensors, manual dispose inside, nesting', (t) => {
  const outside = nt.ones([2]);
  const b = cpu();
  let k: nt.Tensor | null = null, inner: nt.Tensor | null = null, innerDropped: nt.Tensor | null = null;
  const r = nt.tidy(() => {
    k = nt.keep(outside.mul(7));
    const tmp = outside.add(1);
    tmp.dispose();  // manual dispose inside a scope is fine
    const fromInner = nt.tidy(() => {
      innerDropped = outside.mul(3);   // created in the inner scope, not returned
      const x = outside.mul(2);
      inner = x;
      return x;                        // handed to the outer scope
    });
    t.ok(innerDropped!.isDisposed, 'nested: the inner scope freed what it did not return');
    t.notOk(fromInner.isDisposed, 'nested: the inner result is alive in the outer scope');
    return fromInner.add(outside);
  });
  t.ok(inner!.isDisposed, 'nested: the inner result was freed by the outer scope (not returned by it)');
  t.notOk(k!.isDisposed, 'keep() exempts a tensor from its scope');
  t.notOk(outside.isDisposed, 'tensors created outside the scope are untouched');
  t.same(vals(r), [3, 3], 'result right');
  t.same(vals(k!), [7, 7], 'kept value right');
  t.equal(cpu().tensors, b.tensors + 2, 'exactly the result and the kept tensor are live');
  r.dispose(); k!.dispose(); outside.dispose();
  t.end();
});

test('tidy(): an exception frees everything created in the scope', (t) => {
  const b = cpu();
  const made: nt.Tensor[] = [];
  t.throws(() => nt.tidy(() => {
    made.push(nt.ones([4]), nt.zeros([4]));
    nt.tidy(() => { made.push(nt.ones([9])); });
    made.push(nt.ones([2]).matmul(nt.ones([3])));  // throws (inner dims 2 vs 3)
  }), /matmul/, 'the error propagates');
  t.ok(made.every((m) => m.isDisposed), 'every tensor made before the throw is disposed');
  t.same(cpu(), b, 'nothing leaked (including the operands of the failing op)');
  const r = nt.tidy(() => nt.ones([1]));
  t.equal(cpu().tensors, b.tensors + 1, 'tidy works normally after an exception');
  r.dispose();
  t.end();
});

test('async tidy(): tensors created after an await belong to the scope', async (t) => {
  const b = cpu();
  const made: nt.Tensor[] = [];
  const r = await nt.tidy(async () => {
    const a = nt.ones([3]);
    made.push(a);
    await sleep(5);
    const c = a.add(1);          // after an await
    made.push(c);
    const d = await c.data();    // and after awaiting a read
    t.equal(d[0], 2, 'the read inside the scope works');
    const e = c.mul(d[0] as number);
    made.push(e);
    await new Promise<void>((res) => setImmediate(res));
    made.push(nt.tidy(() => e.add(0)));  // a sync tidy inside the async one
    return e.sum();
  });
  t.ok(made.every((m) => m.isDisposed), 'everything created inside (before and after awaits) was freed');
  t.notOk(r.isDisposed, 'the result is kept');
  t.equal(r.item(), 12, 'the result is right');
  t.equal(cpu().tensors, b.tensors + 1, 'only the result is live');
  r.dispose();
  let caughtErr: unknown = null;
  const made2: nt.Tensor[] = [];
  try {
    await nt.tidy(async () => {
      made2.push(nt.ones([2]));
      await sleep(1);
      made2.push(nt.ones([2]));
      throw new Error('async boom');
    });
  } catch (e) { caughtErr = e; }
  t.match(String((caughtErr as Error)?.message), /async boom/, 'a rejection propagates');
  t.ok(made2.every((m) => m.isDisposed), 'and frees the scope');
  t.same(cpu(), b, 'nothing leaked');
  t.end();
});

test('async tidy(): two concurrent scopes do not mix, and outside code is not captured', async (t) => {
  const b = cpu();
  const inA: nt.Tensor[] = [], inB: nt.Tensor[] = [];
  const pA = nt.tidy(async () => {
    const a = nt.ones([2]); inA.push(a);
    await sleep(10);
    const a2 = a.mul(2); inA.push(a2);
    await sleep(40);             // B finishes meanwhile: its close must not touch A's tensors
    const a3 = a2.add(a); inA.push(a3);
    return a3.mul(1);
  });
  const pB = nt.tidy(async () => {
    const c = nt.ones([2]); inB.push(c);
    await sleep(20);
    const c2 = c.mul(5); inB.push(c2);
    await sleep(1);
    return c2.add(0);
  });
  await sleep(5);
  const outside = nt.ones([2]);  // created by the test while both scopes are pending
  const rB = await pB;
  t.ok(inB.every((x) => x.isDisposed), 'B freed its own tensors');
  t.ok(inA.every((x) => !x.isDisposed), 'B did not free any of A\'s tensors');
  t.notOk(outside.isDisposed, 'B did not capture a tensor created outside both scopes');
  const rA = await pA;
  t.ok(inA.every((x) => x.isDisposed), 'A freed its own tensors');
  t.notOk(outside.isDisposed, 'A did not capture the outside tensor either');
  t.same(vals(rA), [3, 3], 'A\'s result is right');
  t.same(vals(rB), [5, 5], 'B\'s result is right');
  t.equal(cpu().tensors, b.tensors + 3, 'only the two results and the outside tensor are live');
  const outside2 = await Promise.all([
    nt.tidy(async () => { await sleep(1); return nt.ones([1]); }),
    nt.tidy(async () => { nt.ones([1]); await sleep(2); return 7; }),
  ]);
  t.equal(cpu().tensors, b.tensors + 4, 'Promise.all of async tidies: exactly one more result');
  for (const x of [rA, rB, outside, outside2[0]]) x.dispose();
  t.same(cpu(), b, 'all disposed');
  t.end();
});

test('views keep their storage alive after the base is disposed', (t) => {
  const b = cpu();
  const base = nt.tensor([0, 1, 2, 3, 4, 5], { dtype: 'float32' });
  const v = base.narrow(0, 2, 3);
  const r = base.reshape([2, 3]), u = r.t();
  r.dispose();
  base.dispose();
  t.same(cpu(), { tensors: b.tensors + 2, bytes: b.bytes + 24 }, 'storage still counted (two views, no base)');
  // Fresh allocations of the same size must not reuse the storage the views still read.
  const noise = [nt.full([6], 99, { dtype: 'float32' }), nt.full([6], 98, { dtype: 'float32' })];
  t.same(vals(v), [2, 3, 4], 'narrow view reads the original values');
  t.same(vals(u), [0, 3, 1, 4, 2, 5], 'transposed view reads the original values');
  v.dispose();
  t.equal(cpu().bytes, b.bytes + 24 + 2 * 24, 'one view left: storage still there');
  u.dispose();
  for (const n of noise) n.dispose();
  t.same(cpu(), b, 'last view gone: storage freed');
  t.end();
});

test('native allocator: big blocks are counted, cached after free, released by emptyCache()', (t) => {
  nt.synchronize();
  const n0 = nt.memory().cpu.native!;
  const x = nt.zeros([1 << 20]);  // 4 MiB
  nt.synchronize();
  const n1 = nt.memory().cpu.native!;
  t.ok(n1.allocated - n0.allocated >= 4 << 20, `allocated grew by >= 4 MiB (${n1.allocated - n0.allocated})`);
  t.ok(n1.peak >= n1.allocated, 'peak >= allocated');
  x.dispose();
  nt.synchronize();
  const n2 = nt.memory().cpu.native!;
  t.ok(n2.allocated <= n0.allocated, `allocated back down after dispose (${n0.allocated} -> ${n2.allocated})`);
  nt.emptyCache();
  const n3 = nt.memory().cpu.native!;
  t.equal(n3.cached, 0, 'emptyCache() releases every cached block');
  t.end();
});

test('native bytes are reported to V8: forgotten big tensors trigger GC on their own', async (t) => {
  // No gc() call here: only the external-memory pressure the addon reports (napi_adjust_external_memory)
  // can make V8 collect these tiny JS objects, and with them free 8 MiB each of native memory.
  const b = cpu();
  let peak = 0;
  const n = 150, each = 8 << 20;
  for (let i = 0; i < n; i++) {
    nt.empty([each / 4]);  // forgotten at once; uninitialised, so no page is touched
    peak = Math.max(peak, cpu().bytes - b.bytes);
    await new Promise<void>((r) => setImmediate(r));
  }
  t.ok(peak < (n * each) / 2, `live bytes peaked at ${(peak / 2 ** 20).toFixed(0)} MiB of ${(n * each) / 2 ** 20} MiB allocated`);
  for (let i = 0; i < 10 && cpu().tensors > b.tensors; i++) { gc?.(); await sleep(10); }
  nt.emptyCache();
  t.end();
});

test('FinalizationRegistry backstop frees forgotten tensors', async (t) => {
  if (!gc) { t.skip('run with --expose-gc (scripts/run-tests.js does)'); t.end(); return; }
  for (let i = 0; i < 3; i++) { gc(); await sleep(5); }  // collect what earlier tests dropped first
  nt.synchronize();
  const b = cpu();
  const nat0 = nt.memory().cpu.native!.allocated;
  (function forget() {
    for (let i = 0; i < 300; i++) nt.ones([256]).mul(2);   // 600 small tensors, none disposed
    for (let i = 0; i < 4; i++) nt.zeros([1 << 18]);        // 4 x 1 MiB
  })();
  t.equal(cpu().tensors, b.tensors + 604, '604 forgotten tensors are live before GC');
  for (let i = 0; i < 20 && cpu().tensors > b.tensors; i++) { gc(); await sleep(10); }
  t.same(cpu(), b, 'after gc() the backstop freed every forgotten tensor and its bytes');
  nt.synchronize();
  const nat1 = nt.memory().cpu.native!.allocated;
  t.ok(nat1 <= nat0 + (1 << 20), `native allocated back down (${nat0} -> ${nat1})`);
  t.end();
});

test('small blocks are recycled with their storage object; the old tensor stays disposed; emptyCache() returns them', async (t) => {
  nt.synchronize();
  const b = cpu();
  const x = nt.full([64], 7, { dtype: 'float32' });
  const s = x._storage;
  x.dispose();
  const y = nt.zeros([64]);
  t.equal(y._storage, s, 'the next 256-byte tensor reuses the pooled storage (no new registration)');
  t.same(vals(y), new Array(64).fill(0), 'with its own contents');
  t.ok(x.isDisposed, 'the first tensor is still disposed');
  t.throws(() => x.add(1), /disposed/, 'and cannot be used');
  const v = y._storage!.rec.version;
  y.add_(1);
  t.ok(y._storage!.rec.version > v, 'the version counter keeps counting across reuse');
  y.dispose();
  t.same(cpu(), b, 'counts back to where they were');
  // Pooled storages are released by emptyCache() (and unregistered: a later GC must not free them twice).
  const many = Array.from({ length: 40 }, () => nt.ones([100]));
  nt.synchronize();
  const nat0 = nt.memory().cpu.native!.allocated;
  for (const m of many) m.dispose();
  nt.emptyCache();
  nt.synchronize();
  const nat1 = nt.memory().cpu.native!.allocated;
  t.ok(nat1 <= nat0 - 40 * 400, `emptyCache() frees pooled blocks (${nat0} -> ${nat1})`);
  if (gc) { for (let i = 0; i < 3; i++) { gc(); await sleep(5); } }
  const z = nt.ones([100]);
  const z3 = z.mul(3);
  t.same(vals(z3).slice(0, 2), [3, 3], 'allocation works after the pools were drained and GC ran');
  z.dispose();
  z3.dispose();
  t.same(cpu().tensors, b.tensors, 'no tensor counted twice or lost');
  t.end();
});

test('100k small ops with dispose (and inside tidy) keep memory flat', (t) => {
  const a = nt.ones([16]), b = nt.full([16], 2, { dtype: 'float32' });
  for (let i = 0; i < 2000; i++) a.add(b).dispose();   // warm up pools and JIT
  nt.synchronize();
  gc?.();
  const m0 = cpu(), nat0 = nt.memory().cpu.native!.allocated;
  const { rss: rss0, heapUsed: heap0 } = process.memoryUsage();
  const t0 = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const c = a.add(b);
    c.dispose();
  }
  nt.synchronize();
  const t1 = Date.now();
  t.same(cpu(), m0, 'live tensors and bytes equal before/after 100k add+dispose');
  t.ok(nt.memory().cpu.native!.allocated <= nat0 + (1 << 16), 'native allocated is flat');
  for (let j = 0; j < 100; j++) nt.tidy(() => { for (let i = 0; i < 1000; i++) a.add(b).mul(b); });
  nt.synchronize();
  const t2 = Date.now();
  t.same(cpu(), m0, 'live tensors and bytes equal before/after 100 tidy scopes of 1000 ops');
  t.ok(nt.memory().cpu.native!.allocated <= nat0 + (1 << 16), 'native allocated is still flat');
  gc?.();
  const mu = process.memoryUsage();
  const grow = (mu.rss - rss0) / 2 ** 20, heapGrow = (mu.heapUsed - heap0) / 2 ** 20;
  // RSS moves by tens of MiB as V8 sizes its young generation; what must not grow is the JS heap
  // after a full GC, and RSS beyond that noise (a native leak of 300+ bytes/op would show).
  if (gc) t.ok(heapGrow < 4, `JS heap after gc() grew ${heapGrow.toFixed(2)} MiB < 4 MiB`);
  t.ok(grow < 96, `rss growth ${grow.toFixed(1)} MiB < 96 MiB`);
  t.same(vals(a.add(b)), new Array(16).fill(3), 'still computing correctly');
  t.comment(`100k add+dispose: ${t1 - t0} ms; 200k ops in tidy: ${t2 - t1} ms`);
  t.end();
});
