"""Seconds per epoch of the seed recipe (784-16-16-10, sigmoid, MSE, SGD, batch 10) on one core.

Run:  python benchmarks/epoch_time.py [--epochs 5] [--batch-size 10]
It limits BLAS to one thread before NumPy loads, and prints the time of each epoch's
training steps (the evaluation after an epoch is timed separately), then the median.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits above)

from digitnet import Network  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402
from digitnet.optimizers import SGD  # noqa: E402
from digitnet.training import evaluate, train  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    train_set, test_set = load_mnist()
    network = Network(seed=0)
    print(f"seed recipe, batch {args.batch_size}, {len(train_set)} examples, 1 core, numpy {np.__version__}")
    history = train(network, train_set, optimizer=SGD(1.5), epochs=args.epochs,
                    batch_size=args.batch_size, rng=np.random.default_rng(0))
    for result in history.epochs:
        print(f"epoch {result.epoch}: {result.seconds:.3f} s")
    started = time.perf_counter()
    evaluate(network, test_set)
    evaluation = time.perf_counter() - started
    seconds = [result.seconds for result in history.epochs]
    print(f"median {statistics.median(seconds):.3f} s per epoch (min {min(seconds):.3f}); "
          f"evaluating the 10,000 test digits takes {evaluation:.3f} s")


if __name__ == "__main__":
    main()
