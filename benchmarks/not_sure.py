"""How many MNIST test digits and drawn non-digits the page's "not sure" rule flags (``digitnet.verdicts``).

Run:  python benchmarks/not_sure.py --model PATH [--n 40] [--seed 0]

The non-digits are drawn the way a person draws on the page: black strokes of a 12 to 30 px pen
on a white 280x280 canvas, shrunk to 140x140 (as the page sends it) and prepared the MNIST way
(``prepare_image``, as /api/predict does): an X, a dot (one tap), a dash, a plus, scribbles and
twelve capital letters, each ``--n`` times with seeded jitter. The MNIST test digits are read as
the network reads them. It prints, for each kind, how many the rule flags and how many of those
each part of the rule flags; for MNIST also how many flagged answers were misread.
"""

import argparse

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitnet import load, verdicts
from digitnet.data.image import prepare_image
from digitnet.data.mnist import load_mnist

CANVAS, SEND = 280, 140
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LETTERS = "AEFHKMNPRWXY"

def canvas_row(draw_on, rng):
    """The (784,) input /api/predict makes of what ``draw_on(pen, width, rng)`` draws on the page's canvas."""
    image = Image.new("L", (CANVAS, CANVAS), 255)
    pen = ImageDraw.Draw(image)
    width = int(rng.integers(12, 31))
    draw_on(pen, width, rng)
    small = image.resize((SEND, SEND), Image.BOX)
    ink = 1.0 - np.asarray(small, dtype=np.float32) / 255
    return prepare_image(ink)

def line(pen, points, width):
    """A round-capped pen stroke through ``points``, as the page draws one."""
    pen.line(points, fill=0, width=width, joint="curve")
    for x, y in (points[0], points[-1]):
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=0)

def jitter(rng, spread=20):
    """A point moved by up to ``spread`` px each way: no two drawings alike."""
    return lambda x, y: (x + rng.uniform(-spread, spread), y + rng.uniform(-spread, spread))

def cross(pen, width, rng):
    j = jitter(rng)
    line(pen, [j(70, 70), j(210, 210)], width)
    line(pen, [j(210, 70), j(70, 210)], width)

def dot(pen, width, rng):
    x, y = rng.uniform(60, 220, 2)
    line(pen, [(x, y), (x + 0.5, y)], width)

def dash(pen, width, rng):
    j = jitter(rng, 15)
    line(pen, [j(60, 140), j(220, 140)], width)

def plus(pen, width, rng):
    j = jitter(rng, 12)
    line(pen, [j(60, 140), j(220, 140)], width)
    line(pen, [j(140, 60), j(140, 220)], width)

def scribble(pen, width, rng):
    n = int(rng.integers(6, 14))
    points = [tuple(p) for p in rng.uniform(40, 240, (n, 2))]
    line(pen, points, width)

def letter_drawer(letter):
    def draw(pen, width, rng):
        font = ImageFont.truetype(FONT, int(rng.integers(160, 230)))
        pen.text((140 + rng.uniform(-15, 15), 140 + rng.uniform(-15, 15)), letter, font=font, anchor="mm",
                 fill=0, stroke_width=max(0, width // 4 - 2), stroke_fill=0)
    return draw

SHAPES = {"X": cross, "dot": dot, "dash": dash, "plus": plus, "scribble": scribble,
          **{f"letter {c}": letter_drawer(c) for c in LETTERS}}


def report(name, outputs, X, labels=None):
    """One line: how many of these answers the rule flags, and by which of its parts."""
    m = verdicts.measures(outputs, X)
    parts = {"top": m["top"] < verdicts.TOP, "margin": m["margin"] < verdicts.MARGIN,
             "ink": (m["inked"] < verdicts.INK_LOW) | (m["inked"] > verdicts.INK_HIGH),
             "rows": m["rows"] < verdicts.ROWS_LOW}
    flagged = verdicts.flags(outputs, X)
    line = f"{name:12s} {flagged.sum():5d} of {len(flagged):5d} flagged ({100 * flagged.mean():5.1f}%)"
    line += "  by " + ", ".join(f"{part} {hit.sum()}" for part, hit in parts.items())
    if labels is not None:
        wrong = outputs.argmax(axis=1) != labels
        line += (f"; misread {wrong.sum()}, of them flagged {(wrong & flagged).sum()};"
                 f" accuracy on the sure ones {100 * (~wrong[~flagged]).mean():.2f}%")
    print(line)
    return flagged


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a saved model, as digitnet serve --model takes")
    parser.add_argument("--n", type=int, default=40, help="drawings of each kind of non-digit")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    network = load(args.model)
    (test,) = load_mnist(parts=("test",))
    print(verdicts.RULE)
    report("MNIST test", network.feedforward(test.X), test.X, test.labels)
    rng = np.random.default_rng(args.seed)
    total, caught = 0, 0
    for name, draw in SHAPES.items():
        X = np.array([canvas_row(draw, rng) for _ in range(args.n)])
        flagged = report(name, network.feedforward(X), X)
        total, caught = total + len(X), caught + flagged.sum()
    print(f"{'non-digits':12s} {caught:5d} of {total:5d} flagged ({100 * caught / total:5.1f}%)")


if __name__ == "__main__":
    main()
