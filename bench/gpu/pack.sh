#!/usr/bin/env bash
# pack.sh — run HERE (no GPU needed) before a device call: builds the addon, the CUDA library and
# the JS (scripts/dev-build.sh), then packs what the device machine needs into .device/ (git-ignored,
# xz-compressed, about 35 MB): Node, dist/, the two libraries and the runtime node_modules. Carry
# `.device` in the call that runs bench/gpu/device-run.sh.
# Not here: anything that runs on the GPU (device-run.sh).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
bash scripts/dev-build.sh
mkdir -p .device  # /.device/ is in .gitignore
node_bin=$(readlink -f "$(command -v node)")  # as ../shared/device/pack-node.sh packs it
[[ -f .device/node.xz && .device/node.xz -nt "$node_bin" ]] || xz -T0 -6 -c "$node_bin" > .device/node.xz
mods=$(node -e "
const fs = require('fs'); const seen = new Set();
const walk = (n) => { if (seen.has(n)) return; seen.add(n);
  const pj = JSON.parse(fs.readFileSync('node_modules/' + n + '/package.json'));
  for (const d of Object.keys(pj.dependencies || {})) walk(d); };
['node-gyp-build', 'ndarray', 'tape'].forEach(walk);
console.log([...seen].map((n) => 'node_modules/' + n).join(' '));")
tar -cJf .device/app.tar.xz dist build/Release/nodetensor.node build/Release/libnodetensor_cuda.so $mods
ls -la .device
echo "now: device run with carry ['.device'], command: bash bench/gpu/device-run.sh"
