// device.ts — device strings ('cpu', 'cuda:0', 'npu:1') to backend keys, backend status, and the
// queries every device namespace (nt.cuda, nt.npu) shares. Not here: the backends themselves
// (native, loaded on first use by the addon) or each namespace's own API (cuda.ts, npu.ts).
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

/** What the addon reports about one backend (native.backendStatus). */
export type BackendStatus = ReturnType<typeof native.backendStatus>;

/** The queries nt.cuda and nt.npu share, bound to one backend. */
export interface DeviceNamespace {
  /** The backend's status; loads the backend on first use. */
  status(): BackendStatus;
  /** The index N of `device` (N, or a 'cuda:N' / 'npu:N' string); throws for another backend's device. */
  indexOf(device: number | string, where: string): number;
  /** The status, or throws `${where}: npu is not available: <why>`. */
  requireAvailable(where: string): BackendStatus;
  /** Whether the backend loaded and sees at least one device. Never throws. */
  isAvailable(): boolean;
  /** Visible devices; 0 when the backend is not available. */
  deviceCount(): number;
}

/**
 * The shared queries of a device namespace for backend `backend`, whose devices are named
 * `${prefix}:N`: what cuda.ts and npu.ts build their public functions on.
 * @example
 * const ns = deviceNamespace(BACKEND_CUDA, 'cuda');
 * ns.indexOf('cuda:1', 'cuda.memoryStats'); // 1
 * ns.isAvailable(); // false without a GPU
 */
export function deviceNamespace(backend: number, prefix: 'cuda' | 'npu'): DeviceNamespace {
  const kind = `${prefix === 'npu' ? 'an' : 'a'} ${prefix} device`;
  const status = (): BackendStatus => native.backendStatus(backend);
  return {
    status,
    indexOf(device: number | string, where: string): number {
      if (typeof device === 'number') {
        if (!Number.isInteger(device) || device < 0) throw new RangeError(`${where}: device index must be a non-negative integer, got ${device}`);
        device = `${prefix}:${device}`;
      }
      const d = parseDevice(device, where);
      if (d.key >> 8 !== backend) throw new TypeError(`${where}: expected ${kind}, got ${JSON.stringify(device)}`);
      return d.key & 255;
    },
    requireAvailable(where: string): BackendStatus {
      const s = status();
      if (!s.available) throw new Error(`${where}: ${prefix} is not available: ${s.reason}`);
      return s;
    },
    isAvailable(): boolean {
      const s = status();
      return s.available && s.deviceCount > 0;
    },
    deviceCount(): number {
      const s = status();
      return s.available ? s.deviceCount : 0;
    },
  };
}
