#!/usr/bin/env bash
# Developer build with a lock, so several people (or agents) on one checkout don't clobber build/:
# rebuilds the addon when a C++ file is newer than it, then compiles the TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/nodetensor-build.lock
flock 9
node=build/Release/nodetensor.node
if [[ ! -f $node ]] || [[ -n $(find csrc binding.gyp -newer "$node" -print -quit) ]]; then
  npx node-gyp rebuild -j 2 >/tmp/nodetensor-gyp.log 2>&1 || { grep -E 'error' /tmp/nodetensor-gyp.log | head -30; exit 1; }
fi
npx tsc -p tsconfig.json
node scripts/make-esm.js >/dev/null
