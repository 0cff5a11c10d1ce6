"""Figure 4 peer: scikit-image's haar_like_feature over 24x24 patches with SonoTL's 1973 rectangles.

The patches arrive as one raw uint8 file (N x 24 x 24); the feature set arrives as explicit rectangles
(skimage's feature_coord format), so both tools evaluate the same cells. skimage returns raw sums with
its own signs; SonoTL returns std-normalised differences of means (see docs/performance.md).
"""
import time

import numpy as np
from skimage.feature import haar_like_feature
from skimage.transform import integral_image

_cache = {}


def _features(spec):
    key = id(spec)
    if _cache.get("key") != key:
        coords = np.empty(len(spec), dtype=object)
        types = np.empty(len(spec), dtype=object)
        for i, f in enumerate(spec):
            coords[i] = [[tuple(p) for p in rect] for rect in f["rects"]]
            types[i] = f["type"]
        _cache.update(key=key, coords=coords, types=types)
    return _cache["coords"], _cache["types"]


def haar_time(req):
    side = int(req["side"])
    patches = np.fromfile(req["patches"], dtype=np.uint8).reshape(-1, side, side)
    if "spec" not in _cache or _cache["specPath"] != req["spec"]:
        import json

        with open(req["spec"]) as f:
            _cache["spec"] = json.load(f)
        _cache["specPath"] = req["spec"]
    coords, types = _features(_cache["spec"])
    n = int(req.get("count", len(patches)))
    out = None
    t0 = time.perf_counter()
    for k in range(n):
        ii = integral_image(patches[k].astype(np.float64))
        out = haar_like_feature(ii, 0, 0, side, side, feature_type=types, feature_coord=coords)
    ms = (time.perf_counter() - t0) * 1000
    return {"ms": ms, "patches": n, "features": int(out.shape[0]), "first": out[:4].tolist()}
