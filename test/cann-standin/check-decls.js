// check-decls.js — runs check-decls.cpp against an installed CANN toolkit (the CANN container in
// .github/workflows/cann.yml): finds the aclnnop headers that declare our operators, writes
// ops-includes.h and decl-checks.inc into a temporary folder, compiles, and reports operators this CANN
// lacks. Exits non-zero if a declaration differs. Not here: the checks themselves (check-decls.cpp).
//   source /usr/local/Ascend/ascend-toolkit/set_env.sh && node test/cann-standin/check-decls.js
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const home = process.env.ASCEND_TOOLKIT_HOME || process.env.ASCEND_HOME_PATH;
if (!home) {
  console.error('check-decls: ASCEND_TOOLKIT_HOME is not set: source the CANN set_env.sh first');
  process.exit(2);
}
const include = path.join(home, 'include');
const api = fs.readFileSync(path.join(root, 'csrc/backends/cann/acl-api.h'), 'utf8');
const block = api.slice(api.indexOf('#define NT_ACLNN_OPS(X)'), api.indexOf('// Phase 1 of aclnnName'));
const ops = [...block.matchAll(/X\((\w+),/g)].map((m) => m[1]);

function walk(d, out = []) {
  if (!fs.existsSync(d)) return out;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/^aclnn_.*\.h$/.test(e.name)) out.push(p);
  }
  return out;
}
const headers = walk(include).map((p) => ({ p, text: fs.readFileSync(p, 'utf8') }));
const includes = new Set();
const found = [], missing = [];
for (const op of ops) {
  const re = new RegExp(`\\baclnn${op}GetWorkspaceSize\\s*\\(`);
  const h = headers.find((x) => re.test(x.text));
  if (h) { includes.add(h.p); found.push(op); } else missing.push(op);
}
const out = fs.mkdtempSync(path.join(require('os').tmpdir(), 'nt-check-decls-'));
fs.writeFileSync(path.join(out, 'ops-includes.h'), [...includes].map((p) => `#include "${p}"`).join('\n') + '\n');
fs.writeFileSync(path.join(out, 'decl-checks.inc'), found.map((op) => `NT_CHECK_OP(${op})`).join('\n') + '\n');
console.log(`check-decls: ${found.length} of ${ops.length} aclnn operators found in ${include}`);
if (missing.length) console.log(`check-decls: not in this CANN (reported as unsupported at run time): ${missing.join(', ')}`);
const extra = ['aclnn', 'aclnnop', 'nnopbase'].map((d) => path.join(include, d)).filter((d) => fs.existsSync(d));
const args = ['-std=c++17', '-fsyntax-only', `-I${include}`, ...extra.map((d) => `-I${d}`), `-I${out}`,
  path.join(__dirname, 'check-decls.cpp')];
const r = spawnSync(process.env.CXX || 'g++', args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('check-decls: FAILED: a declaration in csrc/backends/cann/acl-api.h differs from the CANN headers (see above)');
  process.exit(1);
}
console.log('check-decls: every declaration in acl-api.h matches the CANN headers');
