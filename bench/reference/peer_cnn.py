"""Figure 1 peer: batched feature extraction with PyTorch on the CPU (inference mode)."""
import time

import torch

from peer_models import feature_net, seeded_input

_state = {}


def cnn_infer_setup(req):
    net = feature_net(req["model"]).eval()
    x = seeded_input((int(req["batch"]), 3, int(req["size"]), int(req["size"])))
    with torch.inference_mode():
        for _ in range(int(req.get("warmup", 2))):
            out = net(x)
    _state["net"], _state["x"] = net, x
    return {"outShape": list(out.shape), "threads": torch.get_num_threads()}


def cnn_infer_time(req):
    net, x = _state["net"], _state["x"]
    times = []
    with torch.inference_mode():
        for _ in range(int(req.get("reps", 1))):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1000)
    return {"ms": times}
