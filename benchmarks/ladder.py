"""The recipe ladder, rung by rung: validation and test accuracy, and seconds, as the README shows them.

Run:  python benchmarks/ladder.py [--recipes slides,seed,...] [--seeds 0] [--jobs 2]

Each rung is trained twice by `digitnet train` (one process each, ``--jobs`` at a time, one
BLAS thread each): once with the last 10,000 training images held out (``--validation
10000``: the accuracy the settings were chosen by), and once as the recipe ships, on all
60,000, for the test accuracy and the seconds. With several seeds it prints the medians.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipes import train_once  # noqa: E402

from digitnet.recipes import LADDER  # noqa: E402

CHANGES = {  # what each rung adds to the one before it
    "slides": "the slides' network: N(0, 1) start, constant rate, sigmoid, MSE, SGD",
    "seed": "+ 1/sqrt(fan_in) start, cosine schedule, L2, 150 epochs",
    "softmax": "+ softmax output and cross-entropy",
    "relu": "+ ReLU hidden neurons",
    "modern": "+ Adam with a 2-epoch warm-up, images shifted by up to 1 pixel",
    "wide": "+ wider layers, 784-256-128-10 (batch 128, 20 epochs, no L2, no shifts, Adam 0.002, no warm-up)",
    "dropout": "+ dropout 0.2",
    "best": "+ shifts of up to 1 pixel, 60 epochs",
    "robust": "modern + 30% of the images distorted each epoch (rotated, scaled, thicker or thinner, elastic), L2 0.1",
    "robust-wide": "wide + half of the images distorted each epoch",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=",".join(recipe.name for recipe in LADDER))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    names, seeds = args.recipes.split(","), [int(seed) for seed in args.seeds.split(",")]
    runs = [(name, seed, extra) for name in names for seed in seeds for extra in ([], ["--validation", "10000"])]
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # one core per run, --jobs runs side by side
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(args.jobs) as pool:
        try:
            finals = list(pool.map(lambda run: train_once(run[0], run[1], folder, run[2]), runs))
        except subprocess.CalledProcessError as error:
            sys.exit(f"a training failed: {' '.join(error.cmd)}\n{error.stderr}")
    results = {(name, seed, bool(extra)): final for (name, seed, extra), final in zip(runs, finals)}
    print("| recipe | what it adds | parameters | validation accuracy | test accuracy | seconds (one core) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in names:
        median = lambda key, held_out, name=name: statistics.median(  # noqa: E731
            results[name, seed, held_out][key] for seed in seeds)
        parameters = results[name, seeds[0], False]["parameters"]
        print(f"| `{name}` | {CHANGES.get(name, '')} | {parameters:,} | {median('validation_accuracy', True):.2%} "
              f"| {median('test_accuracy', False):.2%} | {median('seconds', False):.0f} |")
    print(f"(medians over seeds {args.seeds}; validation: trained on the first 50,000 training images, "
          f"tested on the last 10,000; test: trained on all 60,000, tested on the 10,000 test images)")


if __name__ == "__main__":
    main()
