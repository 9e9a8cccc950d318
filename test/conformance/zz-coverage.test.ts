// zz-coverage.test.ts — runs last (by name): prints the kernel op x device coverage table from the
// records the conformance files wrote in this run, and fails if an op a backend has went unexercised.
// Not here: any op checks.
import test from 'tape';
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';
import { OP_NAMES } from '../../lib/op-list';
import { DEVICES, FAMILIES, FamilyRecord, recordDir } from '../helpers/conformance';

function readRecords(): FamilyRecord[] {
  const dir = recordDir();
  if (!fs.existsSync(dir)) return [];
  const out: FamilyRecord[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try { out.push(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FamilyRecord); } catch { /* a torn file: the family counts as missing */ }
  }
  return out;
}

/** Removes record folders of earlier runs (a family file run alone leaves one behind) after a day. */
function pruneStale(): void {
  const root = path.dirname(recordDir()), day = 24 * 3600 * 1000;
  try {
    for (const f of fs.readdirSync(root)) {
      if (!f.startsWith('nodetensor-conformance-')) continue;
      const p = path.join(root, f);
      if (Date.now() - fs.statSync(p).mtimeMs > day) fs.rmSync(p, { recursive: true, force: true });
    }
  } catch { /* best effort */ }
}

const records = readRecords();
const missing = FAMILIES.filter((f) => !records.some((r) => r.family === f));
const uninstrumented = records.filter((r) => !r.instrumented).map((r) => r.family);

if (!records.length) {
  pruneStale();
  test('conformance coverage: no records from this run (run the conformance files through scripts/run-tests.js first)', { skip: true }, () => {});
} else {
  test('conformance coverage: op x device table', (t) => {
    const exercised = new Map<string, Set<string>>(), notImpl = new Map<string, Map<string, string>>();
    for (const r of records) for (const [dev, d] of Object.entries(r.devices)) {
      if (!exercised.has(dev)) { exercised.set(dev, new Set()); notImpl.set(dev, new Map()); }
      for (const op of d.exercised) exercised.get(dev)!.add(op);
      for (const [op, msg] of Object.entries(d.notImplemented)) notImpl.get(dev)!.set(op, msg);
    }
    const implemented = new Map<string, Set<string> | null>();
    for (const dev of DEVICES) {
      let ops: string[] | undefined;
      try { ops = dev.available ? nt.backendInfo(dev.backend).ops : undefined; } catch { ops = undefined; }
      implemented.set(dev.name, ops ? new Set(ops) : null);
    }
    const allOps = [...new Set([...OP_NAMES, ...[...implemented.values()].flatMap((s) => (s ? [...s] : []))])];
    const cell = (dev: string, op: string): string => {
      const slot = DEVICES.find((d) => d.name === dev)!;
      if (!slot.available) return 'skip';
      if (exercised.get(dev)?.has(op)) return 'ok';
      if (notImpl.get(dev)?.has(op)) return 'skip';
      const impl = implemented.get(dev);
      if (impl && !impl.has(op)) return 'n/a';
      return 'MISSED';
    };
    const w = Math.max(...allOps.map((o) => o.length));
    t.comment(`kernel op x device coverage (ok: run by checked cases; skip: backend unavailable or op not implemented there; n/a: not in the backend's op list; MISSED: in the list but no case ran it)`);
    t.comment(`${'op'.padEnd(w)}  ${DEVICES.map((d) => d.name.padEnd(7)).join(' ')}`);
    for (const op of allOps) t.comment(`${op.padEnd(w)}  ${DEVICES.map((d) => cell(d.name, op).padEnd(7)).join(' ')}`);
    for (const d of DEVICES) if (!d.available) t.comment(`${d.name}: unavailable (${d.reason})`);
    const counts = DEVICES.map((d) => `${d.name}: ${allOps.filter((op) => cell(d.name, op) === 'ok').length}/${allOps.length} ok`);
    t.comment(counts.join(', '));

    if (missing.length || uninstrumented.length) {
      t.test(`coverage check: ${missing.length ? `families without a record (crashed or filtered out): ${missing.join(', ')}` : ''}${uninstrumented.length ? ` families without kernel instrumentation: ${uninstrumented.join(', ')}` : ''}`, { skip: true }, () => {});
    } else {
      for (const d of DEVICES) {
        if (!d.available) continue;
        const missed = allOps.filter((op) => cell(d.name, op) === 'MISSED');
        t.deepEqual(missed, [], `every kernel op ${d.name} implements is exercised by the conformance suite`);
      }
    }
    try { fs.rmSync(recordDir(), { recursive: true, force: true }); } catch { /* leave it */ }
    pruneStale();
    t.end();
  });
}
