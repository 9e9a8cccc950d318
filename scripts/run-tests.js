// The test command (npm test): runs every compiled tape test file under dist/test (or the files
// given), each in its own Node process, and ends with the line `N passed, N failed`.
// Env: NODETENSOR_TEST_FILTER=substring to run a subset. The npu device runs against the CANN
// stand-in (test/cann-standin, built here when stale) unless NODETENSOR_TEST_NPU=real or off.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
function walk(d) {
  if (!fs.existsSync(d)) return [];
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.test.js') ? [path.join(d, e.name)] : []);
}
let files = process.argv.slice(2).length ? process.argv.slice(2) : walk(path.join(root, 'dist', 'test')).sort();
const filter = process.env.NODETENSOR_TEST_FILTER;
if (filter) files = files.filter((f) => f.includes(filter));
if (!files.length) {
  console.error('no test files found: run `npm run build:ts` first');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let passed = 0, failed = 0, skipped = 0;
const broken = [];
const standin = fs.existsSync(path.join(root, 'test/cann-standin/setup.js')) ? require('../test/cann-standin/setup.js').useStandin() : null;
if (standin && standin.error) { failed += 1; broken.push(['test/cann-standin (build)', standin.error]); }
for (const f of files) {
  const rel = path.relative(root, f);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', f], { encoding: 'utf8', env: process.env, maxBuffer: 256 << 20, timeout: 20 * 60 * 1000 });
  const out = (r.stdout || '') + (r.stderr ? `\n${r.stderr}` : '');
  const p = /^# pass\s+(\d+)/m.exec(out), fl = /^# fail\s+(\d+)/m.exec(out), sk = /^# skip\s+(\d+)/m.exec(out);
  const np = p ? +p[1] : 0, nf = fl ? +fl[1] : 0;
  passed += np; failed += nf; skipped += sk ? +sk[1] : 0;
  const crashed = r.status !== 0 && nf === 0;
  if (crashed) { failed += 1; }
  const status = nf || crashed ? 'FAIL' : 'ok';
  console.log(`${status.padEnd(4)} ${rel}  (${np} passed, ${nf} failed, ${((Date.now() - t0) / 1000).toFixed(1)}s)${crashed ? `  exit ${r.status ?? r.signal}` : ''}`);
  if (nf || crashed) broken.push([rel, out]);
}
for (const [rel, out] of broken) {
  console.log(`\n---- ${rel} ----`);
  const lines = out.split('\n');
  const shown = [];
  lines.forEach((l, i) => {
    if (/^not ok/.test(l)) {
      shown.push(l);
      for (const m of lines.slice(i + 1, i + 8)) if (/^\s+(expected|actual|at):/.test(m)) shown.push(m);
    }
  });
  console.log((shown.length ? shown : lines.slice(-40)).slice(0, 120).join('\n'));
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
