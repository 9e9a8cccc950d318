#!/usr/bin/python3
# torch_oracle.py — the PyTorch side of test/parity/ops.test.ts: evaluates every case's torch
# expression on the CPU over the inputs the test generated, and returns the results. One process
# serves the whole test file. Not here: comparisons or tolerances (the test). Never downloads anything.
#
# stdin:  {"cases": [{"id": str, "expr": str, "inputs": {name: {"dtype", "shape", "b64", "cast"?}}}]}
# stdout: {"torch": version, "results": {id: {"outputs": [{"dtype", "shape", "b64"}]}
#                                         | {"str": text} | {"error": text}}}
# Inputs and outputs are raw little-endian bytes in base64; float16/bfloat16 outputs are widened to
# float32 (exactly) and bool travels as one byte per element.
import base64
import json
import sys

import torch
import torch.nn.functional as F  # noqa: N812 - used by the case expressions

NP_CODE = {
    "float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool, "float16": torch.float16, "bfloat16": torch.bfloat16,
}


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def decode(spec):
    raw = bytearray(base64.b64decode(spec["b64"]))
    dt = spec["dtype"]
    if dt == "bool":
        t = torch.frombuffer(raw, dtype=torch.uint8).to(torch.bool) if raw else torch.zeros(0, dtype=torch.bool)
    elif raw:
        t = torch.frombuffer(raw, dtype=NP_CODE[dt]).clone()
    else:
        t = torch.zeros(0, dtype=NP_CODE[dt])
    t = t.reshape(spec["shape"])
    if spec.get("cast"):
        t = t.to(NP_CODE[spec["cast"]])
    return t


def encode(t):
    name = dtype_name(t.dtype)
    c = t.detach().contiguous()
    if c.dtype in (torch.float16, torch.bfloat16):
        c = c.to(torch.float32)
    elif c.dtype == torch.bool:
        c = c.to(torch.uint8)
    return {"dtype": name, "shape": list(t.shape), "b64": base64.b64encode(c.numpy().tobytes()).decode("ascii")}


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


def main():
    spec = json.loads(sys.stdin.read())
    torch.manual_seed(0)
    results = {}
    for case in spec["cases"]:
        try:
            results[case["id"]] = run_case(case)
        except Exception as e:  # noqa: BLE001 - the test decides whether an error was expected
            results[case["id"]] = {"error": f"{type(e).__name__}: {e}"}
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
