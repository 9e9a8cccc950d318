// runtime.ts — process-wide controls: synchronize a device, CPU thread count, cache release.
// Not here: per-tensor memory (memory.ts) or device parsing (device.ts).
import { parseDevice } from './device';
import { drainPools } from './memory';
import { native } from './native';

/** Waits until all queued work on a device has finished, and throws any pending asynchronous error (such as an index out of range). @example nt.synchronize('cpu') */
export function synchronize(device = 'cpu'): void { native.sync(parseDevice(device, 'synchronize').key); }

/** Threads the CPU kernels use (default: all cores; env NODETENSOR_NUM_THREADS). @example nt.setNumThreads(1) */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}

/** @example nt.getNumThreads() // 2 */
export function getNumThreads(): number { return native.getNumThreads(); }

/** Returns cached CPU blocks to the system (after queued work has finished). @example nt.emptyCache() */
export function emptyCache(): void { drainPools(); native.emptyCache(); }
