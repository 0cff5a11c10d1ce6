"""Figure 2 peer: one SGD training step of MobileNetV2 0.35 + a 2-class head, FA (all layers) or PA
(the stem and the first inverted-residual block frozen, as SonoTL's `stem` and `block0` groups)."""
import time

import torch
from torch import nn

from peer_models import GlobalAvg, mobilenet_v2_035, seeded_input
from peer_rss import peak_rss_mb, reset_peak

_state = {}


def train_setup(req):
    features = mobilenet_v2_035()
    net = nn.Sequential(features, GlobalAvg(), nn.Linear(1280, 2))
    net.train()
    if req["mode"] == "pa":
        # features[0] is the stem conv+BN+ReLU6, features[1] the expansion-1 block: Keras' Conv1 and
        # expanded_conv. Frozen layers keep their batch-norm statistics (inference mode), as in Keras.
        for m in (features[0], features[1]):
            m.eval()
            for p in m.parameters():
                p.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01)
    batch, size = int(req["batch"]), int(req["size"])
    x = seeded_input((batch, 3, size, size))
    y = torch.arange(batch) % 2
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(int(req.get("warmup", 1))):
        step()
    _state["step"] = step
    # The peak of the timed steps only, as on the SonoTL side (reset after the warm-up step).
    reset_peak()
    return {"trainable": sum(p.numel() for p in params), "threads": torch.get_num_threads(), "peakRssMb": None}


def train_peak(_req):
    return {"peakRssMb": peak_rss_mb()}


def train_time(req):
    step = _state["step"]
    times = []
    for _ in range(int(req.get("reps", 1))):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return {"ms": times}
