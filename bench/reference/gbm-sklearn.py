#!/usr/bin/env python3
"""Reference run of scikit-learn's HistGradientBoostingClassifier for the SonoTL GBM.

Reads a data file written by gbm-data.mjs, trains on its fixed train split with the settings the
TypeScript booster is compared at, and writes test accuracy, log loss and fit time as JSON.

    node bench/reference/gbm-data.mjs /tmp/gbm-ref.bin
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/reference/gbm-sklearn.py /tmp/gbm-ref.bin \
        test/fixtures/gbm/sklearn-reference.json
"""
import argparse
import hashlib
import json
import os
import platform
import statistics
import struct
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, log_loss

PARAMS = dict(
    max_iter=100,
    learning_rate=0.1,
    max_leaf_nodes=31,
    min_samples_leaf=20,
    l2_regularization=0.0,
    max_bins=255,
    early_stopping=False,
    random_state=0,
)


def read_data(path):
    raw = open(path, "rb").read()
    if raw[:8] != b"SGBMDATA":
        sys.exit(f"{path} is not a gbm-data file")
    version, n_rows, n_cols = struct.unpack_from("<III", raw, 8)
    if version != 1:
        sys.exit(f"{path} has version {version}, expected 1")
    off = 20
    x = np.frombuffer(raw, dtype="<f4", count=n_rows * n_cols, offset=off).reshape(n_rows, n_cols)
    off += 4 * n_rows * n_cols
    y = np.frombuffer(raw, dtype=np.uint8, count=n_rows, offset=off).astype(np.int64)
    is_test = np.frombuffer(raw, dtype=np.uint8, count=n_rows, offset=off + n_rows).astype(bool)
    return raw, x, y, is_test


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="file written by gbm-data.mjs")
    ap.add_argument("out", help="JSON file to write")
    ap.add_argument("--repeats", type=int, default=3, help="fits to time (the median is reported)")
    args = ap.parse_args()

    raw, x, y, is_test = read_data(args.data)
    x_train, y_train = x[~is_test], y[~is_test]
    x_test, y_test = x[is_test], y[is_test]

    times = []
    clf = None
    for _ in range(max(1, args.repeats)):
        clf = HistGradientBoostingClassifier(**PARAMS)
        t0 = time.perf_counter()
        clf.fit(x_train, y_train)
        times.append(time.perf_counter() - t0)
    proba = clf.predict_proba(x_test)[:, 1]
    result = {
        "dataset": {
            "generator": "bench/reference/gbm-data.mjs",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "nRows": int(x.shape[0]),
            "nCols": int(x.shape[1]),
            "nTrain": int(x_train.shape[0]),
            "nTest": int(x_test.shape[0]),
        },
        "params": PARAMS,
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "python": platform.python_version(),
        "ompNumThreads": os.environ.get("OMP_NUM_THREADS"),
        "nIter": int(clf.n_iter_),
        "testAccuracy": float(accuracy_score(y_test, (proba > 0.5).astype(np.int64))),
        "testLogLoss": float(log_loss(y_test, proba)),
        "fitSeconds": statistics.median(times),
        "fitSecondsAll": times,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps({k: result[k] for k in ("testAccuracy", "testLogLoss", "fitSeconds", "sklearnVersion")}))


if __name__ == "__main__":
    main()
