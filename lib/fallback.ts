// fallback.ts — the opt-in CPU fallback: an op that a device cannot run (not implemented there, or
// not for this dtype on this chip) runs on the CPU instead, with a warning once per op. Off by
// default: `nt.setFallback('cpu')` or NODETENSOR_FALLBACK=cpu turns it on. Not here: dispatch itself.
// NOTE: the fallback copies the op's operands to the CPU and its outputs back, synchronously; it is a
// convenience for rare ops, not a way to run models.
import { ITEMSIZE } from './dtype';
import { CMD_I, CMD_VIEWS, MAX_DIMS, native, VIEW_SIZE } from './native';
import { OP_NAMES, outputCount } from './op-list';

let mode: 'cpu' | 'none' = process.env.NODETENSOR_FALLBACK === 'cpu' ? 'cpu' : 'none';
const warned = new Set<string>();
const UNSUPPORTED = /^op '(\w+)' is not (?:implemented|supported) on ((?:cuda|npu):\d+)/;
const KIND_BINARY_FIRST = OP_NAMES.indexOf('add'), KIND_BINARY_LAST = OP_NAMES.indexOf('logical_or');

/**
 * What happens when a device cannot run an op: 'none' (default) throws an error naming the op, the
 * dtype and the chip; 'cpu' runs that op on the CPU instead (copying its operands there and its
 * outputs back) and warns once per op. The environment variable NODETENSOR_FALLBACK=cpu sets 'cpu'.
 * @example
 * import * as nt from 'nodetensor';
 * nt.setFallback('cpu');
 * const y = nt.randn([4, 4], { device: 'npu:0', dtype: 'float64' }).matmul(x); // float64 matmul: on the CPU
 */
export function setFallback(m: 'cpu' | 'none' | null): void {
  if (m !== 'cpu' && m !== 'none' && m !== null) throw new TypeError(`setFallback: expected 'cpu' or 'none', got ${JSON.stringify(m)}`);
  mode = m === 'cpu' ? 'cpu' : 'none';
}

/** The current fallback mode. @example nt.getFallback() // 'none' */
export function getFallback(): 'cpu' | 'none' { return mode; }

interface Block { ptr: number; lo: number; hi: number; isz: number; mixed: boolean; cpu: number; out: boolean }

/**
 * Called by dispatch when a device refused the op in `cmd`: with the fallback on and an "is not
 * implemented/supported" error, runs the op on the CPU and returns true; otherwise returns false.
 * Internal (lib/dispatch.ts's submit); not part of the public API.
 * @example
 * try { native.submit(); } catch (e) { if (!tryCpuFallback(cmd, op, key, nviews, e)) throw e; }
 */
export function tryCpuFallback(cmd: Float64Array, op: number, key: number, nviews: number, err: unknown): boolean {
  if (mode !== 'cpu' || key >> 8 === 0) return false;
  const m = err instanceof Error ? UNSUPPORTED.exec(err.message) : null;
  if (!m) return false;
  if (!warned.has(m[1])) {
    warned.add(m[1]);
    process.emitWarning(`${(err as Error).message}; running it on the CPU instead (nt.setFallback('cpu'); warned once per op)`, { code: 'NODETENSOR_CPU_FALLBACK' });
  }
  // Views the op does not read (a binary op's scalar slot) may hold stale pointers: skip them.
  const scalarMode = op >= KIND_BINARY_FIRST && op <= KIND_BINARY_LAST ? cmd[CMD_I] : 0;
  const unused = scalarMode === 1 ? 1 : scalarMode === 2 ? 0 : -1;
  const nout = outputCount(op);
  const blocks = new Map<number, Block>();
  const saved = cmd.slice(0, CMD_VIEWS + nviews * VIEW_SIZE);
  for (let v = 0; v < nviews; v++) {
    if (v === unused) continue;
    const b = CMD_VIEWS + v * VIEW_SIZE, nd = cmd[b + 2], isz = ITEMSIZE[cmd[b + 1]];
    let hi = cmd[b + 3] + 1, empty = false;
    for (let d = 0; d < nd; d++) {
      const n = cmd[b + 4 + d];
      if (n === 0) empty = true;
      else hi += (n - 1) * cmd[b + 4 + MAX_DIMS + d];
    }
    const lo = cmd[b + 3] * isz, hiB = empty ? lo : hi * isz;
    let blk = blocks.get(cmd[b]);
    if (!blk) { blk = { ptr: cmd[b], lo, hi: hiB, isz, mixed: false, cpu: 0, out: false }; blocks.set(cmd[b], blk); }
    blk.lo = Math.min(blk.lo, lo);
    blk.hi = Math.max(blk.hi, hiB);
    if (blk.isz !== isz) blk.mixed = true;
    if (v >= nviews - nout) blk.out = true;
  }
  try {
    for (const blk of blocks.values()) {
      if (blk.mixed) blk.lo = 0;
      const bytes = new Uint8Array(Math.max(blk.hi - blk.lo, 1));
      if (blk.hi > blk.lo) native.readSync(key, blk.ptr, blk.lo, bytes.subarray(0, blk.hi - blk.lo));
      blk.cpu = native.alloc(0, bytes.length);
      native.write(0, blk.cpu, 0, bytes, true);
    }
    for (let v = 0; v < nviews; v++) {
      const b = CMD_VIEWS + v * VIEW_SIZE;
      const src = v === unused ? CMD_VIEWS + (unused === 0 ? 1 : 0) * VIEW_SIZE : b;
      const blk = blocks.get(saved[src])!;
      if (v === unused) cmd.copyWithin(b, src, src + VIEW_SIZE);
      cmd[b] = blk.cpu;
      cmd[b + 3] = saved[src + 3] - blk.lo / ITEMSIZE[saved[src + 1]];
    }
    cmd[0] = op;
    cmd[1] = 0;
    cmd[2] = nviews;
    native.submit();
    for (const blk of blocks.values()) {
      if (!blk.out || blk.hi <= blk.lo) continue;
      const bytes = new Uint8Array(blk.hi - blk.lo);
      native.readSync(0, blk.cpu, 0, bytes);
      native.write(key, blk.ptr, blk.lo, bytes, false);
    }
  } finally {
    for (const blk of blocks.values()) if (blk.cpu) native.free(0, blk.cpu, Math.max(blk.hi - blk.lo, 1));
    cmd.set(saved, 0);  // the caller still names the op's outputs by these views (to free them on error)
  }
  return true;
}

/** For tests: forgets which ops were already warned about. @example resetFallbackWarnings(); */
export function resetFallbackWarnings(): void { warned.clear(); }

