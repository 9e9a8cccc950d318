// setup.js — points nodetensor's npu backend at the CANN stand-in for tests (TEST ONLY): builds the
// stand-in when stale and sets NODETENSOR_CANN_LIBDIR and ASCEND_OPP_PATH. NODETENSOR_TEST_NPU=real
// (a machine with CANN and an NPU: tests use it as installed) or =off leaves the environment alone.
// Not here: the stand-in itself (build.js and its sources).
//   node test/cann-standin/setup.js <command...>   runs a command with the stand-in environment, e.g.
//   node test/cann-standin/setup.js node --expose-gc dist/test/conformance/linalg.test.js
'use strict';
const { ensureStandin } = require('./build.js');

/** Sets the stand-in environment on `env` (default process.env). Returns the stand-in's paths, null when
 * NODETENSOR_TEST_NPU says not to, or { error } when it could not be built. */
function useStandin(env = process.env) {
  const mode = env.NODETENSOR_TEST_NPU || 'standin';
  if (mode !== 'standin') return null;
  let p;
  try {
    p = ensureStandin();
  } catch (e) {
    return { error: e.message };
  }
  env.NODETENSOR_CANN_LIBDIR = p.dir;
  env.ASCEND_OPP_PATH = p.opp;
  return p;
}

module.exports = { useStandin };

if (require.main === module) {
  const { spawnSync } = require('child_process');
  const p = useStandin();
  if (p && p.error) {
    console.error(p.error);
    process.exit(1);
  }
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.log(p ? `NODETENSOR_CANN_LIBDIR=${p.dir} ASCEND_OPP_PATH=${p.opp}` : 'NODETENSOR_TEST_NPU is not "standin"');
    process.exit(0);
  }
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  process.exit(r.status ?? 1);
}
