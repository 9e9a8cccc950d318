// native.ts — the ONLY file that loads the .node (via node-gyp-build) and declares its typed surface.
// Not here: any logic. csrc/addon.cpp implements these; the command-buffer layout is shared with it.
import * as path from 'path';

/** What the addon exports (csrc/addon.cpp). Pointers are plain numbers; device keys are backend*256+index. */
export interface NativeAddon {
  init(cmd: Float64Array, onNotify: (id: number) => void): { cmdDoubles: number; maxDims: number; maxViews: number };
  opNames(): string[];
  submit(): void;
  alloc(key: number, nbytes: number): number;
  free(key: number, ptr: number, nbytes: number): void;
  write(key: number, ptr: number, byteOffset: number, src: ArrayBufferView, fresh: boolean): void;
  readSync(key: number, ptr: number, byteOffset: number, dst: ArrayBufferView): void;
  readAsync(key: number, ptr: number, byteOffset: number, dst: ArrayBufferView, id: number): void;
  readDone(): void;
  sync(key: number): void;
  takeError(key: number): string | null;
  backendStatus(backendId: number): { name: string; available: boolean; reason?: string; deviceCount: number; info?: string; ops?: string[] };
  memoryStats(key: number): string;
  emptyCache(): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setAddonDir(dir: string): void;
  /** null if backend `backendId` can run kernel op `op` on dtype id `dtype` (its supports()), else why not. */
  backendSupports(backendId: number, op: number, dtype: number): string | null;
  /** A named backend setting (its set_option(): npu "allow_hf32", cuda "allow_tf32"). Throws if unknown. */
  setOption(backendId: number, name: string, value: number): void;
}

// The package root is two levels above dist/lib.
const root = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as { (dir: string): unknown; resolve(dir: string): string };
export const native = load(root) as NativeAddon;

// Where loose backend libraries (libnodetensor_cuda.so, libnodetensor_cann.so) are looked for: beside
// the .node that node-gyp-build chose (build/Release before prebuilds/, so the two always match),
// else build/Release (a CUDA library built by `npm install` next to a prebuilt .node).
/** The folder the backend libraries are loaded from (build/Release, or prebuilds/<platform>-<arch>). */
export const addonDir = findAddonDir();
native.setAddonDir(addonDir);

function findAddonDir(): string {
  const fs = require('fs') as typeof import('fs');
  const release = path.join(root, 'build', 'Release');
  let chosen = release;
  try { chosen = path.dirname(load.resolve(root)); } catch { /* loaded above, so resolve() finds it too */ }
  const hasLib = (d: string) => fs.existsSync(path.join(d, 'libnodetensor_cuda.so')) || fs.existsSync(path.join(d, 'libnodetensor_cann.so'));
  return hasLib(chosen) ? chosen : release;
}

// ---- command buffer layout (csrc/addon.cpp) ----
export const CMD_F = 4;
export const CMD_I = 12;
export const CMD_VIEWS = 20;
export const VIEW_SIZE = 20;
export const MAX_DIMS = 8;
export const MAX_VIEWS = 9;
