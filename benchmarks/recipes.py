"""Test accuracy of a recipe over several seeds, trained exactly as `digitnet train` does.

Run:  python benchmarks/recipes.py [--recipe seed|modern] [--seeds 0,1,2] [--jobs 2]

Each seed is one `digitnet train --recipe R --seed S --json` process (``--jobs`` at a
time) writing its model to a temporary folder; prints each run's accuracy and seconds,
then the median accuracy.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def train_once(recipe, seed, folder, extra=()):
    """The final JSON line of `digitnet train --recipe RECIPE --seed SEED --json [extra]`."""
    name = f"{recipe}-{seed}{'-'.join(['', *extra]).replace('--', '')}.npz"
    command = [sys.executable, "-m", "digitnet", "train", "--recipe", recipe, "--seed", str(seed),
               "--json", "--out", str(Path(folder) / name), *extra]
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, "DIGITNET_HOME": folder})
    return json.loads(result.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="seed")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(args.jobs) as pool:
        finals = list(pool.map(lambda seed: train_once(args.recipe, seed, folder), seeds))
    for seed, final in zip(seeds, finals):
        print(f"{args.recipe} recipe, seed {seed}: test accuracy {final['test_accuracy']:.2%} "
              f"after {final['epochs']} epochs in {final['seconds']:.1f} s")
    accuracies = [final["test_accuracy"] for final in finals]
    print(f"{args.recipe} recipe: median test accuracy {statistics.median(accuracies):.2%} over seeds {args.seeds}")


if __name__ == "__main__":
    main()
