// Lists the C++ sources compiled into the .node (binding.gyp calls this): the N-API glue, the core
// and the CPU backend. CUDA and CANN are separate libraries and are not listed here.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const dirs = ['csrc', 'csrc/core', 'csrc/backends/cpu'];
const out = [];
for (const d of dirs) {
  for (const f of fs.readdirSync(path.join(root, d)).sort()) {
    if (f.endsWith('.cpp')) out.push(path.posix.join(d, f));
  }
}
process.stdout.write(out.join(' ') + '\n');
