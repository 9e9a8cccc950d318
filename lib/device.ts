// device.ts — device strings ('cpu', 'cuda:0', 'npu:1') to backend keys, and backend status.
// Not here: the backends themselves (native, loaded on first use by the addon).
import { native } from './native';

/** A device name: 'cpu', 'cuda', 'cuda:N', 'npu', 'npu:N'. */
export type Device = string;

export const BACKEND_CPU = 0;
export const BACKEND_CUDA = 1;
export const BACKEND_CANN = 2;

const cache = new Map<string, { key: number; name: string }>();
cache.set('cpu', { key: 0, name: 'cpu' });

/** Parses a device string to its canonical name and native key (backend * 256 + index). */
export function parseDevice(dev: unknown, where = 'device'): { key: number; name: string } {
  if (typeof dev === 'string') {
    const hit = cache.get(dev);
    if (hit) return hit;
    const m = /^(cpu|cuda|npu)(?::(\d+))?$/.exec(dev);
    if (m) {
      const idx = m[2] === undefined ? 0 : Number(m[2]);
      if (m[1] === 'cpu' && idx !== 0) throw new RangeError(`${where}: 'cpu:${idx}' does not exist; the CPU is one device, 'cpu'`);
      if (idx > 255) throw new RangeError(`${where}: device index ${idx} is out of range`);
      const backend = m[1] === 'cpu' ? BACKEND_CPU : m[1] === 'cuda' ? BACKEND_CUDA : BACKEND_CANN;
      const name = backend === BACKEND_CPU ? 'cpu' : `${m[1]}:${idx}`;
      const out = { key: backend * 256 + idx, name };
      cache.set(dev, out);
      return out;
    }
  }
  throw new TypeError(`${where}: unknown device ${JSON.stringify(dev)}; expected 'cpu', 'cuda', 'cuda:N', 'npu' or 'npu:N'`);
}

/** What a backend reports about itself. */
export interface BackendInfo {
  name: string;
  available: boolean;
  /** Why it is not available, in plain words. */
  reason?: string;
  deviceCount: number;
  /** Backend-specific details (threads, SIMD, the BLAS in use, driver versions...). */
  details?: Record<string, unknown>;
  /** The kernel ops this backend implements. */
  ops?: string[];
}

/**
 * Describes a backend: whether it is available (and why not), its devices, details such as the BLAS
 * in use, and its ops.
 * @example
 * import * as nt from 'nodetensor';
 * console.log(nt.backendInfo('cpu').details); // { threads: 2, simd: 'avx2+fma+f16c', gemm: { blas: 'openblas', ... } }
 */
export function backendInfo(name: 'cpu' | 'cuda' | 'npu' | 'cann'): BackendInfo {
  const id = name === 'cpu' ? BACKEND_CPU : name === 'cuda' ? BACKEND_CUDA : name === 'npu' || name === 'cann' ? BACKEND_CANN : -1;
  if (id < 0) throw new TypeError(`backendInfo: unknown backend ${JSON.stringify(name)}; expected 'cpu', 'cuda' or 'npu'`);
  const s = native.backendStatus(id);
  return {
    name: s.name, available: s.available, reason: s.reason, deviceCount: s.deviceCount,
    details: s.info ? JSON.parse(s.info) : undefined, ops: s.ops,
  };
}
