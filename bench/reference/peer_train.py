"""Figure 2 peer: the fine-tuning step SonoTL's `adapt` runs, in torch. MobileNetV2 0.35 + global average
pooling + one logit, BCE-with-logits, Adam (eps 1e-7 as SonoTL's), batch norm in eval mode throughout
(running statistics frozen at their ImageNet values, gamma and beta trained, as `adapt` does). FA trains
every layer; PA freezes the stem and the first inverted-residual block (SonoTL's `stem` and `block0`)."""
import time

import torch
from torch import nn

from peer_models import GlobalAvg, mobilenet_v2_035, seeded_input
from peer_rss import peak_rss_mb, reset_peak

_state = {}


def train_setup(req):
    features = mobilenet_v2_035()
    net = nn.Sequential(features, GlobalAvg(), nn.Linear(1280, 1))
    # Eval mode everywhere: batch norm normalises with its running statistics and does not update them.
    net.eval()
    if req["mode"] == "pa":
        # features[0] is the stem conv+BN+ReLU6, features[1] the expansion-1 block: Keras' Conv1 and
        # expanded_conv.
        for m in (features[0], features[1]):
            for p in m.parameters():
                p.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=float(req.get("lr", 1e-4)), eps=1e-7)
    batch, size = int(req["batch"]), int(req["size"])
    x = seeded_input((batch, 3, size, size))
    y = (torch.arange(batch) % 2).float().reshape(batch, 1)
    loss_fn = nn.BCEWithLogitsLoss()

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
    times, cpu = [], []
    for _ in range(int(req.get("reps", 1))):
        c0 = time.process_time()
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        # CPU time of all the process's threads: on a shared machine it says what the step costs when
        # the wall clock also counts waiting for a core.
        cpu.append((time.process_time() - c0) * 1000)
    return {"ms": times, "cpuMs": cpu}
