// npu.ts — `nt.npu`: Huawei Ascend NPUs (devices 'npu:N', the CANN backend), shaped like torch.npu /
// torch.cuda: availability, devices, memory, synchronize, capability queries, fp32 matmul precision.
// Not here: the backend itself (csrc/backends/cann), device parsing or the queries nt.cuda shares
// (device.ts).
// NOTE: verified = our side of the CANN contract, on the test stand-in; not verified = numerics and
// speed on real Ascend chips (see docs/cann.md).
import { BACKEND_CANN, deviceNamespace } from './device';
import { checkDType, DTYPE_ID } from './dtype';
import type { DType } from './dtype';
import { native } from './native';
import { OP, OP_NAMES } from './op-list';
import { synchronize as syncDevice } from './runtime';

/** Memory of one NPU as its caching allocator sees it (bytes). @example const s: nt.npu.NpuMemoryStats = nt.npu.memoryStats(0); */
export interface NpuMemoryStats {
  /** In use by tensors and queued work. */
  allocated: number;
  /** Freed blocks kept for reuse. */
  cached: number;
  /** Highest `allocated` so far. */
  peak: number;
  /** allocated + cached: what the pool holds from CANN. */
  reserved: number;
  /** Device memory free / total, from aclrtGetMemInfo. */
  free: number;
  total: number;
}

const ns = deviceNamespace(BACKEND_CANN, 'npu');
const { status, indexOf, requireAvailable } = ns;

/**
 * Whether an Ascend NPU can be used: CANN was found, its environment is set up and at least one device
 * is visible. Never throws; `nt.backendInfo('npu').reason` says why not.
 * @example
 * import * as nt from 'nodetensor';
 * const device = nt.npu.isAvailable() ? 'npu:0' : 'cpu';
 */
export function isAvailable(): boolean { return ns.isAvailable(); }

/**
 * Number of visible NPUs (0 when CANN is not available).
 * @example nt.npu.deviceCount() // 8 on an Atlas 800T A2
 */
export function deviceCount(): number { return ns.deviceCount(); }

/**
 * The chip of an NPU as CANN names it (aclrtGetSocName), e.g. 'Ascend910B3'.
 * @example nt.npu.getDeviceName(0) // 'Ascend910B3'
 */
export function getDeviceName(device: number | string = 0): string {
  const i = indexOf(device, 'npu.getDeviceName');
  const s = requireAvailable('npu.getDeviceName');
  if (i >= s.deviceCount) throw new RangeError(`npu.getDeviceName: npu:${i} does not exist (${s.deviceCount} device(s) found)`);
  return String((JSON.parse(s.info ?? '{}') as { soc?: string }).soc ?? 'unknown');
}

/**
 * The caching allocator's view of an NPU's memory.
 * @example const { allocated, cached, free, total } = nt.npu.memoryStats(0);
 */
export function memoryStats(device: number | string = 0): NpuMemoryStats {
  const i = indexOf(device, 'npu.memoryStats');
  return JSON.parse(native.memoryStats(BACKEND_CANN * 256 + i)) as NpuMemoryStats;
}

/**
 * Waits for all queued work on an NPU and throws its pending asynchronous error, if any.
 * @example nt.npu.synchronize(0)
 */
export function synchronize(device: number | string = 0): void {
  syncDevice(`npu:${indexOf(device, 'npu.synchronize')}`);
}

// Public names that are not kernel op names.
const ALIASES: Record<string, string> = {
  mean: 'sum', std: 'var', max: 'amax', min: 'amin', rand: 'rand_uniform', randn: 'rand_normal', uniform: 'rand_uniform',
  normal: 'rand_normal', linspace: 'arange', full: 'fill', zeros: 'fill', ones: 'fill', contiguous: 'copy', clone: 'copy',
  to: 'copy', maskedFill: 'where', mm: 'matmul', bmm: 'matmul',
};

/**
 * Whether `op` runs in `dtype` on this machine's NPU (per-chip capability table keyed by the SoC name,
 * and the operators the installed CANN has). `op` is a kernel op or a public op name: 'matmul',
 * 'softmax', 'logSoftmax', 'indexSelect', 'mean', ... Throws if the NPU is unavailable.
 * @example
 * if (!nt.npu.supports('matmul', 'bfloat16')) model.to({ dtype: 'float16' });
 */
export function supports(op: string, dtype: DType): boolean {
  if (typeof op !== 'string') throw new TypeError(`npu.supports: expected an op name, got ${typeof op}`);
  const dt = checkDType(dtype, 'npu.supports');
  const snake = ALIASES[op] ?? op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (!(snake in OP)) {
    throw new TypeError(`npu.supports: ${JSON.stringify(op)} is not a kernel op (composite ops run wherever their kernel ops run); kernel ops: ${OP_NAMES.join(', ')}`);
  }
  requireAvailable('npu.supports');
  return native.backendSupports(BACKEND_CANN, OP[snake as keyof typeof OP], DTYPE_ID[dt]) === null;
}

let allowHF32 = false;

/** Matmul precision: float32 stays float32 by default (cubeMathType KEEP_DTYPE), like torch_npu. @example nt.npu.matmul.allowHF32 // false */
export const matmul = {
  /**
   * Let float32 matmuls use the cube unit's reduced precision: HF32 on Atlas A2/A3 (910B/910C),
   * float16 on 310P and the first-generation 910 (which refuse float32 matmul without it). Like
   * `torch_npu.npu.matmul.allow_hf32`; default false. Applies to matmuls that have not started yet.
   * @example nt.npu.matmul.allowHF32 = true;
   */
  get allowHF32(): boolean { return allowHF32; },
  set allowHF32(on: boolean) {
    if (typeof on !== 'boolean') throw new TypeError(`npu.matmul.allowHF32: expected a boolean, got ${typeof on}`);
    allowHF32 = on;
    if (status().available) native.setOption(BACKEND_CANN, 'allow_hf32', on ? 1 : 0);
  },
};
