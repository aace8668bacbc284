"""The robust rungs against their plain rungs: MNIST test accuracy, accuracy on digits not from MNIST, their ratio.

Run:  python benchmarks/robust.py [--half final] [--seeds 0,1,2] [--pairs robust,robust-wide] [--models DIR]
                                  [--jobs 1]

Trains ``modern``, ``robust``, ``wide`` and ``robust-wide`` as `digitnet train --recipe R --seed S`
does (one process each, ``--jobs`` at a time, one BLAS thread each), or loads them from ``--models``
if they are there already (``--models`` keeps them for next time). Each is scored on MNIST's 10,000
test images and on one half of ``own-digits/`` (``--half``: ``tuning`` to choose by, ``final`` to
report; see own-digits/README.md), each PNG prepared as ``digitnet predict`` prepares it. Prints a
table with the accuracy on each source of the half, and the bars of issue 17: the robust
784-16-16-10 network at least 0.90x its MNIST accuracy on the half, the robust wide one 0.95x, each
losing at most 0.3 points of MNIST test accuracy against its plain rung. With several ``--seeds``,
each rung is trained once a seed, and the bars are judged on the means over the seeds (each seed's
MNIST difference is printed beside); ``--pairs`` measures only some of the robust rungs.
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
    parser.add_argument("--seeds", "--seed", default="0", help="one seed or several: 0,1,2")
    parser.add_argument("--pairs", default=",".join(pair[1] for pair in PAIRS),
                        help="the robust rungs to measure against their plain rungs: robust,robust-wide")
    parser.add_argument("--models", help="a folder to keep the trained models in (and load them from)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    pairs = [pair for pair in PAIRS if pair[1] in args.pairs.split(",")]
    if not pairs:
        sys.exit(f"--pairs names none of: {', '.join(pair[1] for pair in PAIRS)}")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # one core per training
    names = [name for pair in pairs for name in pair[:2]]
    runs = [(name, seed) for seed in seeds for name in names]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.models or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        missing = [run for run in runs if not model_path(folder, *run).is_file()]
        with ThreadPoolExecutor(args.jobs) as pool:
            seconds = dict(zip(missing, pool.map(lambda run: train_once(*run, folder)["seconds"], missing)))
        networks = {run: storage.load(model_path(folder, *run)) for run in runs}
    test_set = load_mnist()[1]
    X, labels, sources = own_digits(args.half)
    kinds = sorted(set(sources))
    results = {}
    for run, network in networks.items():
        right = network.predict(X) == labels
        results[run] = (network.score(test_set.X, test_set.labels), right.mean(),
                        {kind: right[sources == kind].mean() for kind in kinds})
    print(f"seeds {args.seeds}; own-digits/{args.half}: {len(labels)} digits ({', '.join(kinds)})")
    print(f"| recipe | seed | MNIST test | own-digits/{args.half} | ratio | " + " | ".join(kinds) + " | seconds |")
    print("| --- " * (6 + len(kinds)) + "|")
    for name, seed in runs:
        mnist, own, per_kind = results[name, seed]
        trained = f"{seconds[name, seed]:.0f}" if (name, seed) in seconds else "loaded"
        print(f"| `{name}` | {seed} | {mnist:.2%} | {own:.2%} | {own / mnist:.3f} | "
              + " | ".join(f"{per_kind[kind]:.0%}" for kind in kinds) + f" | {trained} |")
    if len(seeds) > 1:
        print(f"\nmean (spread: lowest to highest) over seeds {args.seeds}")
        print(f"| recipe | MNIST test | own-digits/{args.half} | ratio |")
        print("| --- " * 4 + "|")
        for name in names:
            columns = [[results[name, seed][0] for seed in seeds], [results[name, seed][1] for seed in seeds],
                       [results[name, seed][1] / results[name, seed][0] for seed in seeds]]
            shown = [f"{np.mean(column):.2%} ({min(column):.2%} to {max(column):.2%})" for column in columns[:2]]
            ratio = columns[2]
            print(f"| `{name}` | " + " | ".join(shown)
                  + f" | {np.mean(ratio):.3f} ({min(ratio):.3f} to {max(ratio):.3f}) |")
    for plain, robust, bar in pairs:
        mnist = np.mean([results[robust, seed][0] for seed in seeds])
        ratio = np.mean([results[robust, seed][1] / results[robust, seed][0] for seed in seeds])
        losses = [results[plain, seed][0] - results[robust, seed][0] for seed in seeds]
        loss = np.mean(losses)
        each = f" (seed by seed: {', '.join(f'{-value * 100:+.2f}' for value in losses)})" if len(seeds) > 1 else ""
        print(f"{robust}{' mean' if len(seeds) > 1 else ''}: ratio {ratio:.3f} "
              f"(bar {bar:.2f}: {'holds' if ratio >= bar else 'FAILS'}); "
              f"MNIST test {-loss * 100:+.2f} points against {plain}{each} (bar: at most {MNIST_LOSS * 100:.1f} lost: "
              f"{'holds' if loss <= MNIST_LOSS else 'FAILS'}); MNIST test {mnist:.2%}")


if __name__ == "__main__":
    main()
