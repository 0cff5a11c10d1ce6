"""The torch networks the benchmark compares SonoTL with (random weights: speed does not depend on them)."""
import torch
from torch import nn


def mobilenet_v2_035():
    """torchvision's MobileNetV2 at width 0.35 without the classifier, as SonoTL's default backbone."""
    import torchvision

    return torchvision.models.mobilenet_v2(width_mult=0.35).features


class GlobalAvg(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def caffenet_shape():
    """bvlc_reference_caffenet up to fc7 (4096-d), ungrouped convolutions like SonoTL's tfjs model."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2), nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2), nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2), nn.Flatten(1),
        nn.Linear(9216, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True),
    )


def feature_net(name):
    if name == "mobilenet":
        return nn.Sequential(mobilenet_v2_035(), GlobalAvg())
    if name == "caffenet":
        return caffenet_shape()
    raise ValueError(f"unknown network {name}")


def seeded_input(shape):
    g = torch.Generator().manual_seed(7)
    return torch.randn(*shape, generator=g)


def load_keras_mobilenet(features, weights_file, shapes):
    """Copies SonoTL's Keras MobileNetV2 0.35 weights (tfjs getWeights() order, float32, shapes as given)
    into torchvision's features, so both detectors compute the same features and take the same path.
    Both list conv kernel, then BN gamma, beta, mean, variance, layer by layer, in the same order."""
    import numpy as np

    raw = np.fromfile(weights_file, dtype="<f4")
    arrays, off = [], 0
    for s in shapes:
        n = int(np.prod(s))
        arrays.append(raw[off : off + n].reshape(s))
        off += n
    targets = []
    for m in features.modules():
        if isinstance(m, nn.Conv2d):
            targets.append(("conv", m))
        elif isinstance(m, nn.BatchNorm2d):
            m.eps = 1e-3  # Keras' default; torch's is 1e-5
            targets.append(("bn", m))
    it = iter(arrays)
    with torch.no_grad():
        for kind, m in targets:
            if kind == "conv":
                k = next(it)
                # HWIO (regular) or HW C 1 (depthwise) -> OIHW / C 1 H W
                t = torch.from_numpy(k.transpose(3, 2, 0, 1) if m.groups == 1 else k.transpose(2, 3, 0, 1).copy())
                if tuple(t.shape) != tuple(m.weight.shape):
                    raise ValueError(f"weight shape {tuple(t.shape)} does not fit {tuple(m.weight.shape)}")
                m.weight.copy_(t)
            else:
                for p in (m.weight, m.bias, m.running_mean, m.running_var):
                    p.copy_(torch.from_numpy(next(it)))
    if next(it, None) is not None:
        raise ValueError("weights left over after filling torchvision's MobileNetV2")
    # Keras pads stride-2 convolutions by one row/column at the bottom/right only (ZeroPadding2D
    # ((0, 1), (0, 1)) or TF SAME); torchvision pads one on every side, which shifts the sampling grid.
    import torch.nn.functional as F

    for kind, m in targets:
        if kind == "conv" and m.stride == (2, 2):
            m.padding = (0, 0)
            m.register_forward_pre_hook(lambda _m, inp: (F.pad(inp[0], (0, 1, 0, 1)),))
