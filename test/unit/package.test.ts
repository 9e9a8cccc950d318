// package.test.ts — packaging: the package loads through both module systems (require and import,
// by name via the exports map and by path), both share ONE instance (one Tensor class, one native
// queue), and the type declarations exist. Each check runs in a child Node process.
// Not here: building prebuilds (release tooling).
import test from 'tape';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { pathToFileURL } from 'url';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const mjs = path.join(root, 'dist', 'lib', 'index.mjs');

function node(args: string[], cwd = root): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('package.json: entry points exist', (t) => {
  t.equal(pkg.name, 'nodetensor', 'name');
  for (const [what, rel] of [['main', pkg.main], ['types', pkg.types], ['exports.import', pkg.exports['.'].import],
    ['exports.require', pkg.exports['.'].require], ['exports.types', pkg.exports['.'].types]] as const) {
    t.ok(fs.existsSync(path.join(root, rel)), `${what} (${rel}) exists`);
  }
  t.ok(fs.existsSync(path.join(root, 'dist', 'lib', 'index.d.ts')), 'dist/lib/index.d.ts exists');
  const dts = fs.readFileSync(path.join(root, 'dist', 'lib', 'index.d.ts'), 'utf8');
  for (const name of ['Tensor', 'tensor', 'tidy', 'memory', 'backendInfo', 'matmul', 'DType']) {
    t.ok(new RegExp(`\\b${name}\\b`).test(dts), `index.d.ts declares ${name}`);
  }
  t.ok(fs.existsSync(path.join(root, 'dist', 'lib', 'tensor.d.ts')), 'dist/lib/tensor.d.ts exists');
  t.ok(fs.existsSync(path.join(root, 'dist', 'lib', 'index.d.mts')), 'dist/lib/index.d.mts exists (types for the ESM entry)');
  t.end();
});

test('require() by path and by name (self-reference through the exports map)', (t) => {
  const code = `const nt = require(${JSON.stringify(root)});
    const x = nt.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    console.log(JSON.stringify(x.matmul(x).toArray()), typeof nt.Tensor, require('nodetensor') === nt);`;
  const r = node(['-e', code]);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.out}` : ''}`);
  t.match(r.out, /\[\[7,10\],\[15,22\]\] function true/, 'computes, and require by path and by name give the same module');
  t.end();
});

test('import by name and by path: works and shares the CommonJS instance', (t) => {
  const code = `import * as nt from 'nodetensor';
    import def from 'nodetensor';
    import * as byPath from ${JSON.stringify(pathToFileURL(mjs).href)};
    import { createRequire } from 'module';
    const require = createRequire(${JSON.stringify(pathToFileURL(path.join(root, 'package.json')).href)});
    const cjs = require('nodetensor');
    const x = nt.ones([2, 2]).add(1);
    const y = cjs.ones([2, 2]);
    console.log('sum', x.add(y).sum().item());
    console.log('same', nt.Tensor === cjs.Tensor, byPath.Tensor === cjs.Tensor, def === cjs, x instanceof cjs.Tensor, y instanceof nt.Tensor);
    const names = Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default').sort();
    const missing = names.filter((k) => !(k in nt));
    console.log('missing', JSON.stringify(missing));
    console.log('mem', nt.memory().cpu.tensors === cjs.memory().cpu.tensors);`;
  const r = node(['--input-type=module', '-e', code]);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.out}` : ''}`);
  t.match(r.out, /sum 12/, 'an op mixing tensors from import and require works');
  t.match(r.out, /same true true true true true/, 'import and require share one instance (Tensor class, default export, instanceof)');
  t.match(r.out, /missing \[\]/, 'every CommonJS export is also a named ESM export');
  t.match(r.out, /mem true/, 'one memory accounting');
  t.end();
});

test('dynamic import() from CommonJS gets the same instance', (t) => {
  const code = `const nt = require('nodetensor');
    import('nodetensor').then((m) => { console.log('same', m.Tensor === nt.Tensor, m.tidy === nt.tidy); });`;
  const r = node(['-e', code]);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.out}` : ''}`);
  t.match(r.out, /same true true/, 'dynamic import shares the instance');
  t.end();
});

test('loading from another working directory, and the package.json export', (t) => {
  const code = `const nt = require(${JSON.stringify(root)}); const p = require(${JSON.stringify(root + '/package.json')});
    console.log(p.name, nt.backendInfo('cpu').available, nt.zeros([3]).add(2).toArray().join(','));`;
  const r = node(['-e', code], '/');
  t.equal(r.status, 0, `exit 0 with cwd=/${r.status ? `: ${r.out}` : ''}`);
  t.match(r.out, /nodetensor true 2,2,2/, 'works regardless of cwd');
  t.end();
});

test('loading does not require a GPU toolkit or BLAS at link time', (t) => {
  const code = `const nt = require(${JSON.stringify(root)}); const c = nt.backendInfo('cuda'), n = nt.backendInfo('npu');
    console.log('ok', typeof c.available, typeof n.available);`;
  const r = node(['-e', code]);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.out}` : ''}`);
  t.match(r.out, /ok boolean boolean/, 'asking about optional backends never fails the load');
  const ldd = spawnSync('ldd', [path.join(root, 'build', 'Release', 'nodetensor.node')], { encoding: 'utf8' });
  if (ldd.status === 0) {
    t.doesNotMatch(ldd.stdout, /libcuda|libcudart|libcublas|libascendcl|libopenblas|libblas|libmkl/, 'the .node has no link-time dependency on CUDA, CANN or BLAS');
  } else t.comment('ldd not available or no build/Release binary: skipped the link-time check');
  t.end();
});
