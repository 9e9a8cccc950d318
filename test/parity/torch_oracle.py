#!/usr/bin/python3
# torch_oracle.py — the PyTorch side of test/parity/ops.test.ts: evaluates every case's torch
# expression on the CPU over the inputs the test generated, and returns the results. One process
# serves the whole test file. Not here: comparisons or tolerances (the test). Never downloads anything.
#
# stdin:  {"cases": [{"id": str, "expr": str, "inputs": {name: {"dtype", "shape", "b64", "cast"?}}}]}
# stdout: {"torch": version, "results": {id: {"outputs": [{"dtype", "shape", "b64"}]}
#                                         | {"str": text} | {"error": text}}}
# Inputs and outputs are raw little-endian bytes in base64 (test/helpers/oracle_io.py); float16/bfloat16
# outputs are widened to float32 (exactly) and bool travels as one byte per element.
import os
import sys

import torch
import torch.nn.functional as F  # noqa: N812 - used by the case expressions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from oracle_io import decode, dtype_name, encode, serve  # noqa: E402 - the shared wire format


def run_case(case):
    ns = {"torch": torch, "F": F}
    for name, spec in case.get("inputs", {}).items():
        ns[name] = decode(spec)
    r = eval(case["expr"], ns)  # noqa: S307 - the expressions are the test's own
    if isinstance(r, str):
        return {"str": r}
    if isinstance(r, torch.dtype):
        return {"str": dtype_name(r)}
    if isinstance(r, torch.Tensor):
        return {"outputs": [encode(r)]}
    if isinstance(r, (tuple, list)):
        return {"outputs": [encode(x) for x in r]}
    return {"str": repr(r)}


if __name__ == "__main__":
    serve(run_case)
