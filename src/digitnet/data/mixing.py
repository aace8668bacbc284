"""Mix a person's own digits into MNIST's training set, keeping a share of them back to measure on.

A few dozen digits of one hand are lost among 60,000 of others' unless they are repeated:
``mix_in`` adds copies of them until they make up ``weight`` of the training set, each copy
varied (distorted and moved by ``vary``) so that the network learns the hand, not the few
images. ``hold_out`` first sets aside a share of them, drawn per digit, which the training never
sees: the network's accuracy on those says whether it learned to read the person, or only
their training images. ``hold_out_by_name`` decides each image by its name instead, so that a
collection that grows keeps its split: an image once trained on is never held out later.
"""

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from .distort import RandomDistortion

HOLD_OUT = 0.3   # the share of one's own digits held out to measure on
WEIGHT = 0.03    # the share of the training set their copies make up (benchmarks/also.py chose it)
MIN_TO_TEACH = 10  # one's own digits needed to mix them in (train --also, the page's teaching): fewer teach too little
                   # to show, each would be copied thousands of times, and the held-out share would be one or two


def hold_out(labels: np.ndarray, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train_rows, held_rows): indices into ``labels`` (n,), drawn per digit: ``share`` of each digit's
    images held out, rounded, but at least one, and at least one left to train on (a digit with a single
    image is trained on). Both sorted; share 0 holds none out."""
    train_rows, held_rows = [], []
    for digit in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        n_held = 0 if share <= 0 or len(rows) < 2 else min(len(rows) - 1, max(1, round(share * len(rows))))
        held_rows.append(rows[:n_held])
        train_rows.append(rows[n_held:])
    return (np.sort(np.concatenate(train_rows or [np.zeros(0, int)])).astype(np.int64),
            np.sort(np.concatenate(held_rows or [np.zeros(0, int)])).astype(np.int64))


def hold_out_by_name(names: Sequence[str], labels: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """(train_rows, held_rows): indices into ``names`` (n,) and ``labels`` (n,), each image decided by its own name and
    its place among its digit's names (in their order: the collection's names begin with the time they were kept).

    The first of a digit is trained on and the second held out, so that a digit of two or more has one of each; each
    later one is held out when the sha256 of its name, read as a number in [0, 1), is below ``share``. Nothing depends
    on the names after it, so keeping another image (a name after the others) never moves one kept before: one trained
    on is never held out later. Both sorted; share 0 holds none out."""
    labels = np.asarray(labels)
    if len(names) != len(labels):
        raise ValueError(f"{len(names)} names for {len(labels)} labels")
    held = np.zeros(len(labels), dtype=bool)
    if share <= 0:
        return np.arange(len(labels), dtype=np.int64), np.flatnonzero(held).astype(np.int64)
    for digit in np.unique(labels):
        rows = sorted(np.flatnonzero(labels == digit).tolist(), key=lambda row: (names[row], row))
        for place, row in enumerate(rows):
            held[row] = place == 1 or (place > 1 and _fraction(names[row]) < share)
    return np.flatnonzero(~held).astype(np.int64), np.flatnonzero(held).astype(np.int64)


def _fraction(name: str) -> float:
    """The sha256 of ``name`` as a number in [0, 1): the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()[:8], "big") / 2 ** 64


def copies_for(n_train: int, n_own: int, weight: float) -> int:
    """How many copies of each of ``n_own`` images make them ``weight`` of a training set of ``n_train``
    others' images and the copies: at least one."""
    if n_own == 0:
        return 0
    return max(1, round(weight * n_train / ((1 - weight) * n_own)))


def mix_in(X: np.ndarray, labels: np.ndarray, own_X: np.ndarray, own_labels: np.ndarray, *,
           rng: np.random.Generator, weight: float = WEIGHT,
           vary: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """(X, labels) of the training set (n, 784), (n,) with copies of ``own_X`` (m, 784), ``own_labels`` (m,)
    added until they make up ``weight`` of it, each copy varied by ``vary(copies, rng)`` (default: ``varied``),
    the first copy of each as it is. The rows are in no particular order: training shuffles them."""
    copies = copies_for(len(X), len(own_X), weight)
    if copies == 0:
        return X, labels
    vary = vary or varied
    repeated = np.tile(own_X, (copies, 1))
    if copies > 1:
        repeated[len(own_X):] = vary(repeated[len(own_X):], rng)
    return (np.concatenate([X, repeated.astype(X.dtype)]),
            np.concatenate([labels, np.tile(own_labels, copies).astype(labels.dtype)]))


def varied(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each image of X (n, 784) drawn a little differently: rotated, scaled, thickened or thinned, elastically
    distorted and moved by up to a pixel (``distort.RandomDistortion``, as the robust rungs train)."""
    return RandomDistortion(X, max_shift=1)(rng).copy()
