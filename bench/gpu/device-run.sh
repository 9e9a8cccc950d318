#!/usr/bin/env bash
# device-run.sh — run ON THE DEVICE MACHINE, in one call (after bench/gpu/pack.sh here, carrying
# .device): unpacks Node and the build, points the CUDA backend at PyTorch's cuBLAS, then runs the
# device line, `nodetensor doctor`, the conformance suite (cpu and cuda:0 columns), the CUDA unit
# tests and the GPU benchmarks against PyTorch. Logs go to $OUT (or /tmp/nodetensor-gpu-out). Not run yet.
set -uo pipefail
export NODETENSOR_TEST_NPU=off  # no CANN stand-in build there: the npu column is not what this run is for
out=${OUT:-/tmp/nodetensor-gpu-out}
mkdir -p "$out"
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
tar -xJf .device/app.tar.xz
# cuBLAS: the CUDA toolkit's, else the one PyTorch's wheels bring (nvidia/cublas/lib).
if [[ -z "${NODETENSOR_CUBLAS_LIB:-}" ]]; then
  cub=$(ls /usr/local/cuda/lib64/libcublas.so.* 2>/dev/null | head -1)
  [[ -z "$cub" ]] && cub=$(python3 -c "import nvidia.cublas, os, glob; d = os.path.join(list(nvidia.cublas.__path__)[0], 'lib'); print(sorted(glob.glob(d + '/libcublas.so.*'))[0])" 2>/dev/null)
  [[ -n "$cub" ]] && export NODETENSOR_CUBLAS_LIB=$cub
fi
{ nvidia-smi -L; node --version; echo "cublas: ${NODETENSOR_CUBLAS_LIB:-none}"; } 2>&1 | tee "$out/device.txt"
node dist/lib/cli.js doctor 2>&1 | tee "$out/doctor.txt"
node scripts/run-tests.js dist/test/unit/cuda.test.js dist/test/unit/cuda-build.test.js dist/test/unit/cuda-attention.test.js 2>&1 | tee "$out/cuda-unit.txt" | tail -25
NODETENSOR_TEST_FILTER=/test/conformance/ node scripts/run-tests.js 2>&1 | tee "$out/conformance.txt" | tail -60
# The gradient checks and the training/nn parity suites run on every device they find (cuda:0 here).
NODETENSOR_TEST_FILTER=/test/autograd/ node scripts/run-tests.js 2>&1 | tee "$out/gradcheck.txt" | tail -30
NODETENSOR_TEST_FILTER=/test/parity/training node scripts/run-tests.js 2>&1 | tee "$out/training-parity.txt" | tail -30
node dist/bench/gpu/run.js 2>&1 | tee "$out/bench.txt"
cp bench/results/gpu.json "$out/" 2>/dev/null || true
