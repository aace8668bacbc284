"""Seconds per epoch of the seed recipe (784-16-16-10, sigmoid, MSE, SGD, batch 10) on one core.

Run:  python benchmarks/epoch_time.py [--epochs 5] [--batch-size 10]

It limits BLAS to one thread and the process to one core before NumPy loads. Shared
machines drift in speed, so each epoch of digitnet's ``train`` is timed right after an
epoch of a plain, hand-inlined NumPy loop doing the same arithmetic (the reference a
reader can check by eye); it prints both and their ratio. Evaluation is timed apart.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits above)

from digitnet import Network, fast  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402
from digitnet.optimizers import SGD  # noqa: E402
from digitnet.training import evaluate, train  # noqa: E402


def plain_numpy_epoch(weights, biases, X, Y, batch_size, lr, rng):
    """The reference: one epoch of SGD for sigmoid + MSE, every step written out inline."""
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    np.seterr(over="ignore")  # exp(-z) overflows to inf for very negative z; 1/(1+inf) is the right 0
    order = rng.permutation(len(X))
    w0, w1, w2 = weights
    b0, b1, b2 = biases
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        a0, y = X[batch], Y[batch]
        a1 = sigmoid(a0 @ w0 + b0)
        a2 = sigmoid(a1 @ w1 + b1)
        a3 = sigmoid(a2 @ w2 + b2)
        d3 = (2.0 / len(a0)) * (a3 - y) * a3 * (1 - a3)
        d2 = (d3 @ w2.T) * a2 * (1 - a2)
        d1 = (d2 @ w1.T) * a1 * (1 - a1)
        w2 -= lr * (a2.T @ d3)
        b2 -= lr * d3.sum(axis=0)
        w1 -= lr * (a1.T @ d2)
        b1 -= lr * d2.sum(axis=0)
        w0 -= lr * (a0.T @ d1)
        b0 -= lr * d1.sum(axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core
    train_set, test_set = load_mnist()
    network, reference = Network(seed=0), Network(seed=0)
    fast.warm_up(network, training=True)  # one epoch at a time is too short for train() to load the fast path itself
    reference_weights = [w.copy() for w in reference.weights]
    reference_biases = [b.copy() for b in reference.biases]
    Y = train_set.Y
    print(f"seed recipe, batch {args.batch_size}, {len(train_set)} examples, one core, numpy {np.__version__}")
    ours, plain = [], []
    rng = np.random.default_rng(0)
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        plain_numpy_epoch(reference_weights, reference_biases, train_set.X, Y, args.batch_size, 1.5, rng)
        plain.append(time.perf_counter() - started)
        history = train(network, train_set, optimizer=SGD(1.5), epochs=1,
                        batch_size=args.batch_size, rng=rng)
        ours.append(history.last.seconds)
        print(f"epoch {epoch}: digitnet {ours[-1]:.3f} s, plain NumPy loop {plain[-1]:.3f} s")
    started = time.perf_counter()
    evaluate(network, test_set)
    evaluation = time.perf_counter() - started
    print(f"median: digitnet {statistics.median(ours):.3f} s per epoch (min {min(ours):.3f}), "
          f"plain NumPy loop {statistics.median(plain):.3f} s, "
          f"ratio {statistics.median(o / p for o, p in zip(ours, plain)):.2f}")
    print(f"evaluating the 10,000 test digits after an epoch: {evaluation:.3f} s")


if __name__ == "__main__":
    main()
