#!/usr/bin/env python3
"""The Python peer of `npm run bench`: one long-lived process that does the same work as SonoTL on request.

Node writes one JSON request per line on stdin ({"id", "op", ...}); each answer is one JSON line on
stdout ({"id", "ok", "result"} or {"id", "ok": false, "error"}). Keeping the process alive lets the
benchmark alternate SonoTL and peer rounds without paying Python's and torch's start-up per round.
Timings are taken here, around the work only, with time.perf_counter.

Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, python3-sklearn,
python3-skimage: `npm run bench:setup`). A missing module is reported by the "hello" answer, never
worked around.
"""
import importlib
import json
import os
import sys
import traceback

# Ops live in small modules by subject; each is imported on first use so a missing optional peer
# (say scikit-image) fails only the figures that need it.
OPS = {
    "cnn_infer_setup": "peer_cnn",
    "cnn_infer_time": "peer_cnn",
    "train_setup": "peer_train",
    "train_time": "peer_train",
    "train_peak": "peer_train",
    "matmul_time": "peer_matmul",
    "haar_time": "peer_haar",
    "detect_setup": "peer_detect",
    "detect_time": "peer_detect",
}


def hello(_req):
    found = {}
    for name in ("numpy", "torch", "torchvision", "sklearn", "skimage"):
        try:
            mod = importlib.import_module(name)
            found[name] = getattr(mod, "__version__", "?")
        except Exception as e:  # noqa: BLE001 - any import failure means "missing"
            found[name] = None
            found[name + "_error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    return {"python": sys.version.split()[0], "modules": found, "pid": os.getpid()}


def set_threads(req):
    import torch

    n = int(req["threads"])
    torch.set_num_threads(n)
    return {"threads": torch.get_num_threads()}


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    out = sys.stdout
    # Library chatter must not corrupt the protocol stream.
    sys.stdout = sys.stderr
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        rid = req.get("id")
        try:
            op = req["op"]
            if op == "hello":
                result = hello(req)
            elif op == "threads":
                result = set_threads(req)
            elif op in OPS:
                result = getattr(importlib.import_module(OPS[op]), op)(req)
            else:
                raise ValueError(f"unknown op {op}")
            answer = {"id": rid, "ok": True, "result": result}
        except Exception as e:  # noqa: BLE001 - reported to the benchmark, which prints it
            traceback.print_exc(file=sys.stderr)
            answer = {"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
