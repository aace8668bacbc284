"""Random shifts of the training images: each epoch sees every digit moved by a pixel or so.

Handwriting is never centred exactly, and a network that has seen its digits slightly
moved generalises better (and reads photos better). No other distortion is made.
"""

import numpy as np


class RandomShift:
    """Moves each image of X (n, side*side) by up to ``max_shift`` pixels up/down and left/right.

    The images are padded with zeros once, at construction; ``__call__(rng)`` returns an
    array shaped like X with a fresh random shift for every image. It is the same array each
    time, overwritten: a new one of 188 MB every epoch cost more in page faults than the shift.
    """

    def __init__(self, X, max_shift=1):
        n, n_pixels = X.shape
        side = int(round(n_pixels ** 0.5))
        if side * side != n_pixels:
            raise ValueError(f"shifting needs square images, but each example has {n_pixels} values")
        self.side = side
        self.max_shift = max_shift
        self.padded = np.pad(X.reshape(n, side, side), ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
        self.shifted = np.empty((n, side, side), dtype=X.dtype)

    def __call__(self, rng):
        n, side, m = len(self.padded), self.side, self.max_shift
        shifted = self.shifted
        offsets = rng.integers(0, 2 * m + 1, size=(n, 2))
        # one slice copy per (dy, dx), not one per image
        for dy in range(2 * m + 1):
            for dx in range(2 * m + 1):
                rows = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
                shifted[rows] = self.padded[rows, dy:dy + side, dx:dx + side]
        return shifted.reshape(n, side * side)
