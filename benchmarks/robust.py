"""The robust rungs against their plain rungs: MNIST test accuracy, accuracy on digits not from MNIST, their ratio.

Run:  python benchmarks/robust.py [--half final] [--seed 0] [--models DIR] [--jobs 1]

Trains ``modern``, ``robust``, ``wide`` and ``robust-wide`` as `digitnet train --recipe R --seed S`
does (one process each, ``--jobs`` at a time, one BLAS thread each), or loads them from ``--models``
if they are there already (``--models`` keeps them for next time). Each is scored on MNIST's 10,000
test images and on one half of ``own-digits/`` (``--half``: ``tuning`` to choose by, ``final`` to
report; see own-digits/README.md), each PNG prepared as ``digitnet predict`` prepares it. Prints a
table with the accuracy on each source of the half, and the bars of issue 17: the robust
784-16-16-10 network at least 0.90x its MNIST accuracy on the half, the robust wide one 0.95x, each
losing at most 0.3 points of MNIST test accuracy against its plain rung.
"""

import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipes import train_once  # noqa: E402

from digitnet import storage  # noqa: E402
from digitnet.data.image import prepare_image  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402

OWN_DIGITS = Path(__file__).resolve().parents[1] / "own-digits"
PAIRS = (("modern", "robust", 0.90), ("wide", "robust-wide", 0.95))  # plain rung, robust rung, ratio bar
MNIST_LOSS = 0.003  # at most 0.3 points of MNIST test accuracy lost against the plain rung


def own_digits(half):
    """(X (n, 784), labels (n,), sources (n,)) of own-digits/<half>/<digit>/<source>-<number>.png."""
    paths = sorted((OWN_DIGITS / half).glob("[0-9]/*.png"))
    if not paths:
        sys.exit(f"no PNGs in {OWN_DIGITS / half}; make them with benchmarks/make_own_digits.py")
    X = np.array([prepare_image(path) for path in paths], dtype=np.float32)
    labels = np.array([int(path.parent.name) for path in paths])
    sources = np.array([path.stem.rsplit("-", 1)[0] for path in paths])
    return X, labels, sources


def model_path(folder, recipe, seed):
    return Path(folder) / f"{recipe}-{seed}.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tuning", "final"], default="final")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", help="a folder to keep the trained models in (and load them from)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # one core per training
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.models or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        names = [name for pair in PAIRS for name in pair[:2]]
        missing = [name for name in names if not model_path(folder, name, args.seed).is_file()]
        with ThreadPoolExecutor(args.jobs) as pool:
            seconds = dict(zip(missing, pool.map(lambda name: train_once(name, args.seed, folder)["seconds"],
                                                 missing)))
        networks = {name: storage.load(model_path(folder, name, args.seed)) for name in names}
    test_set = load_mnist()[1]
    X, labels, sources = own_digits(args.half)
    kinds = sorted(set(sources))
    results = {}
    for name, network in networks.items():
        right = network.predict(X) == labels
        results[name] = (network.score(test_set.X, test_set.labels), right.mean(),
                         {kind: right[sources == kind].mean() for kind in kinds})
    print(f"seed {args.seed}; own-digits/{args.half}: {len(labels)} digits ({', '.join(kinds)})")
    print(f"| recipe | MNIST test | own-digits/{args.half} | ratio | " + " | ".join(kinds) + " | seconds |")
    print("| --- " * (5 + len(kinds)) + "|")
    for name in names:
        mnist, own, per_kind = results[name]
        trained = f"{seconds[name]:.0f}" if name in seconds else "loaded"
        print(f"| `{name}` | {mnist:.2%} | {own:.2%} | {own / mnist:.3f} | "
              + " | ".join(f"{per_kind[kind]:.0%}" for kind in kinds) + f" | {trained} |")
    for plain, robust, bar in PAIRS:
        (plain_mnist, _, _), (mnist, own, _) = results[plain], results[robust]
        ratio, loss = own / mnist, plain_mnist - mnist
        print(f"{robust}: ratio {ratio:.3f} (bar {bar:.2f}: {'holds' if ratio >= bar else 'FAILS'}); "
              f"MNIST test {loss * 100:+.2f} points lost against {plain} (bar {MNIST_LOSS * 100:.1f}: "
              f"{'holds' if loss <= MNIST_LOSS else 'FAILS'})")


if __name__ == "__main__":
    main()
