// tfjs.ts — the TensorFlow.js (tfjs-core + the WebAssembly backend) side of `npm run bench`.
// The .wasm files are loaded from node_modules by file path, so nothing is downloaded; when the
// backend cannot start, the caller gets { available: false, reason } and the table says so.
// Not here: the timing method (measure.ts) or the table (run.ts).
import * as path from 'path';
import type * as TF from '@tensorflow/tfjs-core';
import { Contender, Plan, Runner, Workload } from './measure';

export interface TfjsInfo { available: boolean; reason?: string; version?: string; simd?: boolean; threads?: number }

/** Starts tfjs with the wasm backend; returns its description and, when it works, a Contender. */
export async function startTfjs(plan: Plan): Promise<{ info: TfjsInfo; contender?: Contender }> {
  let tf: typeof TF;
  try {
    tf = require('@tensorflow/tfjs-core') as typeof TF;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    // The directory holding tfjs-backend-wasm*.wasm, as a file path prefix (the trailing separator matters).
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'wasm') return { info: { available: false, reason: 'tf.setBackend("wasm") returned false' } };
  } catch (e) {
    return { info: { available: false, reason: `tfjs-wasm could not start: ${(e as Error).message}` } };
  }
  const multi = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const info: TfjsInfo = {
    available: true, version: tf.version_core, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    threads: multi ? (tf.backend() as unknown as { getThreadsCount?: () => number }).getThreadsCount?.() ?? 1 : 1,
  };
  return { info, contender: { key: 'tfjs', overheadIters: plan.tfjsOverheadIters, prepare: async (w) => prepare(tf, w) } };
}

// NOTE: the wasm backend runs each kernel synchronously inside the op call, so the loop's time
// includes the work; dataSync() on the last result is there for symmetry and is cheap.
function prepare(tf: typeof TF, w: Workload): Runner {
  const made: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(t: T): T => { made.push(t); return t; };
  let op: () => TF.Tensor;
  if (w.kind === 'matmul') {
    const a = keep(tf.randomNormal([w.n!, w.n!])), b = keep(tf.randomNormal([w.n!, w.n!]));
    op = () => tf.matMul(a, b);
  } else if (w.kind === 'add') {
    const a = keep(tf.randomNormal([w.n!])), b = keep(tf.randomNormal([w.n!]));
    op = () => tf.add(a, b);
  } else if (w.kind === 'sum') {
    const x = keep(tf.randomNormal([w.rows!, w.cols!]));
    op = () => tf.sum(x);
  } else {
    const x = keep(tf.randomNormal([w.rows!, w.cols!]));
    op = () => tf.softmax(x);
  }
  return {
    run: async (k) => {
      const t0 = performance.now();
      for (let i = 0; i < k; i++) {
        const c = op();
        if (i === k - 1 && c.size === 1) c.dataSync();
        c.dispose();
      }
      return performance.now() - t0;
    },
    dispose: () => { for (const t of made) t.dispose(); },
  };
}
