#!/usr/bin/env bash
# Developer build with a lock, so several people (or agents) on one checkout don't clobber build/:
# rebuilds the addon when a C++ file is newer than it, then compiles the TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/nodetensor-build.lock
flock 9
node=build/Release/nodetensor.node
if [[ ! -f $node ]] || [[ -n $(find csrc binding.gyp -newer "$node" -not -path 'csrc/backends/cuda/*' -not -path 'csrc/backends/cann/*' -print -quit) ]]; then
  npx node-gyp rebuild -j 2 >/tmp/nodetensor-gyp.log 2>&1 || { grep -E 'error' /tmp/nodetensor-gyp.log | head -30; exit 1; }
fi
# The CANN library (a second target in binding.gyp): an incremental make when only its sources changed.
cann=build/Release/libnodetensor_cann.so
if [[ ! -f $cann ]] || [[ -n $(find csrc/backends/cann csrc/core -newer "$cann" -print -quit) ]]; then
  npx node-gyp build -j 2 >/tmp/nodetensor-gyp-cann.log 2>&1 || { grep -E 'error' /tmp/nodetensor-gyp-cann.log | head -30; exit 1; }
fi
# The CUDA library (only where nvcc is): incremental in build-cuda/, so usually just a copy back
# into build/Release, which node-gyp rebuild empties.
node scripts/build-cuda.js | grep -v 'is up to date' || true
npx tsc -p tsconfig.json
node scripts/make-esm.js >/dev/null
