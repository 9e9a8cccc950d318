# oracle_io.py — the tensor wire format of the PyTorch oracles (test/parity/torch_oracle.py,
# test/nn/nn_torch.py), the Python half of test/helpers/oracle-io.ts: a spec is
# {"dtype", "shape", "b64", "cast"?} with the raw little-endian bytes in base64; bool travels as one
# byte per element and float16/bfloat16 results are widened to float32 (exactly) on the way back.
# Also the oracles' driver: cases from stdin, results to stdout, one run per test file.
# Not here: evaluating a case or comparing (the oracles and the tests).
import base64
import json
import sys

import torch

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool, "float16": torch.float16, "bfloat16": torch.bfloat16,
}


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def decode(spec):
    """A spec as a torch tensor (then cast to spec["cast"] when given)."""
    raw = bytearray(base64.b64decode(spec["b64"]))
    dt = spec["dtype"]
    if not raw:
        t = torch.zeros(0, dtype=DTYPES[dt])
    elif dt == "bool":
        t = torch.frombuffer(raw, dtype=torch.uint8).to(torch.bool)
    else:
        t = torch.frombuffer(raw, dtype=DTYPES[dt]).clone()
    t = t.reshape(spec["shape"])
    if spec.get("cast"):
        t = t.to(DTYPES[spec["cast"]])
    return t


def encode(t):
    """A tensor (or None) as a spec, named by its own dtype."""
    if t is None:
        return None
    c = t.detach().contiguous()
    if c.dtype in (torch.float16, torch.bfloat16):
        c = c.to(torch.float32)
    elif c.dtype == torch.bool:
        c = c.to(torch.uint8)
    return {"dtype": dtype_name(t.dtype), "shape": list(t.shape), "b64": base64.b64encode(c.numpy().tobytes()).decode("ascii")}


def serve(run_case):
    """Reads {"cases": [...]} from stdin and prints {"torch": version, "results": {id: run_case(case)}};
    a case that raises gets {"error": "Type: message"} (the test decides whether one was expected)."""
    spec = json.loads(sys.stdin.read())
    torch.manual_seed(0)
    results = {}
    for case in spec["cases"]:
        try:
            results[case["id"]] = run_case(case)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            results[case["id"]] = {"error": f"{type(e).__name__}: {e}"}
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout)
