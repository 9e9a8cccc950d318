// Builds and runs the standalone C++ kernel tests in test/native (no Node, no N-API): the core and
// the CPU kernel files are compiled once into objects, then each test links against them.
// Ends with `N passed, N failed` over all of them.
const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const root = path.join(__dirname, '..');
const cpuDir = path.join(root, 'csrc/backends/cpu');
const sources = ['csrc/core/parallel.cpp', ...fs.readdirSync(cpuDir).filter((f) => f.endsWith('.cpp') && f !== 'cpu-backend.cpp').map((f) => `csrc/backends/cpu/${f}`)];
const testDir = path.join(root, 'test/native');
const tests = fs.existsSync(testDir) ? fs.readdirSync(testDir).filter((f) => f.endsWith('-test.cpp')).sort() : [];
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nt-native-'));
// test/native/cuda-emu: CPU stand-ins for the CUDA headers, so the CUDA kernels' own code can run here.
const flags = ['-std=c++17', '-O2', '-Icsrc', '-Itest/native/cuda-emu'];

function compileAll(files) {  // two at a time (this machine has 2 cores)
  return new Promise((resolve) => {
    const queue = files.slice(), errors = [];
    let running = 0;
    const next = () => {
      if (!queue.length && !running) return resolve(errors);
      while (running < 2 && queue.length) {
        const f = queue.shift();
        running++;
        const p = spawn('g++', [...flags, '-c', f, '-o', path.join(out, path.basename(f) + '.o')], { cwd: root });
        let err = '';
        p.stderr.on('data', (d) => { err += d; });
        p.on('close', (code) => { running--; if (code) errors.push(`${f}:\n${err.slice(0, 3000)}`); next(); });
      }
    };
    next();
  });
}

(async () => {
  let passed = 0, failed = 0;
  const errors = await compileAll([...sources, ...tests.map((t) => `test/native/${t}`)]);
  for (const e of errors) { console.log(`FAIL build ${e}`); failed++; }
  const objs = sources.map((f) => path.join(out, path.basename(f) + '.o'));
  for (const t of tests) {
    const obj = path.join(out, t + '.o');
    if (!fs.existsSync(obj)) continue;
    const exe = path.join(out, t.replace('.cpp', ''));
    const l = spawnSync('g++', [...objs, obj, '-o', exe, '-ldl', '-lpthread'], { cwd: root, encoding: 'utf8' });
    if (l.status !== 0) { console.log(`FAIL link ${t}\n${(l.stderr || '').slice(0, 3000)}`); failed++; continue; }
    const r = spawnSync(exe, [], { cwd: root, encoding: 'utf8', timeout: 10 * 60 * 1000, env: { ...process.env, NODETENSOR_NUM_THREADS: '2' } });
    const text = (r.stdout || '') + (r.stderr || '');
    const line = text.split('\n').filter((x) => /^\d+ passed, \d+ failed/.test(x.trim())).pop();
    const m = line && /(\d+) passed, (\d+) failed/.exec(line);
    if (!m) { console.log(`FAIL ${t}: no summary line (exit ${r.status ?? r.signal})\n${text.slice(-2000)}`); failed++; continue; }
    passed += +m[1]; failed += +m[2];
    const crashed = r.status !== 0 && +m[2] === 0;
    if (crashed) failed++;
    console.log(`${+m[2] || crashed ? 'FAIL' : 'ok  '} ${t}: ${m[0]}${crashed ? ` (exit ${r.status})` : ''}`);
    if (+m[2]) console.log(text.split('\n').filter((x) => /FAIL/.test(x)).slice(0, 40).join('\n'));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
