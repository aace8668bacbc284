"""Operations on small 2-D grids (images, masks, block sums) that the image preparation is built of."""

import numpy as np
from PIL import Image


def block_sums(image, cell):
    """Sums over square blocks of ``cell`` pixels, zero-padded: (H, W) -> (ceil(H/cell), ceil(W/cell))."""
    h, w = (-(-side // cell) * cell for side in image.shape)
    padded = np.pad(image, ((0, h - image.shape[0]), (0, w - image.shape[1])))
    return padded.reshape(h // cell, cell, w // cell, cell).sum((1, 3))


def block_means(image, cell):
    """Means over square blocks of ``cell`` pixels, (H, W) -> (ceil(H/cell), ceil(W/cell)); the blocks
    cut by the image's edge average only the pixels they hold."""
    return block_sums(image, cell) / block_sums(np.ones_like(image), cell)


def upsample(grid, cell, shape):
    """Bilinear upsampling of a grid of block values, blocks of ``cell`` pixels, to ``shape`` (H, W)."""
    image = Image.fromarray(grid.astype(np.float32), "F")
    image = image.resize((image.width * cell, image.height * cell), Image.BILINEAR)
    return np.asarray(image)[: shape[0], : shape[1]]


def neighbourhoods(grid):
    """The 3x3 neighbourhood of every cell, edges repeated: (H, W) -> (9, H, W)."""
    padded, (h, w) = np.pad(grid, 1, mode="edge"), grid.shape
    return np.stack([padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)])


def dilate(grid):
    """3x3 maximum filter, (H, W) -> (H, W), edges repeated: the maximum of 3 rows, then of 3 columns."""
    padded = np.pad(grid, 1, mode="edge")
    rows = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


def opening(image, size):
    """Morphological opening of (H, W) over squares of ``size`` pixels: a minimum, then a maximum;
    it erases whatever high is narrower than ``size`` and keeps the rest as it is."""
    eroded = running(running(image, size, np.minimum), size, np.minimum, axis=1)
    return running(running(eroded, size, np.maximum), size, np.maximum, axis=1)


def running(image, size, reduce, axis=0):
    """``reduce`` (np.minimum or np.maximum) over windows of ``size`` pixels centred on each pixel
    along ``axis``, edges repeated, (H, W) -> (H, W): windows of 1, 2, 4, ... pixels by doubling,
    so about log2(size) passes rather than size."""
    if axis == 1:
        return running(image.T, size, reduce).T
    before = size // 2
    result, span = np.pad(image, ((before, size - 1 - before), (0, 0)), mode="edge"), 1
    while 2 * span <= size:
        result, span = reduce(result[:-span], result[span:]), 2 * span
    return reduce(result[: -(size - span)], result[size - span :]) if size > span else result


def components(mask):
    """8-connected component labels (0 = background, 1.. = components) of a bool grid.

    Each component is labelled by its last cell in reading order (counting from 1). Every
    cell points at a cell of its component, at first itself: each round, the ends of every
    pair of neighbouring ink cells point at the larger of their two targets, and then every
    cell at its target's target until nothing changes. Pointers only go forwards, so each
    component ends pointing at its last cell, in a few rounds rather than one per cell of its
    longest path.
    """
    index = np.arange(mask.size).reshape(mask.shape)
    a, b = [], []
    for first, second in ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1], np.s_[1:]),       # right, down,
                          (np.s_[:-1, :-1], np.s_[1:, 1:]), (np.s_[:-1, 1:], np.s_[1:, :-1])):  # diagonals
        both = mask[first] & mask[second]
        a.append(index[first][both])
        b.append(index[second][both])
    a, b = np.concatenate(a), np.concatenate(b)
    target = np.arange(mask.size)
    while not np.array_equal(target[a], target[b]):
        larger = np.maximum(target[a], target[b])
        np.maximum.at(target, target[a], larger)
        np.maximum.at(target, target[b], larger)
        while not np.array_equal(target[target], target):
            target = target[target]
    return np.where(mask, target.reshape(mask.shape) + 1, 0)
