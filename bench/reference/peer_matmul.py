"""Figure 7 reference: float32 matrix multiply in numpy (BLAS) and torch, to estimate the machine's peak."""
import time

import numpy as np


def matmul_time(req):
    n, reps = int(req["n"]), int(req.get("reps", 3))
    lib = req.get("lib", "numpy")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    if lib == "torch":
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        fn = lambda: torch.mm(ta, tb)  # noqa: E731
    else:
        fn = lambda: a @ b  # noqa: E731
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"ms": times, "flops": 2 * n**3}
