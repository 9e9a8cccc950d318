// devices.ts — the devices every device-generic test runs on (the conformance suite, the gradient
// checks, the training and nn parity tests): 'cpu' always, 'cuda:0' and 'npu:0' when their backend
// is available (npu:0 is the CANN stand-in under scripts/run-tests.js), and skips — an absent device,
// an op a backend does not implement — reported as tape SKIP lines with a `# skip N` count that
// scripts/run-tests.js adds up (tape alone would print them but count nothing). Not here: cases,
// tolerances or inputs.
import test from 'tape';
import * as nt from '../../lib';

export interface DeviceSlot { name: string; backend: 'cpu' | 'cuda' | 'npu'; available: boolean; reason: string }

function probeDevices(): DeviceSlot[] {
  const out: DeviceSlot[] = [{ name: 'cpu', backend: 'cpu', available: true, reason: '' }];
  for (const [b, name] of [['cuda', 'cuda:0'], ['npu', 'npu:0']] as const) {
    let available = false, reason = '';
    try {
      const info = nt.backendInfo(b);
      available = info.available && info.deviceCount > 0;
      reason = info.reason ?? (info.deviceCount > 0 ? '' : 'no devices');
    } catch (e) {
      reason = `backendInfo('${b}') threw: ${(e as Error).message}`;
    }
    out.push({ name, backend: b, available, reason: reason || 'not available' });
  }
  return out;
}

/** 'cpu' always, then 'cuda:0' and 'npu:0' with whether they are available here. */
export const DEVICES: readonly DeviceSlot[] = probeDevices();

/** An op a backend does not run: "op 'x' is not implemented on npu:0 (...)"; [1] the kernel op, [2] the device. */
export const NOT_IMPLEMENTED = /op '(\w+)' is not (?:implemented|supported) on ([\w:]+)/;

let skipCount = 0;
// NOTE: registered on the first skip, not at import: test.onFinish creates tape's harness, whose exit
// handler ends the process, so any process 'exit' listener added after it (the conformance records)
// would never run.
function countSkip(): void {
  if (skipCount++ === 0) test.onFinish(() => console.log(`# skip ${skipCount}`));
}

/** Registers a skipped tape test titled with what was skipped and why; counted in `# skip N`. */
export function skip(title: string): void {
  countSkip();
  test(title, { skip: true }, () => undefined);
}

/** The same inside a running test (a skipped subtest). */
export function skipIn(t: test.Test, title: string): void {
  countSkip();
  t.test(title, { skip: true }, () => undefined);
}

/**
 * Reports `e` as a skip when it says a kernel op is not implemented on `device` ("what on npu:0: kernel
 * op 'x' not available: ...") and returns true; returns false for any other error, and on the cpu,
 * which runs every op (a gap there is a failure).
 */
export function skippedAsNotImplemented(t: test.Test, what: string, device: string, e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  const m = NOT_IMPLEMENTED.exec(msg);
  if (!m || device === 'cpu') return false;
  skipIn(t, `${what} on ${device}: kernel op '${m[1]}' not available: ${msg}`);
  return true;
}

/**
 * The devices `what` runs on here, in DEVICES order; each absent one is reported once as a skip
 * naming it and why ("gradcheck on cuda:0: unavailable: no NVIDIA driver ...").
 */
export function devicesFor(what: string): DeviceSlot[] {
  for (const d of DEVICES) if (!d.available) skip(`${what} on ${d.name}: unavailable: ${d.reason}`);
  return DEVICES.filter((d) => d.available);
}
