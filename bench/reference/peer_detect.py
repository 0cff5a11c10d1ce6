"""Figure 5 peer: SonoTL's whole-image detector written in PyTorch (+ scikit-learn for the classifier).

The same algorithm as src-main/core/detect and src-main/core/features: Haar features from integral
images (vectorised over windows with gathers), NA features ROI-average-pooled from MobileNetV2 0.35
feature maps of the whole image at the pyramid levels the windows need, their concatenation for
fusion, a gradient-boosted classifier trained on the same rows SonoTL trained on, then the
score-weighted merge of the top windows and the coarse-to-fine pattern search.
"""
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_models import load_keras_mobilenet, mobilenet_v2_035

BASE = 24
TARGET = 224
LEVELS_PER_OCTAVE = 2
CELL = 32
_state = {}


def jround(v):
    """JavaScript's Math.round (halves up), which SonoTL's window arithmetic uses."""
    return math.floor(v + 0.5)


def clamp_int(v, lo, hi):
    return min(hi, max(lo, jround(v)))


def snap(b, W, H):
    w = clamp_int(b[2], 12, W)
    h = clamp_int(b[3], 12, H)
    return (clamp_int(b[0], 0, W - w), clamp_int(b[1], 0, H - h), w, h)


def iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


# ---------------------------------------------------------------- Haar


def haar_tables(spec):
    """Every cell of every feature as base-unit corners, and per feature the indices of its positive and
    negative cells (at most two each; padded with the index of an all-zero column), since a value is the
    mean over the union of each part."""
    cells, pos, neg = [], [], []
    for f in spec:
        nx, ny = f["cells"]
        cw, ch = f["w"] // nx, f["h"] // ny
        p, n, k = [], [], 0
        for j in range(ny):
            for c in range(nx):
                x0, y0 = f["x"] + c * cw, f["y"] + j * ch
                (p if f["signs"][k] > 0 else n).append(len(cells))
                cells.append((x0, x0 + cw, y0, y0 + ch))
                k += 1
        pos.append(p)
        neg.append(n)
    pad = len(cells)
    padded = lambda lists: torch.tensor([l + [pad] * (2 - len(l)) for l in lists], dtype=torch.long)  # noqa: E731
    return torch.tensor(cells, dtype=torch.long), padded(pos), padded(neg)


def haar_features(ii, ii2, wins, chunk=128):
    # Chunks of windows keep the [windows, cells] index tensors in cache (a whole image's 2486 windows
    # x 5292 cells would be ~100 MB per tensor).
    return torch.cat([_haar_chunk(ii, ii2, wins[i : i + chunk]) for i in range(0, len(wins), chunk)])


def _haar_chunk(ii, ii2, wins):
    W1 = ii.shape[1]
    cells, mpos, mneg = _state["haar_cells"], _state["haar_pos"], _state["haar_neg"]
    wx, wy, ww, wh = (wins[:, k : k + 1].double() for k in range(4))
    u = torch.arange(BASE + 1, dtype=torch.float64)[None, :]
    col = (wx + torch.floor(u * ww / BASE + 0.5)).long()  # [n, 25]
    row = (wy + torch.floor(u * wh / BASE + 0.5)).long()
    flat, flat2 = ii.reshape(-1), ii2.reshape(-1)

    def rect(r0, r1, c0, c1, table):
        return table[r1 * W1 + c1] - table[r0 * W1 + c1] - table[r1 * W1 + c0] + table[r0 * W1 + c0]

    r0, r1, c0, c1 = row[:, :1], row[:, -1:], col[:, :1], col[:, -1:]
    n = (ww * wh)
    mean = rect(r0, r1, c0, c1, flat) / n
    var = rect(r0, r1, c0, c1, flat2) / n - mean * mean
    cx0, cx1 = col[:, cells[:, 0]], col[:, cells[:, 1]]
    cy0, cy1 = row[:, cells[:, 2]], row[:, cells[:, 3]]
    sums = rect(cy0, cy1, cx0, cx1, flat)
    area = ((cx1 - cx0) * (cy1 - cy0)).double()
    zero = torch.zeros(len(wins), 1, dtype=torch.float64)
    sums, area = torch.cat([sums, zero], 1), torch.cat([area, zero], 1)
    feats = sums[:, mpos].sum(-1) / area[:, mpos].sum(-1) - sums[:, mneg].sum(-1) / area[:, mneg].sum(-1)
    ok = var > 1e-8
    feats = torch.where(ok, feats / torch.sqrt(torch.where(ok, var, torch.ones_like(var))), torch.zeros_like(feats))
    return feats.float()


# ---------------------------------------------------------------- NA (ROI-pooled CNN maps)


def input_size(W, H, factor, max_pixels=2048 * 2048):
    f = factor
    if W * H * f * f > max_pixels:
        f = math.sqrt(max_pixels / (W * H))
    side = lambda v: max(CELL, jround(v * f / CELL) * CELL)  # noqa: E731
    return side(W), side(H)


def level_of(b):
    return jround(LEVELS_PER_OCTAVE * math.log2(math.sqrt(b[2] * b[3]) / TARGET))


def feature_map(level):
    maps = _state["maps"]
    if level not in maps:
        img = _state["image"]
        H, W = img.shape
        w, h = input_size(W, H, 2 ** (-level / LEVELS_PER_OCTAVE))
        x = img[None, None].float()
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False) / 127.5 - 1
        with torch.inference_mode():
            fm = _state["net"](x.expand(1, 3, h, w))[0]  # [C, rows, cols]
        maps[level] = (fm, w / W, h / H)
    return maps[level]


def cell_weights(a, b, n):
    """[k, n] overlap of each span [a, b) with each unit cell, as in cnn-roi-pool.ts."""
    j = torch.arange(n, dtype=torch.float64)[None, :]
    wts = torch.clamp(torch.minimum(b[:, None], j + 1) - torch.maximum(a[:, None], j), min=0)
    thin = (b - a) < 1e-2
    if thin.any():
        cell = torch.clamp(torch.floor((a + b) / 2), 0, n - 1).long()
        wts[thin] = 0
        wts[thin, cell[thin]] = 1
    return wts


def cnn_features(wins):
    out = torch.empty(len(wins), 1280)
    levels = [level_of(b) for b in wins.tolist()]
    for level in sorted(set(levels)):
        idx = torch.tensor([i for i, lv in enumerate(levels) if lv == level])
        fm, sx, sy = feature_map(level)
        C, rows, cols = fm.shape
        b = wins[idx].double()
        u0 = torch.clamp(b[:, 0] * sx / CELL, 0, cols)
        u1 = torch.clamp((b[:, 0] + b[:, 2]) * sx / CELL, 0, cols)
        v0 = torch.clamp(b[:, 1] * sy / CELL, 0, rows)
        v1 = torch.clamp((b[:, 1] + b[:, 3]) * sy / CELL, 0, rows)
        wx, wy = cell_weights(u0, u1, cols).float(), cell_weights(v0, v1, rows).float()
        pooled = torch.einsum("kr,kc,Crc->kC", wy, wx, fm)
        out[idx] = pooled / (wy.sum(1) * wx.sum(1))[:, None]
    return out


# ---------------------------------------------------------------- detection


def features(method, wins):
    t = torch.tensor(wins, dtype=torch.long)
    if method == "haar":
        return haar_features(_state["ii"], _state["ii2"], t)
    if method == "na":
        return cnn_features(t)
    return torch.cat([haar_features(_state["ii"], _state["ii2"], t), cnn_features(t)], 1)


def score(method, wins):
    return _state["clf"][method].predict_proba(features(method, wins).numpy())[:, 1]


def merge_top(wins, s, top_k, min_iou):
    order = np.argsort(-s, kind="stable")
    best = wins[order[0]]
    x0 = y0 = x1 = y1 = total = 0.0
    taken = 0
    for i in order:
        if taken >= top_k:
            break
        w = wins[i]
        if iou(w, best) < min_iou:
            continue
        v = max(float(s[i]), 1e-9)
        x0 += v * w[0]
        y0 += v * w[1]
        x1 += v * (w[0] + w[2])
        y1 += v * (w[1] + w[3])
        total += v
        taken += 1
    return (x0 / total, y0 / total, (x1 - x0) / total, (y1 - y0) / total)


def neighbours(b, step):
    dx = max(1, jround(step * b[2]))
    dy = max(1, jround(step * b[3]))
    x, y, w, h = b
    return [
        (x - dx, y, w, h), (x + dx, y, w, h), (x, y - dy, w, h), (x, y + dy, w, h),
        (x - dx, y, w + 2 * dx, h), (x + dx, y, w - 2 * dx, h), (x, y - dy, w, h + 2 * dy), (x, y + dy, w, h - 2 * dy),
        (x - dx, y - dy, w + 2 * dx, h + 2 * dy), (x + dx, y + dy, w - 2 * dx, h - 2 * dy),
    ]


def detect(method, candidates, W, H, p):
    s = score(method, candidates)
    bi = int(np.argmax(s))
    box, box_score = candidates[bi], float(s[bi])
    merged = snap(merge_top(candidates, s, p["topK"], p["mergeIou"]), W, H)
    if merged != box:
        box, box_score = merged, float(score(method, [merged])[0])
    best, step, seen = box_score, p["initialStep"], {box: box_score}
    for _ in range(p["maxRounds"]):
        if step * min(box[2], box[3]) < p["minStepPx"]:
            break
        cands, fresh = [], []
        for n in neighbours(box, step):
            sn = snap(n, W, H)
            if sn in cands:
                continue
            cands.append(sn)
            if sn not in seen:
                fresh.append(sn)
        if fresh:
            for f, v in zip(fresh, score(method, fresh)):
                seen[f] = float(v)
        moved = False
        for c in cands:
            if seen[c] > best:
                best, box, moved = seen[c], c, True
        if not moved:
            step /= 2
    return box, best


def detect_setup(req):
    from sklearn.ensemble import HistGradientBoostingClassifier

    with open(req["spec"]) as f:
        spec = json.load(f)
    _state["haar_cells"], _state["haar_pos"], _state["haar_neg"] = haar_tables(spec)
    net = mobilenet_v2_035()
    load_keras_mobilenet(net, req["weights"], req["weightShapes"])
    _state["net"] = net.eval()
    W, H = int(req["width"]), int(req["height"])
    _state["rawImage"] = torch.from_numpy(np.fromfile(req["image"], dtype=np.uint8).reshape(H, W).copy())
    y = np.fromfile(req["trainY"], dtype=np.uint8)
    _state["clf"] = {}
    for method, path in req["trainX"].items():
        x = np.fromfile(path, dtype="<f4").reshape(len(y), -1)
        clf = HistGradientBoostingClassifier(**req["gbm"])
        clf.fit(x, y)
        _state["clf"][method] = clf
    with open(req["candidates"]) as f:
        _state["candidates"] = [tuple(b) for b in json.load(f)]
    check = {}
    if "checkWindows" in req:
        # The same windows' features from SonoTL, to show both implement the same features.
        wins = [tuple(b) for b in req["checkWindows"]]
        _fresh_image()
        for method, path in req["checkFeatures"].items():
            ref = np.fromfile(path, dtype="<f4").reshape(len(wins), -1)
            with torch.inference_mode():
                mine = features(method, wins).numpy()
            check[method] = float(np.abs(mine - ref).max() / max(1e-6, np.abs(ref).max()))
    return {"candidates": len(_state["candidates"]), "maxRelDiff": check}


def _fresh_image():
    """Per-image state starts empty, as for a new image in SonoTL: integral images and maps are timed."""
    img = _state["rawImage"]
    d = img.double()
    ii = torch.zeros(img.shape[0] + 1, img.shape[1] + 1, dtype=torch.float64)
    ii2 = torch.zeros_like(ii)
    ii[1:, 1:] = d.cumsum(0).cumsum(1)
    ii2[1:, 1:] = (d * d).cumsum(0).cumsum(1)
    _state.update(image=img, ii=ii, ii2=ii2, maps={})


def detect_time(req):
    W, H = _state["rawImage"].shape[1], _state["rawImage"].shape[0]
    t0 = time.perf_counter()
    with torch.inference_mode():
        _fresh_image()
        box, s = detect(req["method"], _state["candidates"], W, H, req["params"])
    ms = (time.perf_counter() - t0) * 1000
    return {"ms": ms, "box": list(box), "score": s}
