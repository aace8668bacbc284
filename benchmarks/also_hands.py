"""What ``digitnet train --also`` does for one hand: 50 kept digits of one handwriting font, the hand's
other digits, and MNIST test.

Run:  python benchmarks/also_hands.py [--worst 4 | --fonts NAME ...] [--seeds 0 1] [--per-digit 5]
                                      [--measure 20] [--weights 0.03] [--hold-outs 0.3] [--vary distort]
                                      [--work /tmp/digitnet-also-hands] [--cache /tmp/digitnet-fonts]

A "person" is one handwriting font of own-digits' tuning half (each font is one real person's
hand; the final half's fonts are never rendered or read). Its digits are drawn with
``make_own_digits.font_digit`` (random size, rotation, place, sometimes thickened, on the page's
canvas): ``--per-digit`` of each digit (50) are the kept digits, written into a folder per digit;
``--measure`` of each digit (200), drawn apart with their own random numbers, are more of the same
hand, never trained on.

For each seed the seed recipe is trained on MNIST alone once (kept in --work and reused by later
runs). Every tuning font is read by those models, and the worst-read ones (``--worst``, or the ones
named with ``--fonts``) are taught: the same recipe and seed with ``--also`` the kept folder, into a
model at an --out that holds the plain one (so the closing report's ``before`` is it), through the
command line itself. It prints, per font, seed and setting: MNIST test before -> after, the held-out
share of the 50 (the --also split) before -> after, and the hand's 200 before -> after; then the
means per setting.

What a user might turn: ``--weights`` (the copies' share of the training set, ``data.mixing.WEIGHT``),
``--hold-outs`` (``--hold-out``), ``--vary``: how each copy is varied (distort: ``data.mixing.varied``,
the default; shift: only moved by up to 2 pixels; none: exact copies).

Measured (seeds 0 1 2, the 4 worst-read tuning fonts: gochi-hand, caveat, because-we-build,
caveat-brush; defaults 0.03, 0.3, distort): MNIST test +0.04 points on average, worst -0.26; the
held-out 20 of the 50 82.5% -> 94.2%; the hand's 200 81.9% -> 92.4% (+1.5 to +14.5 per font and seed).
Seeds 0 1 only: weight 0.06 lifts the hand's 200 to 96.8% at -0.15 points of MNIST (worst -0.45);
--vary shift to 96.9% at -0.08 (worst -0.26). A font is a hand that writes each digit the same way,
so exact-looking copies suit it better than they would a person: the defaults were left as they are.
"""

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import make_own_digits as own  # noqa: E402  (the fonts and how they are drawn: not copied here)

from digitnet import load  # noqa: E402
from digitnet.cli import main  # noqa: E402
from digitnet.data import mixing  # noqa: E402
from digitnet.data.augment import RandomShift  # noqa: E402
from digitnet.data.folder import read_labelled_folder  # noqa: E402

README = Path(__file__).parents[1] / "own-digits" / "README.md"
VARY = {"distort": mixing.varied, "shift": lambda X, rng: RandomShift(X, 2)(rng).copy(), "none": lambda X, rng: X}


def tuning_fonts():
    """The fonts of own-digits' tuning half, as its README (written by make_own_digits.py) lists them."""
    match = re.search(r"^- tuning: (.+)$", README.read_text(), re.M)
    names = match.group(1).split(", ")
    known = set(own.FONTS) | set(own.DEBIAN_FONTS)
    if not names or not set(names) <= known:
        sys.exit(f"{README}'s tuning fonts {names} are not make_own_digits.py's fonts")
    return names


def draw_hand(font_bytes, name, per_digit, folder, stream):
    """``per_digit`` digits of each digit in the font, drawn as make_own_digits draws them, into folder/<digit>/."""
    rng = np.random.default_rng([17, zlib.crc32(name.encode()), stream])
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for i in range(per_digit):
            own.font_digit(digit, font_bytes, rng).save(folder / str(digit) / f"{name}-{i:02d}.png")


def train(argv):
    """Run ``digitnet train ARGV --json``; the final JSON object."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["train", "--json", *argv])
    if code != 0:
        sys.exit(f"digitnet train {' '.join(argv)} exited {code}")
    return json.loads(out.getvalue().strip().splitlines()[-1])


def accuracy(model, images):
    return float((load(model).predict(images.X) == images.labels).mean())


def main_():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fonts", nargs="+", help="tuning fonts to teach (default: the --worst read)")
    parser.add_argument("--worst", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--per-digit", type=int, default=5)
    parser.add_argument("--measure", type=int, default=20, help="the hand's digits of each digit never trained on")
    parser.add_argument("--weights", type=float, nargs="+", default=[mixing.WEIGHT])
    parser.add_argument("--hold-outs", type=float, nargs="+", default=[mixing.HOLD_OUT])
    parser.add_argument("--vary", nargs="+", choices=sorted(VARY), default=["distort"])
    parser.add_argument("--epochs", type=int, help="fewer than the seed recipe's, for a quick look")
    parser.add_argument("--work", type=Path, default=Path("/tmp/digitnet-also-hands"),
                        help="where the plain seed models are kept between runs")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/digitnet-fonts"), help="make_own_digits' --cache")
    args = parser.parse_args()
    names = tuning_fonts()
    if args.fonts and not set(args.fonts) <= set(names):
        sys.exit(f"--fonts: only the tuning half's fonts ({', '.join(names)})")
    epochs = ["--epochs", str(args.epochs)] if args.epochs else []
    args.work.mkdir(parents=True, exist_ok=True)
    fonts = own.fetch_fonts(args.cache)
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        os.environ["DIGITNET_HOME"] = str(root / "home")  # the last-model pointer goes there, not to yours
        befores = {}
        for seed in args.seeds:
            befores[seed] = args.work / f"seed-{seed}{'-e' + str(args.epochs) if args.epochs else ''}.npz"
            if not befores[seed].is_file():
                train(["--seed", str(seed), "--out", str(befores[seed]), *epochs])
        kept, hand, read = {}, {}, {}
        for name in names:
            kept[name], measure = root / "kept" / name, root / "measure" / name
            draw_hand(fonts[name], name, args.per_digit, kept[name], 0)
            draw_hand(fonts[name], name, args.measure, measure, 1)
            hand[name] = read_labelled_folder(measure)
            read[name] = [accuracy(befores[seed], hand[name]) for seed in args.seeds]
        print(f"The plain seed model (seeds {args.seeds}) on each tuning font's {10 * args.measure} digits:")
        for name in sorted(names, key=lambda n: np.mean(read[n])):
            print(f"  {name:22s} {np.mean(read[name]):6.1%}  ({', '.join(f'{a:.1%}' for a in read[name])})")
        chosen = args.fonts or sorted(names, key=lambda n: np.mean(read[n]))[:args.worst]
        print(f"\nfont                   seed  weight hold  vary     MNIST test before -> after        "
              f"held-out of the 50        the hand's {10 * args.measure}", flush=True)
        rows = []
        for name in chosen:
            for seed in args.seeds:
                for weight in args.weights:
                    for share in args.hold_outs:
                        for vary in args.vary:
                            after = root / "after.npz"
                            shutil.copy(befores[seed], after)
                            mixing.WEIGHT, mixing.varied = weight, VARY[vary]
                            try:
                                also = train(["--seed", str(seed), "--out", str(after), "--also", str(kept[name]),
                                              "--hold-out", str(share), *epochs])["also"]
                            finally:
                                mixing.varied = VARY["distort"]
                            was = also["before"]
                            hand_after = accuracy(after, hand[name])
                            row = (was["test_accuracy"], also["test_accuracy"], was["held_out_accuracy"],
                                   also["held_out_accuracy"], read[name][args.seeds.index(seed)], hand_after)
                            rows.append(((weight, share, vary), row))
                            print(f"{name:22s} {seed:4}  {weight:6.3f} {share:4.2f}  {vary:7s}  "
                                  f"{row[0]:6.2%} -> {row[1]:6.2%} ({100 * (row[1] - row[0]):+.2f})   "
                                  f"{row[2]:6.1%} -> {row[3]:6.1%} of {also['held_out']:3}   "
                                  f"{row[4]:6.1%} -> {row[5]:6.1%} ({100 * (row[5] - row[4]):+.1f})", flush=True)
        print("\nMeans over fonts and seeds: weight hold vary: MNIST change (worst), held-out of the 50 "
              f"before -> after, the hand's {10 * args.measure} before -> after")
        for setting in dict.fromkeys(s for s, _ in rows):
            r = np.array([row for s, row in rows if s == setting])
            mnist = 100 * (r[:, 1] - r[:, 0])
            weight, share, vary = setting
            print(f"  {weight:.3f} {share:.2f} {vary:7s}  {mnist.mean():+.2f} ({mnist.min():+.2f}) points   "
                  f"{r[:, 2].mean():.1%} -> {r[:, 3].mean():.1%}   {r[:, 4].mean():.1%} -> {r[:, 5].mean():.1%}")


if __name__ == "__main__":
    main_()
