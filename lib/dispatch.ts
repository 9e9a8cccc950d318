// dispatch.ts — the hot path from a resolved op to the native queue: output allocation, the shared
// command buffer, one native.submit() per op. Not here: shape/dtype decisions (lib/ops/*).
// NOTE: everything here runs once per op; keep it free of closures, array allocations and extra
// N-API calls (per-op overhead is a product feature: ~0.5 µs for a small op).
import { ITEMSIZE, DTYPES } from './dtype';
import { newStorage } from './memory';
import { CMD_F, CMD_I, CMD_VIEWS, MAX_DIMS, MAX_VIEWS, native, VIEW_SIZE } from './native';
import { outputCount } from './op-list';
import { tryCpuFallback } from './fallback';
import { contiguousStrides, numelOf } from './shape';

import { Tensor } from './tensor';

const cmd = new Float64Array(CMD_VIEWS + MAX_VIEWS * VIEW_SIZE);
const pendingReads = new Map<number, { resolve: () => void; reject: (e: Error) => void; key: number; keep: unknown }>();
let nextReadId = 1;

native.init(cmd, (id: number) => {
  native.readDone();
  const p = pendingReads.get(id);
  if (!p) return;
  pendingReads.delete(id);
  const err = native.takeError(p.key);
  if (err) p.reject(new Error(err));
  else p.resolve();
});

// Outputs allocated since the last submit: if the submit is refused (a pending asynchronous error
// or an unsupported op), the op's outputs are disposed so that nothing leaks.
const fresh: Tensor[] = [];

/** A fresh contiguous tensor on device `key` (storage uninitialised). */
export function emptyTensor(shape: number[], dt: number, key: number, device: string): Tensor {
  const n = numelOf(shape);
  const nbytes = n * ITEMSIZE[dt];
  const t = new Tensor(newStorage(key, nbytes, device), shape, contiguousStrides(shape), 0, dt);
  if (n) fresh.push(t);  // an empty tensor may be handed out without any submit: never track it
  return t;
}

/** Forgets the outputs tracked for a refused submit (a tensor was handed to the user without one). */
export function settled(): void { fresh.length = 0; }

/** Clears the float/int parameters (kernels read only what ops.def documents, but stale values confuse). */
export function resetParams(): void {
  for (let i = CMD_F; i < CMD_VIEWS; i++) cmd[i] = 0;
}
export function setF(k: number, v: number): void { cmd[CMD_F + k] = v; }
export function setI(k: number, v: number): void { cmd[CMD_I + k] = v; }

/** Writes view `slot` from a tensor's own metadata. */
export function setView(slot: number, t: Tensor): void {
  const b = CMD_VIEWS + slot * VIEW_SIZE;
  const shape = t.shape, strides = t.strides, nd = shape.length;
  cmd[b] = t._storage!.rec.ptr;
  cmd[b + 1] = t._dt;
  cmd[b + 2] = nd;
  cmd[b + 3] = t.offset;
  for (let i = 0; i < nd; i++) { cmd[b + 4 + i] = shape[i]; cmd[b + 4 + MAX_DIMS + i] = strides[i]; }
}

/** Writes view `slot` with explicit shape/strides/offset over a tensor's storage and dtype. */
export function setViewAs(slot: number, t: Tensor, shape: readonly number[], strides: readonly number[], offset: number): void {
  const b = CMD_VIEWS + slot * VIEW_SIZE;
  const nd = shape.length;
  cmd[b] = t._storage!.rec.ptr;
  cmd[b + 1] = t._dt;
  cmd[b + 2] = nd;
  cmd[b + 3] = offset;
  for (let i = 0; i < nd; i++) { cmd[b + 4 + i] = shape[i]; cmd[b + 4 + MAX_DIMS + i] = strides[i]; }
}

/** Writes view `slot` as `t` broadcast to outShape (stride 0 on expanded dims). */
export function setViewBroadcast(slot: number, t: Tensor, outShape: readonly number[]): void {
  const b = CMD_VIEWS + slot * VIEW_SIZE;
  const shape = t.shape, strides = t.strides, n = outShape.length, k = shape.length;
  cmd[b] = t._storage!.rec.ptr;
  cmd[b + 1] = t._dt;
  cmd[b + 2] = n;
  cmd[b + 3] = t.offset;
  for (let i = 0; i < n; i++) {
    const j = i - (n - k);
    cmd[b + 4 + i] = outShape[i];
    cmd[b + 4 + MAX_DIMS + i] = j < 0 || (shape[j] === 1 && outShape[i] !== 1) ? 0 : strides[j];
  }
}

/** Enqueues the op described in the command buffer on device `key`. */
export function submit(op: number, key: number, nviews: number): void {
  cmd[0] = op;
  cmd[1] = key;
  cmd[2] = nviews;
  try {
    native.submit();
  } catch (e0) {
    let e = e0;
    try {
      if (tryCpuFallback(cmd, op, key, nviews, e0)) { fresh.length = 0; return; }  // nt.setFallback('cpu')
    } catch (e1) { e = e1; }
    // Dispose this op's outputs: fresh tensors named by its output views (the last one, or the
    // last two for sort/topk/attention, three for attention_backward). Inputs are never touched.
    const nout = outputCount(op);
    for (const t of fresh) {
      const ptr = t._storage ? t._storage.rec.ptr : -1;
      for (let v = nviews - nout; v < nviews; v++) if (cmd[CMD_VIEWS + v * VIEW_SIZE] === ptr) { t.dispose(); break; }
    }
    fresh.length = 0;
    throw e;
  }
  fresh.length = 0;
}

/** Waits for the device's queue and throws its pending asynchronous error. */
export function syncDevice(key: number): void { native.sync(key); }

/** Reads `dst.byteLength` bytes at element offset `offset` of a tensor's storage, synchronously. */
export function readInto(t: Tensor, offsetElems: number, dst: ArrayBufferView): void {
  const rec = t._storage!.rec;
  native.readSync(rec.key, rec.ptr, offsetElems * ITEMSIZE[t._dt], dst);
}

/** Same, without blocking the event loop: resolves once the device has produced the data. */
export function readIntoAsync(t: Tensor, offsetElems: number, dst: ArrayBufferView): Promise<void> {
  const rec = t._storage!.rec;
  const id = nextReadId++;
  return new Promise<void>((resolve, reject) => {
    pendingReads.set(id, { resolve, reject, key: rec.key, keep: [dst, t._storage] });
    native.readAsync(rec.key, rec.ptr, offsetElems * ITEMSIZE[t._dt], dst, id);
  });
}

/** Copies host bytes into a freshly allocated tensor. */
export function writeFresh(t: Tensor, src: ArrayBufferView): void {
  const rec = t._storage!.rec;
  native.write(rec.key, rec.ptr, t.offset * ITEMSIZE[t._dt], src, !rec.recycled);
  fresh.length = 0;
}

export function dtypeName(dt: number): string { return DTYPES[dt]; }
