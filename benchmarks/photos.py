"""How well ``prepare_image`` turns photos of digits on paper back into MNIST inputs.

Run:  python benchmarks/photos.py [--model PATH] [--n 500] [--seed 0] [--keep DIR]

It makes synthetic "photos" from MNIST test digits (seeded): each digit is upscaled 4-12x with
smoothing (two in five eroded to a fine pen line) and put off-centre on a larger canvas
(300-1200 px, random aspect) of tinted paper, inked in dark blue, black or pencil gray with
random contrast, lit by a gradient, a vignette and sometimes a soft shadow, with Gaussian
noise and a few specks of dirt; about one in six is chalk on a dark board. Each is saved as
JPEG (quality 60-90) or PNG, read back with ``prepare_image(path)`` and compared with the
original 28x28 digit.

It prints the seconds per image for preparation, the mean correlation between each prepared
photo and its original digit, and, with ``--model``, the accuracy on the original digits and
on the photos of the same digits. Without a model it says so and exits with status 2 after
the preparation figures.
"""

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from digitnet.data.image import ImageError, prepare_image

MNIST_TEST_IMAGES = Path(__file__).resolve().parents[1] / "src/digitnet/data/mnist/t10k-images-idx3-ubyte.gz"
MNIST_TEST_LABELS = MNIST_TEST_IMAGES.with_name("t10k-labels-idx1-ubyte.gz")
INKS = {"blue pen": (25, 35, 110), "black pen": (20, 20, 25), "pencil": (85, 85, 90)}


def read_mnist_test(n):
    """The first ``n`` MNIST test digits (n, 28, 28) uint8 and their labels (n,)."""
    images = np.frombuffer(gzip.decompress(MNIST_TEST_IMAGES.read_bytes()), np.uint8, offset=16)
    labels = np.frombuffer(gzip.decompress(MNIST_TEST_LABELS.read_bytes()), np.uint8, offset=8)
    return images.reshape(-1, 28, 28)[:n], labels[:n]


def ink_layer(digit, scale, thin=False):
    """A 28x28 uint8 digit upscaled ``scale`` times and smoothed: ink coverage 0..1, (28s, 28s).

    ``thin`` erodes the strokes by about one MNIST pixel, like a fine pen on a large sheet.
    """
    side = round(28 * scale)
    big = Image.fromarray(digit).resize((side, side), Image.BICUBIC)
    if thin:
        big = big.filter(ImageFilter.MinFilter(int(scale) // 2 * 2 + 1))
    big = big.filter(ImageFilter.GaussianBlur(scale / 3))
    return np.clip(np.asarray(big, np.float32) / 255 * 1.2, 0, 1)


def lighting(height, width, rng):
    """A multiplicative lighting field (height, width, 1): a linear gradient times a vignette,
    sometimes with the soft-edged shadow of a hand or phone across part of the page."""
    y, x = np.mgrid[-1 : 1 : height * 1j, -1 : 1 : width * 1j]
    angle = rng.uniform(0, 2 * np.pi)
    along = x * np.cos(angle) + y * np.sin(angle)
    light = 1 + rng.uniform(0, 0.2) * along
    centre = rng.uniform(-0.4, 0.4, 2)
    light *= 1 - rng.uniform(0, 0.3) * ((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / 2
    if rng.random() < 0.3:
        edge, softness = rng.uniform(0.3, 0.9), rng.uniform(0.05, 0.3)
        light *= 1 - rng.uniform(0.15, 0.35) / (1 + np.exp(-(along - edge) / softness))
    return light[..., None]


def synthetic_photo(digit, rng):
    """A photo-like RGB image (H, W, 3) uint8 of an MNIST digit (28, 28) uint8, and its kind."""
    scale = rng.uniform(4, 12)
    chalk, thin = rng.random() < 1 / 6, rng.random() < 0.4
    ink = ink_layer(digit, scale, thin and not chalk)
    side = int(np.clip(ink.shape[0] * rng.uniform(1.3, 3.0), 300, 1200))
    height, width = max(side, ink.shape[0] + 20), max(int(side * rng.uniform(0.7, 1.4)), ink.shape[1] + 20)
    coverage = np.zeros((height, width), np.float32)
    top, left = rng.integers(0, height - ink.shape[0]), rng.integers(0, width - ink.shape[1])
    coverage[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    for _ in range(rng.integers(0, 5)):  # specks of dirt
        cy, cx, r = rng.integers(0, height), rng.integers(0, width), rng.uniform(1, 4)
        y, x = np.ogrid[:height, :width]
        coverage = np.maximum(coverage, ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) * rng.uniform(0.3, 0.9))
    if chalk:
        kind, paper, ink_colour = "chalk", np.array([45, 60, 50]) + rng.normal(0, 8, 3), np.array([225, 225, 215])
    else:
        pen = str(rng.choice(list(INKS)))
        kind = f"thin {pen}" if thin else pen
        paper, ink_colour = np.array([235, 228, 210]) + rng.normal(0, 8, 3), np.array(INKS[pen])
    contrast = rng.uniform(0.5, 1.0)
    ink_colour = paper + contrast * (ink_colour - paper)
    coverage = coverage[..., None]
    photo = (paper * (1 - coverage) + ink_colour * coverage) * lighting(height, width, rng)
    photo += rng.normal(0, rng.uniform(2, 8), photo.shape)
    return np.clip(photo, 0, 255).astype(np.uint8), kind


def save_photo(photo, folder, index, rng):
    """Save a photo as JPEG (quality 60-90) or PNG in ``folder``; the path."""
    if rng.random() < 0.7:
        path = folder / f"digit{index:04d}.jpg"
        Image.fromarray(photo).save(path, quality=int(rng.integers(60, 91)))
    else:
        path = folder / f"digit{index:04d}.png"
        Image.fromarray(photo).save(path)
    return path


def correlation(a, b):
    """Pearson correlation of two images of the same size."""
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def prepare_or_blank(path, failures):
    """``prepare_image(path)``, or an empty input (and the error noted) when it finds no digit."""
    try:
        return prepare_image(path)
    except ImageError as error:
        failures.append(str(error))
        return np.zeros(784, np.float32)


def prepare_photos(digits, folder, rng):
    """Make, save and prepare a photo of each digit: (X (n, 784) float32, seconds, kinds, failures)."""
    paths, kinds, failures = [], [], []
    for index, digit in enumerate(digits):
        photo, kind = synthetic_photo(digit, rng)
        paths.append(save_photo(photo, folder, index, rng))
        kinds.append(kind)
    start = time.perf_counter()
    X = np.stack([prepare_or_blank(path, failures) for path in paths])
    return X, time.perf_counter() - start, kinds, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a model made by `digitnet train`")
    parser.add_argument("--n", type=int, default=500, help="number of MNIST test digits (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the photos in this folder instead of a temporary one")
    args = parser.parse_args()
    digits, labels = read_mnist_test(args.n)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        X_photos, seconds, kinds, failures = prepare_photos(digits, folder, rng)
    X_mnist = digits.reshape(len(digits), -1).astype(np.float32) / 255
    scores = np.array([correlation(p, m) if p.any() else 0.0 for p, m in zip(X_photos, X_mnist)])
    print(f"{len(digits)} photos: {seconds / len(digits):.4f} s per image to prepare")
    for failure in failures:
        print(f"  {failure} (counted as correlation 0)")
    print(f"correlation with the original digit: mean {scores.mean():.3f}, "
          f"median {np.median(scores):.3f}, 5th percentile {np.percentile(scores, 5):.3f}")
    for kind in sorted(set(kinds)):
        chosen = np.array(kinds) == kind
        print(f"  {kind:15s} {chosen.sum():4d} photos, mean correlation {scores[chosen].mean():.3f}")
    if args.model is None:
        print("no model: pass --model PATH (made by `digitnet train`)")
        return 2
    import digitnet

    net = digitnet.load(args.model)
    for name, X in (("original MNIST digits", X_mnist), ("photos of the same digits", X_photos)):
        accuracy = float(np.mean(np.asarray(net.predict(X)) == labels))
        print(f"accuracy on the {name}: {accuracy:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
