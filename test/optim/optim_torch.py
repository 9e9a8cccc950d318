#!/usr/bin/python3
# optim_torch.py — the PyTorch side of test/optim/optim-torch.test.ts: runs torch.optim optimizers
# over the initial parameters and gradient sequences the test generated, and torch.optim.lr_scheduler
# schedules over dummy optimizers, and returns what they produced. One process serves the whole test
# file. Not here: comparisons or tolerances (the test). Never downloads anything.
#
# stdin: {"optim": [{"id", "cls", "kwargs", "groups": null | [{"params": [i...], **kwargs}],
#                     "params": [T], "grads": [[T | null per param] per step], "resume_at": k,
#                     "nt_state": state dict (tensors as T), "nt_params": [T]}],
#         "sched": [{"id", "opt": {"cls", "kwargs", "group_lrs"}, "sched": spec, "steps": n}]}
#   T = {"__tensor__": true, "dtype": "float32" | "float64", "shape": [...], "data": [flat values]}
#   spec = {"type": name, "kwargs": {...}} | {"type": "LambdaLR", "lambdas": [python source]}
#        | {"type": "SequentialLR", "schedulers": [spec...], "milestones": [...]}
# stdout: {"torch": version,
#          "optim": {id: {"params": [[T per param] per step], "state": state dict after resume_at steps,
#                         "resumed": [[T per param] per step after resume_at, from nt_state]} | {"error"}},
#          "sched": {id: {"lrs": [[lr per group] per step], "last": [[get_last_lr()] per step],
#                         "momentum": [[momentum or beta1 per group] per step], "state": state_dict} | {"error"}}}
# Step 0 of a schedule is the state right after construction.
import json
import sys
import traceback
import warnings

import torch

warnings.simplefilter("ignore")
DT = {"float32": torch.float32, "float64": torch.float64}


def dec(v):
    if isinstance(v, dict) and v.get("__tensor__"):
        return torch.tensor(v["data"], dtype=DT[v["dtype"]]).reshape(v["shape"])
    if isinstance(v, dict):
        return {k: dec(x) for k, x in v.items()}
    if isinstance(v, list):
        return [dec(x) for x in v]
    return v


def enc(v):
    if isinstance(v, torch.Tensor):
        t = v.detach()
        return {"__tensor__": True, "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                "data": t.reshape(-1).tolist()}
    if isinstance(v, dict):
        return {str(k): enc(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return "<not json>"


def kwargs_of(d):
    k = dict(d)
    if "betas" in k:
        k["betas"] = tuple(k["betas"])
    return k


def make_opt(cls, kwargs, groups, params):
    C = getattr(torch.optim, cls)
    if groups is None:
        return C(params, **kwargs_of(kwargs))
    gs = []
    for g in groups:
        g = kwargs_of(g)
        g["params"] = [params[i] for i in g["params"]]
        gs.append(g)
    return C(gs, **kwargs_of(kwargs))


def run_steps(opt, params, grads):
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = None if g is None else dec(g)
        opt.step()
        out.append([enc(p) for p in params])
    return out


def run_optim(case):
    params = [dec(p).requires_grad_() for p in case["params"]]
    opt = make_opt(case["cls"], case["kwargs"], case.get("groups"), params)
    k = case["resume_at"]
    res = {"params": run_steps(opt, params, case["grads"][:k])}
    res["state"] = enc(opt.state_dict())
    res["params"] += run_steps(opt, params, case["grads"][k:])
    # resume from nodetensor's state dict and parameters
    params2 = [dec(p).requires_grad_() for p in case["nt_params"]]
    opt2 = make_opt(case["cls"], case["kwargs"], case.get("groups"), params2)
    sd = dec(case["nt_state"])
    sd["state"] = {int(k): v for k, v in sd["state"].items()}  # JSON object keys are strings
    opt2.load_state_dict(sd)
    res["resumed"] = run_steps(opt2, params2, case["grads"][k:])
    return res


def make_sched(opt, spec):
    t = spec["type"]
    S = getattr(torch.optim.lr_scheduler, t)
    if t == "SequentialLR":
        subs = [make_sched(opt, s) for s in spec["schedulers"]]
        return S(opt, schedulers=subs, milestones=spec["milestones"])
    if t == "LambdaLR":
        fns = [eval(src) for src in spec["lambdas"]]  # noqa: S307 - the test's own expressions
        return S(opt, lr_lambda=fns[0] if len(fns) == 1 else fns)
    return S(opt, **spec["kwargs"])


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def run_sched(case):
    o = case["opt"]
    ps = [torch.zeros(1, requires_grad=True) for _ in o["group_lrs"]]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(ps, o["group_lrs"])]
    opt = getattr(torch.optim, o["cls"])(groups, **kwargs_of(o["kwargs"]))
    s = make_sched(opt, case["sched"])
    lrs, last, mom = [], [], []

    def record():
        lrs.append([g["lr"] for g in opt.param_groups])
        last.append(list(s.get_last_lr()))
        mom.append(momenta(opt))

    record()
    for _ in range(case["steps"]):
        opt.step()
        s.step()
        record()
    return {"lrs": lrs, "last": last, "momentum": mom, "state": enc(s.state_dict())}


def guarded(fn, case):
    try:
        return fn(case)
    except Exception as e:  # noqa: BLE001 - reported to the test
        return {"error": "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()[-1500:])}


def main():
    req = json.load(sys.stdin)
    out = {"torch": torch.__version__,
           "optim": {c["id"]: guarded(run_optim, c) for c in req.get("optim", [])},
           "sched": {c["id"]: guarded(run_sched, c) for c in req.get("sched", [])}}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
