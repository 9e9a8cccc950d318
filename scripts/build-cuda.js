#!/usr/bin/env node
// Builds the CUDA backend (csrc/backends/cuda) into build/Release/libnodetensor_cuda.so with nvcc:
// a plain shared library (no N-API) linking the CUDA runtime statically, for sm_80 and sm_90 plus
// compute_90 PTX (NODETENSOR_CUDA_ARCHS="80;90" to change). Incremental: objects are kept in
// build-cuda/ and only stale ones are recompiled. Run by `npm install` after node-gyp-build.
// Without nvcc it prints one line and succeeds; a failed build prints the compiler's errors and
// still succeeds (the package works without CUDA) unless NODETENSOR_CUDA_STRICT=1.
// Not here: the addon build (binding.gyp) or loading the library (csrc/core/loader.cpp).
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const srcDir = path.join(root, 'csrc', 'backends', 'cuda');
const outDir = path.join(root, 'build-cuda');
const objDir = path.join(outDir, 'obj');
const lib = 'libnodetensor_cuda.so';
const strict = process.env.NODETENSOR_CUDA_STRICT === '1';
const say = (m) => console.log(`nodetensor: ${m}`);

function findNvcc() {
  const cands = [process.env.NVCC, 'nvcc', '/usr/local/cuda/bin/nvcc'].filter(Boolean);
  for (const c of cands) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) {
      const m = /release (\d+\.\d+)/.exec(r.stdout || '');
      return { nvcc: c, version: m ? m[1] : '?' };
    }
  }
  return null;
}

function archFlags() {
  const archs = (process.env.NODETENSOR_CUDA_ARCHS || '80;90').split(/[;, ]+/).filter(Boolean);
  const flags = archs.flatMap((a) => ['-gencode', `arch=compute_${a},code=sm_${a}`]);
  const ptx = archs[archs.length - 1];
  flags.push('-gencode', `arch=compute_${ptx},code=compute_${ptx}`);
  return { flags, label: `${archs.map((a) => `sm_${a}`).join(' ')} + compute_${ptx} PTX` };
}

function newest(files) {
  let t = 0;
  for (const f of files) t = Math.max(t, fs.statSync(f).mtimeMs);
  return t;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, out }));
    p.on('error', (e) => resolve({ code: -1, out: String(e) }));
  });
}

function fail(log, why) {
  for (const f of [path.join(outDir, lib), path.join(root, 'build', 'Release', lib)]) fs.rmSync(f, { force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'build.log'), log);
  console.log(log.split('\n').slice(-80).join('\n'));
  say(`the CUDA backend failed to build (${why}; full log: build-cuda/build.log). nodetensor works without it.`);
  process.exit(strict ? 1 : 0);
}

async function main() {
  if (process.env.NODETENSOR_SKIP_CUDA === '1') { say('NODETENSOR_SKIP_CUDA=1: not building the CUDA backend'); return; }
  const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, lib);
  if (fs.existsSync(prebuilt) && process.env.NODETENSOR_BUILD_CUDA !== '1') {
    say(`using the prebuilt ${path.relative(root, prebuilt)} (NODETENSOR_BUILD_CUDA=1 builds it from source)`);
    return;
  }
  const found = findNvcc();
  if (!found) { say('nvcc not found: building without the CUDA backend (set NVCC=/path/to/nvcc to build it)'); return; }
  if (!fs.existsSync(srcDir)) { say('no csrc/backends/cuda: nothing to build'); return; }
  const t0 = Date.now();
  const { flags: gencode, label } = archFlags();
  const common = ['-std=c++17', '-O3', '-Icsrc', '-Xcompiler', '-fPIC,-fvisibility=hidden', '-Xcudafe', '--display_error_number'];
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.cu') || f.endsWith('.cpp')).sort();
  fs.mkdirSync(objDir, { recursive: true });
  const stamp = JSON.stringify({ nvcc: found.version, common, gencode });
  const stampFile = path.join(outDir, 'flags.json');
  const sameFlags = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  const jobs = Math.max(1, Number(process.env.NODETENSOR_CUDA_JOBS) || Math.min(os.cpus().length, 8));
  const todo = sources.filter((f) => {  // stale: new flags, no object, or a newer source or header (nvcc -MMD)
    const o = path.join(objDir, `${f}.o`), d = `${o}.d`;
    if (!sameFlags || !fs.existsSync(o) || !fs.existsSync(d)) return true;
    const deps = fs.readFileSync(d, 'utf8').replace(/\\\n/g, ' ').split(/:\s/).slice(1).join(' ').split(/\s+/).filter(Boolean);
    try { return fs.statSync(o).mtimeMs < newest([path.join(srcDir, f), ...deps.map((x) => path.resolve(root, x))]); } catch { return true; }
  });
  const target = path.join(outDir, lib);
  if (todo.length) say(`building the CUDA backend with nvcc ${found.version} for ${label} (${todo.length} of ${sources.length} files, ${jobs} at a time)`);
  let log = '';
  const queue = todo.slice();
  const failed = [];
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length) {
      const f = queue.shift();
      const obj = path.join(objDir, `${f}.o`), tmp = `${obj}.${process.pid}.tmp`;
      const args = [...common, ...(f.endsWith('.cu') ? gencode : []), '-MMD', '-MF', `${obj}.d`, '-c', path.join('csrc', 'backends', 'cuda', f), '-o', tmp];
      const r = await run(found.nvcc, args);
      log += `$ ${found.nvcc} ${args.join(' ')}\n${r.out}`;
      if (r.code === 0) fs.renameSync(tmp, obj);
      else { fs.rmSync(tmp, { force: true }); failed.push(f); }
    }
  }));
  if (failed.length) fail(log, `nvcc failed on ${failed.join(', ')}`);
  fs.writeFileSync(stampFile, stamp);
  const relink = todo.length > 0 || !fs.existsSync(target);
  if (relink) {
    const script = path.join(outDir, 'exports.map');
    fs.writeFileSync(script, '{ global: nt_backend_entry; local: *; };\n');
    const objs = sources.map((f) => path.join('build-cuda', 'obj', `${f}.o`));
    const tmp = `${target}.${process.pid}.tmp`;
    const args = ['-shared', '-o', tmp, ...objs, '--cudart', 'static', '-Xlinker', `--version-script=${script}`, '-ldl', '-lpthread', '-lrt'];
    const r = await run(found.nvcc, args);
    log += `$ ${found.nvcc} ${args.join(' ')}\n${r.out}`;
    if (r.code !== 0) { fs.rmSync(tmp, { force: true }); fail(log, 'linking failed'); }
    fs.renameSync(tmp, target);
  }
  fs.writeFileSync(path.join(outDir, 'build.log'), log);
  const dest = path.join(root, 'build', 'Release');
  fs.mkdirSync(dest, { recursive: true });
  const destFile = path.join(dest, lib), tmpDest = `${destFile}.${process.pid}.tmp`;
  fs.copyFileSync(target, tmpDest);
  fs.renameSync(tmpDest, destFile);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  say(relink ? `built build/Release/${lib} in ${secs} s` : `build/Release/${lib} is up to date`);
}

main().catch((e) => fail(String(e && e.stack || e), 'the build script crashed'));
