#!/usr/bin/python3
# torch_bench.py — the PyTorch side of `npm run bench`: builds each workload's inputs and times the
# op in a Python loop, the same way bench/measure.ts does for nodetensor and tfjs. Never downloads.
# Not here: the table or the ratios (bench/run.ts).
#
# Two modes, JSON in and JSON out:
#   --serve   (what run.ts uses) one JSON command per stdin line, one JSON answer per stdout line, so
#             run.ts can interleave PyTorch's samples with nodetensor's on a shared machine:
#               {"cmd": "info", "threads": 2}          -> {"version", "threads", "blas"}
#               {"cmd": "prepare", "slot": "torch", "workload": {...}}  -> {"ok": true}
#               {"cmd": "run", "slot": "torch", "k": 10}  -> {"ms": total milliseconds for k ops}
#               {"cmd": "dispose", "slot": "torch"} / {"cmd": "exit"}
#   default   a whole spec on stdin (or argv[1]), results on stdout:
#               {"threads": 2, "reps": 7, "min_sample_ms": 60, "overhead_iters": 100000,
#                "workloads": [{"id": "matmul_512", "kind": "matmul", "n": 512}, ...]}
import json
import statistics
import sys
import time

try:
    import torch
except Exception as e:  # noqa: BLE001 - report any import failure in words
    torch = None
    IMPORT_ERROR = f"import torch failed: {e}"


def make_op(w):
    """Returns fn(k), which runs the workload's op k times (results dropped, like dispose())."""
    kind = w["kind"]
    if kind == "matmul":
        a, b = torch.randn(w["n"], w["n"]), torch.randn(w["n"], w["n"])

        def fn(k):
            for _ in range(k):
                a @ b  # noqa: B018
        return fn
    if kind == "add":
        a, b = torch.randn(w["n"]), torch.randn(w["n"])
        if w.get("out"):  # reference variant: into a preallocated output
            out = torch.empty(w["n"])

            def fn(k):
                for _ in range(k):
                    torch.add(a, b, out=out)
            return fn

        def fn(k):
            for _ in range(k):
                a + b  # noqa: B018
        return fn
    if kind == "sum":
        x = torch.randn(w["rows"], w["cols"])

        def fn(k):
            for _ in range(k):
                s = x.sum()
            s.item()
        return fn
    if kind == "softmax":
        x = torch.randn(w["rows"], w["cols"])

        def fn(k):
            for _ in range(k):
                torch.softmax(x, -1)
        return fn
    raise ValueError(f"unknown workload kind {kind!r}")


def timed(fn, k):
    t0 = time.perf_counter()
    fn(k)
    return (time.perf_counter() - t0) * 1e3


def info(threads):
    torch.set_num_threads(threads)
    blas = "unknown"
    for part in torch.__config__.show().replace("\n", ",").split(","):
        if "BLAS_INFO" in part:
            blas = part.strip().replace("Build settings: ", "")
            break
    return {"version": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}


def serve():
    fns = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            cmd = msg["cmd"]
            if torch is None:
                out = {"error": IMPORT_ERROR}
            elif cmd == "info":
                out = info(int(msg.get("threads", 1)))
            elif cmd == "prepare":
                torch.manual_seed(0)
                fns[msg.get("slot")] = make_op(msg["workload"])
                out = {"ok": True}
            elif cmd == "run":
                out = {"ms": timed(fns[msg.get("slot")], int(msg["k"]))}
            elif cmd == "dispose":
                fns.pop(msg.get("slot"), None)
                out = {"ok": True}
            elif cmd == "exit":
                return
            else:
                out = {"error": f"unknown command {cmd!r}"}
        except Exception as e:  # noqa: BLE001 - answer with the error, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


def one_shot(spec):
    if torch is None:
        return {"available": False, "reason": IMPORT_ERROR}
    head = info(int(spec.get("threads", 1)))
    reps, min_ms = int(spec.get("reps", 5)), float(spec.get("min_sample_ms", 60))
    results = {}
    for w in spec["workloads"]:
        try:
            torch.manual_seed(0)
            fn = make_op(w)
            one = timed(fn, 1)
            inner = int(spec.get("overhead_iters", 100000)) if w.get("overhead") else max(1, min(100000, int(-(-min_ms // max(one, 1e-6)))))
            timed(fn, inner)
            samples = [timed(fn, inner) / inner for _ in range(reps)]
            results[w["id"]] = {"ms": statistics.median(samples), "samples_ms": samples, "inner": inner}
        except Exception as e:  # noqa: BLE001
            results[w["id"]] = {"error": f"{type(e).__name__}: {e}"}
    return {"available": True, **head, "results": results}


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        raw = next((a for a in sys.argv[1:] if not a.startswith("--")), None) or sys.stdin.read()
        print(json.dumps(one_shot(json.loads(raw))))
