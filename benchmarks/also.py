"""What ``digitnet train --also`` does for one person's 50 digits: their held-out digits, and MNIST test.

Run:  python benchmarks/also.py [--source strokes-pen] [--per-digit 5] [--seeds 0 1] [--weights 0.015]
                                [--epochs N]

One "person" is one source of ``own-digits/tuning`` (the pen strokes of one generator, say):
its first ``--per-digit`` images of each digit (50) are the kept digits, copied into a folder per
digit; the rest of that source's tuning images are more of the same hand, never trained on.
For each seed it trains the seed recipe on MNIST alone (before), then the same recipe and seed
with ``--also`` that folder into a model at the same --out (after; the closing report's
``before`` is the first model), through the command line itself. It prints MNIST test accuracy
and the held-out own digits' accuracy (the --also split, decided by each file's name: the second
of each digit and about 30% of the rest), before and after, and the accuracy on the rest of the
hand's images. ``--weights`` tries other shares of
the training set for the copies (``data.mixing.WEIGHT``). The final half (own-digits/final) is
never read.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from digitnet import load
from digitnet.cli import main
from digitnet.data import mixing
from digitnet.data.folder import read_images

TUNING = Path(__file__).parents[1] / "own-digits" / "tuning"


def person(source, per_digit, folder):
    """Copy the first ``per_digit`` images of ``source`` for each digit into ``folder``/<digit>/; return the
    listing (path, digit) of that source's other tuning images."""
    rest = []
    for digit in range(10):
        images = sorted((TUNING / str(digit)).glob(f"{source}-*.png"))
        (folder / str(digit)).mkdir(parents=True)
        for image in images[:per_digit]:
            shutil.copy(image, folder / str(digit) / image.name)
        rest += [(image, digit) for image in images[per_digit:]]
    return rest


def train(argv):
    """Run ``digitnet train ARGV --json``; the final JSON object."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["train", "--json", *argv])
    if code != 0:
        sys.exit(f"digitnet train {' '.join(argv)} exited {code}")
    return json.loads(out.getvalue().strip().splitlines()[-1])


def accuracy(model, images):
    if not len(images):
        return float("nan")
    return float((load(model).predict(images.X) == images.labels).mean())


def main_():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="strokes-pen")
    parser.add_argument("--per-digit", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--weights", type=float, nargs="+", default=[mixing.WEIGHT])
    parser.add_argument("--epochs", type=int, help="fewer than the seed recipe's, for a quick look")
    args = parser.parse_args()
    epochs = ["--epochs", str(args.epochs)] if args.epochs else []
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        os.environ["DIGITNET_HOME"] = str(root / "home")  # the last-model pointer goes there, not to yours
        folder = root / "person"
        rest = read_images(person(args.source, args.per_digit, folder), TUNING)
        print(f"{args.source}: {args.per_digit} per digit kept, {len(rest)} more of the same hand never trained on")
        print("seed  weight  copies  MNIST test before -> after   held-out own before -> after   "
              "rest of the hand before -> after")
        for seed in args.seeds:
            before = root / f"before-{seed}.npz"
            train(["--seed", str(seed), "--out", str(before), *epochs])
            for weight in args.weights:
                after = root / f"after-{seed}-{weight}.npz"
                shutil.copy(before, after)
                mixing.WEIGHT = weight
                also = train(["--seed", str(seed), "--out", str(after), "--also", str(folder), *epochs])["also"]
                was = also["before"]
                print(f"{seed:4}  {weight:6.3f}  {also['copies']:6}  {was['test_accuracy']:17.2%} -> "
                      f"{also['test_accuracy']:.2%} ({100 * (also['test_accuracy'] - was['test_accuracy']):+.2f})"
                      f"   {was['held_out_accuracy']:9.1%} -> {also['held_out_accuracy']:.1%} of {also['held_out']}"
                      f"   {accuracy(before, rest):12.1%} -> {accuracy(after, rest):.1%}", flush=True)


if __name__ == "__main__":
    main_()
