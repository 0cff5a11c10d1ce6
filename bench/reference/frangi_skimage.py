#!/usr/bin/env python3
"""Reference Frangi vesselness from scikit-image, for cross-checking src-main/core/analysis/frangi.ts.

Usage:
  frangi_skimage.py IN.bin OUT.bin WIDTH HEIGHT PARAMS_JSON
  frangi_skimage.py --batch JOBS.json

IN.bin holds HEIGHT*WIDTH little-endian float32 values, row-major; OUT.bin receives the filter output in
the same layout. PARAMS_JSON keys: sigmas (list), alpha, beta, gamma (number, or null for the installed
scikit-image's default), black_ridges (bool), repeat (optional: run this many times and report the mean
time). JOBS.json is a list of {"in", "out", "width", "height", "params"} objects, run in one process
because importing scikit-image takes seconds.

Prints one JSON line per job: {"skimage": version, "seconds": mean wall time of one frangi call,
"cpu_seconds": mean CPU time of this process for one call}.
"""
import json
import sys
import time

import numpy as np
import skimage
from skimage.filters import frangi


def run_job(in_path, out_path, width, height, params):
    width, height = int(width), int(height)
    image = np.fromfile(in_path, dtype='<f4')
    if image.size != width * height:
        sys.exit(f'{in_path}: {image.size} values, expected {width}x{height}')
    image = image.reshape(height, width)

    kwargs = {
        'sigmas': params['sigmas'],
        'alpha': params['alpha'],
        'beta': params['beta'],
        'black_ridges': params['black_ridges'],
        'mode': 'reflect',
    }
    if params.get('gamma') is not None:
        kwargs['gamma'] = params['gamma']

    repeat = max(1, int(params.get('repeat', 1)))
    start = time.perf_counter()
    start_cpu = time.process_time()
    for _ in range(repeat):
        out = frangi(image, **kwargs)
    seconds = (time.perf_counter() - start) / repeat
    cpu_seconds = (time.process_time() - start_cpu) / repeat

    out.astype('<f4').tofile(out_path)
    return {'skimage': skimage.__version__, 'seconds': seconds, 'cpu_seconds': cpu_seconds}


def main(argv):
    if len(argv) == 3 and argv[1] == '--batch':
        with open(argv[2], encoding='utf-8') as f:
            jobs = json.load(f)
        for job in jobs:
            result = run_job(job['in'], job['out'], job['width'], job['height'], job['params'])
            print(json.dumps(result), flush=True)
    elif len(argv) == 6:
        in_path, out_path, width, height, params_json = argv[1:]
        print(json.dumps(run_job(in_path, out_path, width, height, json.loads(params_json))))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
