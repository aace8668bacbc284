"""Seconds an epoch of the robust rungs' distortions on MNIST's 60,000 training images, on one core.

Run:  python benchmarks/distort.py [--epochs 5] [--chunk 256]

Prints the median and fastest of ``--epochs`` calls of ``RandomDistortion`` (the robust rungs'
``DISTORTIONS``, shifts of up to a pixel as ``robust`` has them), each part on its own over the
same images (thickening, the elastic field, the resampling), and ``RandomShift`` beside it, the
one augmentation the other rungs pay for.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits above)

from digitnet.data import distort  # noqa: E402
from digitnet.data.augment import RandomShift  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402
from digitnet.recipes import DISTORTIONS  # noqa: E402


def timed(function, repeats):
    """(median, fastest) seconds of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=distort.CHUNK, help="images resampled at a time")
    args = parser.parse_args()
    distort.CHUNK = args.chunk
    X = np.asarray(load_mnist()[0].X, dtype=np.float32)
    n, side = len(X), 28
    rng = np.random.default_rng(0)
    whole = distort.RandomDistortion(X, DISTORTIONS, max_shift=1)
    whole(rng)  # the first call touches the output array's pages
    shift = RandomShift(X, 1)
    shift(rng)
    # the parts, a chunk at a time as RandomDistortion takes them
    chunks = [X[start:start + args.chunk].reshape(-1, side, side) for start in range(0, n, args.chunk)]
    nodes = distort.elastic_nodes(side, DISTORTIONS.sigma)
    noise = [rng.standard_normal((len(c), 2, nodes[0].shape[1], nodes[1].shape[1]), dtype=np.float32) for c in chunks]
    amounts = [rng.uniform(-0.5, 0.5, len(c)) for c in chunks]
    inverse = [distort.inverse_matrices(rng.uniform(-0.26, 0.26, len(c)), rng.uniform(0.85, 1.15, (len(c), 2)))
               for c in chunks]
    fields = [distort.elastic_field(z, nodes) for z in noise]
    rows = [
        ("RandomDistortion, all of it", lambda: whole(rng)),
        ("  thickening and thinning", lambda: [distort.thicken(c, t) for c, t in zip(chunks, amounts)]),
        ("  elastic field", lambda: [distort.elastic_field(z, nodes) for z in noise]),
        ("  resampling", lambda: [distort.warp(c, m, f) for c, m, f in zip(chunks, inverse, fields)]),
        ("RandomShift (up to 1 px)", lambda: shift(rng)),
    ]
    print(f"{n:,} images of {side}x{side}, chunks of {args.chunk}, {args.epochs} epochs, one core")
    print("| what | median s | fastest s |")
    print("| --- | --- | --- |")
    for name, function in rows:
        median, fastest = timed(function, args.epochs)
        print(f"| {name} | {median:.2f} | {fastest:.2f} |")


if __name__ == "__main__":
    main()
