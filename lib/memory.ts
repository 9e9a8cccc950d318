// memory.ts — deterministic ownership: storages with reference counts, dispose, tidy scopes (sync
// and async, via AsyncLocalStorage), nt.memory(). A FinalizationRegistry is only the backstop.
// Not here: allocation itself (native; frees are stream-ordered, so disposing while queued work
// still reads a tensor is safe).
import { AsyncLocalStorage } from 'async_hooks';
import { native } from './native';

/** Live tensors and bytes of one device (nt.memory()). */
interface DeviceStats { tensors: number; bytes: number }

/** What the registry holds for a storage: enough to free it without keeping it alive. */
interface StorageRec { ptr: number; nbytes: number; key: number; refs: number; device: string; stats: DeviceStats; freed: boolean; recycled: boolean; version: number }

/** A device allocation shared by a tensor and its views. */
export class Storage {
  readonly rec: StorageRec;
  /** @internal Use newStorage(), which also counts the bytes as live. */
  constructor(ptr: number, nbytes: number, key: number, device: string) {
    this.rec = { ptr, nbytes, key, refs: 0, device, stats: stats(device), freed: false, recycled: false, version: 0 };
    registry.register(this, this.rec, this);
  }
  get ptr(): number { return this.rec.ptr; }
}

const deviceStats = new Map<string, DeviceStats>();
function stats(device: string): DeviceStats {
  let s = deviceStats.get(device);
  if (!s) { s = { tensors: 0, bytes: 0 }; deviceStats.set(device, s); }
  return s;
}

// Small blocks are recycled on the JS side without a native call. This is safe because every
// device is ONE in-order queue: work that reads the old contents was enqueued before any op that
// writes the block's new contents. (Direct host writes check `recycled` and go through the queue.)
// NOTE: the pool keeps the Storage object itself, still registered with the FinalizationRegistry
// (it is reachable from here, so it is never finalized while pooled): registering and
// unregistering a storage cost about a third of a microsecond per op, a quarter of an add's.
const POOL_MAX_BYTES = 1 << 16, POOL_MAX_BLOCKS = 256;
const pools = new Map<number, Map<number, Storage[]>>();

/** A storage of nbytes on device `key`: a recycled one when possible, else a native allocation. */
export function newStorage(key: number, nbytes: number, device: string): Storage {
  if (nbytes <= POOL_MAX_BYTES) {
    const byKey = pools.get(key);
    const list = byKey && byKey.get(nbytes);
    if (list && list.length) {
      const s = list.pop()!, rec = s.rec;
      rec.freed = false;
      rec.recycled = true;
      rec.stats.bytes += nbytes;
      return s;
    }
  }
  const s = new Storage(native.alloc(key, nbytes), nbytes, key, device);
  s.rec.stats.bytes += nbytes;
  return s;
}

/** Returns pooled blocks to the native allocator (nt.emptyCache()). */
export function drainPools(): void {
  for (const [key, byKey] of pools) {
    for (const [nbytes, list] of byKey) {
      for (const s of list) { registry.unregister(s); native.free(key, s.rec.ptr, nbytes); }
    }
  }
  pools.clear();
}

// The last tensor of `s` is gone: its block goes back to the pool, or to the device (stream-ordered).
function freeStorage(s: Storage): void {
  const rec = s.rec;
  if (rec.freed) return;
  rec.freed = true;
  rec.stats.bytes -= rec.nbytes;
  if (rec.nbytes <= POOL_MAX_BYTES) {
    let byKey = pools.get(rec.key);
    if (!byKey) { byKey = new Map(); pools.set(rec.key, byKey); }
    let list = byKey.get(rec.nbytes);
    if (!list) { list = []; byKey.set(rec.nbytes, list); }
    if (list.length < POOL_MAX_BLOCKS) { list.push(s); return; }
  }
  registry.unregister(s);
  native.free(rec.key, rec.ptr, rec.nbytes);
}

// Backstop for tensors nobody disposed: the GC found every tensor of this storage unreachable.
const registry = new FinalizationRegistry<StorageRec>((rec) => {
  rec.stats.tensors -= rec.refs;
  rec.refs = 0;
  // The Storage object is gone: a new one (same stats, bytes still counted) carries the block to
  // the pool or back to the device.
  if (!rec.freed) freeStorage(new Storage(rec.ptr, rec.nbytes, rec.key, rec.device));
});

/** Called when a tensor object starts using a storage. */
export function retain(s: Storage): void {
  s.rec.refs++;
  s.rec.stats.tensors++;
}

/** Called when a tensor is disposed; frees the storage (in stream order) with its last tensor. */
export function release(s: Storage): void {
  const rec = s.rec;
  rec.refs--;
  rec.stats.tensors--;
  if (rec.refs === 0) freeStorage(s);
}

/** Something that can be disposed: a Tensor. */
export interface Disposable { dispose(): void; readonly isDisposed: boolean }

// ---- scopes ----
let syncScopes: Disposable[][] = [];
let als: AsyncLocalStorage<Disposable[]> | null = null;

/** The innermost tidy scope, if any: new tensors are recorded there. */
export function currentScope(): Disposable[] | undefined {
  const n = syncScopes.length;
  if (n) return syncScopes[n - 1];
  return als ? als.getStore() : undefined;
}

function collectKept(result: unknown, keep: Set<Disposable>, depth = 0): void {
  if (result === null || typeof result !== 'object' || depth > 4) return;
  if (typeof (result as Disposable).dispose === 'function' && 'isDisposed' in (result as object)) {
    keep.add(result as Disposable);
    return;
  }
  if (Array.isArray(result)) { for (const r of result) collectKept(r, keep, depth + 1); return; }
  if (result instanceof Map) { for (const r of result.values()) collectKept(r, keep, depth + 1); return; }
  if (Object.getPrototypeOf(result) === Object.prototype) for (const k in result) collectKept((result as Record<string, unknown>)[k], keep, depth + 1);
}

const kept = new WeakSet<Disposable>();

function closeScope(scope: Disposable[], result: unknown): void {
  const keep = new Set<Disposable>();
  collectKept(result, keep);
  const parent = currentScope();
  for (const t of scope) {
    if (keep.has(t) || kept.has(t)) { if (parent && !t.isDisposed) parent.push(t); continue; }
    t.dispose();
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except those it returns (directly, or in an
 * array, plain object or Map) and those passed to {@link keep}. Works with async functions too:
 * tensors created after an `await` inside `fn` belong to its scope.
 * @example
 * import * as nt from 'nodetensor';
 * const y = nt.tidy(() => nt.ones([3]).mul(2).add(1)); // the intermediate is freed, y is kept
 * const z = await nt.tidy(async () => { const t = nt.ones([2]); await t.data(); return t.sum(); });
 */
export function tidy<T>(fn: () => T): T {
  if ((fn as unknown as { constructor: unknown }).constructor === AsyncFunction) {
    return tidyAsync(fn as unknown as () => Promise<unknown>) as unknown as T;
  }
  const scope: Disposable[] = [];
  let result: T;
  syncScopes.push(scope);
  try {
    result = fn();
  } catch (e) {
    syncScopes.pop();
    closeScope(scope, undefined);
    throw e;
  }
  syncScopes.pop();
  if (result && typeof (result as unknown as Promise<unknown>).then === 'function') {
    // A plain function that returned a promise: what it created synchronously is in `scope`; close
    // the scope when the promise settles (declare the function `async` to track across awaits too).
    return (result as unknown as Promise<unknown>).then(
      (r) => { closeScope(scope, r); return r; },
      (e) => { closeScope(scope, undefined); throw e; },
    ) as unknown as T;
  }
  closeScope(scope, result);
  return result;
}

const AsyncFunction = (async () => {}).constructor;

/** tidy() for async functions: the scope follows the function across awaits (AsyncLocalStorage). */
async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  if (!als) als = new AsyncLocalStorage<Disposable[]>();
  const scope: Disposable[] = [];
  const saved = syncScopes;
  syncScopes = [];  // inside the async scope, the sync stack starts empty
  let promise: Promise<T>;
  try {
    promise = als.run(scope, fn);
  } finally {
    syncScopes = saved;
  }
  try {
    const result = await promise;
    closeScope(scope, result);
    return result;
  } catch (e) {
    closeScope(scope, undefined);
    throw e;
  }
}

/** Marks a tensor so that the enclosing tidy() does not dispose it. Returns it. @example const w = nt.keep(nt.zeros([3])); */
export function keep<T extends Disposable>(t: T): T { kept.add(t); return t; }

/** Live tensors and bytes per device, plus the native allocator's view.
 * @example console.log(nt.memory()); // { cpu: { tensors: 3, bytes: 48, native: { allocated, cached, peak } } }
 */
export function memory(): Record<string, { tensors: number; bytes: number; native?: Record<string, number> }> {
  const out: Record<string, { tensors: number; bytes: number; native?: Record<string, number> }> = {};
  for (const [dev, s] of deviceStats) out[dev] = { tensors: s.tensors, bytes: s.bytes };
  if (!out.cpu) out.cpu = { tensors: 0, bytes: 0 };
  out.cpu.native = JSON.parse(native.memoryStats(0));
  return out;
}
