// cuda-build.test.ts — where nvcc is present (developers' machines and CI, which have no GPU), the
// CUDA library was built by `npm install` (or shipped in prebuilds/): libnodetensor_cuda.so exists beside the addon, exports
// nt_backend_entry and nothing else, has no link-time dependency on the CUDA runtime, driver or
// cuBLAS, carries sm_80 and sm_90 code, and the addon accepts it. Skipped without nvcc.
// Not here: what the backend does (test/unit/cuda.test.ts, the conformance suite on a GPU).
import test from 'tape';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';
import { addonDir } from '../../lib/native';

const root = path.resolve(__dirname, '..', '..', '..');
const lib = path.join(addonDir, 'libnodetensor_cuda.so');  // where the addon loads it from

function nvccFound(): boolean {
  if (process.env.NODETENSOR_SKIP_CUDA === '1') return false;
  for (const c of [process.env.NVCC, 'nvcc', '/usr/local/cuda/bin/nvcc']) {
    if (c && spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return true;
  }
  return false;
}

/** SM versions of the CUDA ELF images (cubins) embedded in a file. */
function cubinArchs(buf: Buffer): Set<number> {
  const out = new Set<number>();
  for (let i = buf.indexOf('\x7fELF', 1, 'latin1'); i >= 0; i = buf.indexOf('\x7fELF', i + 4, 'latin1')) {
    if (i + 52 > buf.length || buf[i + 4] !== 2) continue;
    if (buf.readUInt16LE(i + 18) !== 190) continue;  // EM_CUDA
    out.add((buf.readUInt32LE(i + 48) >> 8) & 0xff);
  }
  return out;
}

if (!nvccFound()) {
  test('cuda build: nvcc not found, so no CUDA library is expected', { skip: true }, () => {});
} else {
  test('cuda build: npm install built libnodetensor_cuda.so beside the addon', (t) => {
    const exists = fs.existsSync(lib);
    let log = '';
    if (!exists) {
      const f = path.join(root, 'build-cuda', 'build.log');
      log = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-40).join('\n') : '(no build-cuda/build.log: run `node scripts/build-cuda.js`)';
    }
    t.ok(exists, `${lib} exists${exists ? '' : `; last lines of the CUDA build log:\n${log}`}`);
    if (!exists) { t.end(); return; }

    const nm = spawnSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8' });
    t.equal(nm.status, 0, 'nm -D runs');
    const exported = (nm.stdout || '').split('\n').filter((l) => / [TtWw] /.test(l)).map((l) => l.trim().split(/\s+/).pop());
    t.ok(exported.includes('nt_backend_entry'), `exports nt_backend_entry (nm -D: ${exported.join(', ')})`);
    t.same(exported, ['nt_backend_entry'], 'exports no other function (the CUDA runtime inside stays private)');

    const re = spawnSync('readelf', ['-d', lib], { encoding: 'utf8' });
    const needed = [...(re.stdout || '').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    t.ok(needed.length > 0, `readelf lists the needed libraries (${needed.join(', ')})`);
    t.notOk(needed.some((n) => /cudart|cublas|libcuda\b|libcuda\.so/.test(n)), 'no link-time dependency on cudart, the driver or cuBLAS');

    const archs = cubinArchs(fs.readFileSync(lib));
    t.ok(archs.has(80) && archs.has(90), `carries sm_80 and sm_90 code (found sm_${[...archs].sort().join(', sm_')})`);
    t.end();
  });

  test('cuda build: the addon accepts the library (same backend API and op table)', (t) => {
    const info = nt.backendInfo('cuda');
    const reason = info.reason ?? '';
    t.doesNotMatch(reason, /backend library was not found/, 'the loader found it');
    t.doesNotMatch(reason, /built for another version/, 'built against this addon\'s API version and op table');
    if (!info.available) t.ok(reason.length > 10, `unavailable on this machine for a stated reason: ${reason}`);
    else t.ok(info.deviceCount >= 1, `available with ${info.deviceCount} device(s)`);
    t.end();
  });
}
