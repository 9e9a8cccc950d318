// cuda.ts — `nt.cuda`: NVIDIA GPUs (devices 'cuda:N', the CUDA backend), shaped like torch.cuda:
// availability, devices, memory, synchronize, emptyCache, and matmul's TF32 opt-in.
// Not here: the backend itself (csrc/backends/cuda, loaded on first use), device parsing or the
// queries nt.npu shares (device.ts).
// NOTE: verified without a GPU: the build, loading, and every "why not available" path. The kernels
// have not yet run on a GPU here (see bench/gpu/README.md for the pending checks).
import { BACKEND_CUDA, deviceNamespace } from './device';
import { native } from './native';
import { emptyCache as emptyAllCaches, synchronize as syncDevice } from './runtime';

/** Memory of one GPU as nodetensor's caching allocator sees it (bytes). */
export interface CudaMemoryStats {
  /** In blocks held by tensors (and queued work). */
  allocated: number;
  /** Freed blocks kept for reuse (nt.cuda.emptyCache() returns them). */
  cached: number;
  /** allocated + cached: what the allocator holds from the driver. */
  reserved: number;
  /** Highest `allocated` so far. */
  peak: number;
  /** Device memory free / total (cudaMemGetInfo). */
  free: number;
  total: number;
  /** cudaMalloc calls, allocations served from the cache, cache releases. */
  allocations: number;
  cacheHits: number;
  releases: number;
}

/** One GPU as backendInfo('cuda').details.devices lists it. */
export interface CudaDeviceInfo { index: number; name: string; capability: string; memory: number; multiprocessors: number }

const ns = deviceNamespace(BACKEND_CUDA, 'cuda');
const { status, indexOf } = ns;

function devices(where: string): CudaDeviceInfo[] {
  return (JSON.parse(ns.requireAvailable(where).info ?? '{}') as { devices?: CudaDeviceInfo[] }).devices ?? [];
}

/**
 * Whether an NVIDIA GPU can be used: the CUDA library was built, the driver is recent enough and at
 * least one device of compute capability 8.0 or newer is visible. Never throws;
 * `nt.backendInfo('cuda').reason` says why not.
 * @example
 * import * as nt from 'nodetensor';
 * const device = nt.cuda.isAvailable() ? 'cuda:0' : 'cpu';
 */
export function isAvailable(): boolean { return ns.isAvailable(); }

/**
 * Number of visible GPUs (0 when CUDA is not available).
 * @example nt.cuda.deviceCount() // 1 on a machine with one H100
 */
export function deviceCount(): number { return ns.deviceCount(); }

/**
 * A GPU's name as the driver reports it. Throws if CUDA is not available (saying why) or the device
 * does not exist.
 * @example nt.cuda.getDeviceName(0) // 'NVIDIA H100 80GB HBM3'
 */
export function getDeviceName(device: number | string = 0): string {
  const i = indexOf(device, 'cuda.getDeviceName');
  const list = devices('cuda.getDeviceName');
  if (i >= list.length) throw new RangeError(`cuda.getDeviceName: cuda:${i} does not exist (${list.length} device(s) found)`);
  return list[i].name;
}

/**
 * The caching allocator's view of a GPU's memory, with the device's free and total bytes. Throws
 * if CUDA is not available.
 * @example const { allocated, cached, free, total } = nt.cuda.memoryStats(0);
 */
export function memoryStats(device: number | string = 0): CudaMemoryStats {
  const i = indexOf(device, 'cuda.memoryStats');
  return JSON.parse(native.memoryStats(BACKEND_CUDA * 256 + i)) as CudaMemoryStats;
}

/**
 * Waits for all queued work on a GPU and throws its pending asynchronous error, if any.
 * @example nt.cuda.synchronize(0)
 */
export function synchronize(device: number | string = 0): void {
  syncDevice(`cuda:${indexOf(device, 'cuda.synchronize')}`);
}

/**
 * Returns cached GPU memory to the driver once queued work has finished (tensors in use keep
 * theirs). The same as `nt.emptyCache()`, which does it for every device.
 * @example nt.cuda.emptyCache(); console.log(nt.cuda.memoryStats(0).cached); // 0
 */
export function emptyCache(): void { emptyAllCaches(); }

let allowTF32 = false;

/** Matmul precision: float32 stays float32 by default, like PyTorch's default. */
export const matmul = {
  /**
   * Let float32 matmuls use TF32 tensor cores (10-bit mantissa inputs, float32 accumulation): much
   * faster on Ampere and newer, about 1e-3 relative error. Like
   * `torch.backends.cuda.matmul.allow_tf32`; default false. Applies to matmuls that have not started.
   * @example nt.cuda.matmul.allowTF32 = true;
   */
  get allowTF32(): boolean { return allowTF32; },
  set allowTF32(on: boolean) {
    if (typeof on !== 'boolean') throw new TypeError(`cuda.matmul.allowTF32: expected a boolean, got ${typeof on}`);
    allowTF32 = on;
    if (status().available) native.setOption(BACKEND_CUDA, 'allow_tf32', on ? 1 : 0);
  },
};
