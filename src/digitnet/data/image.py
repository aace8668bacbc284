"""Prepare a user's image of one handwritten digit the way the MNIST digits were made.

``prepare_image(source)`` turns a photo, scan or drawing of a single digit into the (784,)
float32 row the network reads: ink near 1.0 on a background of 0, the digit scaled so its
longer side fills a 20x20 box and pasted in a 28x28 field with its centre of mass at (14, 14).

Steps: read the image as gray 0..1 (``picture``: PNG, JPEG, ...; EXIF rotation; palette,
16-bit, alpha; an animation's first frame; shrunk to a working size); decide whether the
ink is darker or lighter than the paper; take out sharp steps in the paper's brightness (a
hard shadow's edge, a darker table around the sheet); fit the paper's smooth lighting and
subtract it, correcting what the fit missed block by block; erase ruled and squared paper's
lines, mending strokes that cross them; cut noise below a threshold; drop specks away from
the digit; widen pen strokes thinner than MNIST's; then the MNIST recipe (crop, fit 20x20,
centre by mass). ``preparation_steps(source)`` gives the row after each step of that recipe
(PREPARATION_STEPS), to show what each one does for the network.

Left out: several digits in one image (a second digit far from the first is kept too, and
both are squeezed together), ruled lines tilted by more than about a degree, a table that
shows only as a thin sliver at the image's edge, shadows or tables in photos of digits whose
strokes are wider than a twelfth of the image, 1-bit dithered images (the dither reads as
ink), ink within about 0.08 of the paper's brightness, deskewing, and coloured ink that
differs from the paper in hue but not in brightness.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from . import grid
from .picture import MIN_CONTRAST, ImageError, NoDigitError, array_pixels, image_pixels, load_image, to_gray

BOX, FIELD = 20, 28    # MNIST: the digit fits a 20x20 box inside a 28x28 field
MIN_SIZE = 0.05        # a digit spans at least this share of the image's longer side
NOISE_CUT = 0.15       # ink weaker than this share of strong ink is noise: 0
CORE_LEVEL = 0.75      # ink at least this share of strong ink is a stroke's core: 1
CORE_SHARE = 60        # percentile of the 20x20 digit's ink raised to 1.0 (MNIST's is ~1.0)
STROKE_RATIO = 0.10    # thinnest stroke kept, as a share of the digit's longer side (MNIST ~0.11)
PLATEAU = 1 / 6        # dark areas wider than this share of the longer side are shadow or table, not ink ...
PLATEAU_MIN = 12       # pixels: wider than any stroke of a small image (an MNIST digit's are 2-5)
PLATEAU_BORDER = 0.35  # ... and line at least this share of the image's border (a bold digit's strokes less)
STEP = 0.06            # a jump in the paper's brightness at least this big is a shadow's or the paper's edge
RULE_COVER = 0.9       # a row (column) inked along this share of its length, in a thin band, ...
RULE_LINES = 3         # ... is a ruled line when there are at least this many such bands
NO_DIGIT = "no digit found: the image is empty or has no ink that stands out from the paper"


def prepare_image(source: Any) -> np.ndarray:
    """Prepare a digit image (a path, an image file's bytes, a PIL image or an array) as an MNIST
    row: (784,) float32 0..1."""
    return mnist_field(thicken(digit_ink(source))).reshape(FIELD * FIELD)


def digit_ink(source: Any) -> np.ndarray:
    """The digit's ink in a digit image (as ``prepare_image`` takes it), before the MNIST recipe:
    (H, W) 0..1, ink high, paper, lighting, ruled lines and specks taken out."""
    if isinstance(source, (str, Path, bytes, bytearray)):
        pixels = image_pixels(load_image(source))
    elif isinstance(source, Image.Image):
        pixels = image_pixels(source)
    elif isinstance(source, np.ndarray):
        pixels = array_pixels(source)
    else:
        raise ImageError(f"expected a file path, an image file's bytes, a PIL image or a NumPy array, "
                         f"not {type(source).__name__}")
    try:
        return keep_digit(to_ink(to_gray(pixels)))
    except ImageError as error:
        if not isinstance(source, (str, Path)):
            raise
        raise type(error)(error.problem.replace("no digit found", f"no digit found in {source}", 1),
                          error.advice) from None


# The preparation one step at a time, each step adding one thing to the one before: (key, words).
# The last is the whole of ``prepare_image``.
PREPARATION_STEPS = (
    ("as-is", "shrunk to 28x28 as it is"),
    ("fitted", "+ cropped and fitted to 20x20"),
    ("centred", "+ centred by mass"),
    ("thickened", "+ strokes brought to MNIST's width"),
)


def preparation_steps(source: Any) -> dict[str, np.ndarray]:
    """The (784,) float32 rows 0..1 of a digit image after each of PREPARATION_STEPS, by key: the
    whole image shrunk to 28x28; its ink cropped, fitted to 20x20 and centred by its box; centred by
    mass instead; its strokes widened first, which is ``prepare_image(source)``."""
    ink = digit_ink(source)
    fitted = fit_box(ink)
    fields = {"as-is": shrink_whole(ink), "fitted": center_by_box(fitted),
              "centred": center_by_mass(fitted), "thickened": mnist_field(thicken(ink))}
    return {key: fields[key].reshape(FIELD * FIELD) for key, _ in PREPARATION_STEPS}


def to_ink(gray):
    """Ink strength 0..1 (ink high, paper 0) from gray 0..1, (H, W) -> (H, W); raises
    ImageError when nothing stands out from the paper."""
    inked = flatten_steps(gray if ink_is_light(gray) else 1.0 - gray)
    fits = [inked - paper_surface(inked), inked - np.percentile(inked, 30)]  # lit paper, or plain
    residual = min(fits, key=lambda fit: np.median(np.abs(fit - np.median(fit))))  # the closer one
    residual -= paper_correction(residual, float(np.percentile(residual, 99.9)))
    residual = remove_rules(remove_rules(residual).T).T  # rows, then columns
    noise, strong = strong_ink(residual)
    low, core = max(4 * noise, NOISE_CUT * strong), CORE_LEVEL * strong
    return np.clip((residual - low) / (core - low), 0.0, 1.0)


def ink_is_light(gray):
    """Whether the ink is lighter than the paper (chalk on a board), from gray (H, W).

    Strokes are narrow and one-sided, lighting and paper texture broad or symmetric: the
    details left after removing a smooth copy of the image lean towards the ink's side.
    """
    cell = max(2, math.ceil(max(gray.shape) / 5))
    means = grid.block_means(gray, cell)
    details = (gray - grid.upsample(means, cell, gray.shape)).astype(np.float64)
    return float((details * details * details).sum()) > 0  # the third power, without pow()'s cost


def flatten_steps(inked):
    """The image (H, W), ink high, with sharp steps in the paper's brightness taken out: the
    edge of a hard shadow, or a darker table around the sheet.

    Such areas are far wider than any stroke, so they survive a morphological opening (a
    minimum, then a maximum, over squares PLATEAU of the image's side) that erases strokes:
    that opening is the paper, and the image minus it keeps only the narrow things. It is
    used only when the opening has a step edge (smooth lighting has none) that is long or
    reaches the image's border, and its dark side lines much of the border: the blob of a
    stroke too thick for the opening to erase does neither."""
    size = max(PLATEAU_MIN, round(PLATEAU * max(inked.shape)))
    paper = grid.opening(inked, size)
    cell = max(1, math.ceil(max(inked.shape) / 64))
    means = grid.block_means(paper, cell)
    around = grid.neighbourhoods(means)
    steps = around.max(0) - around.min(0) > STEP
    high = paper > np.percentile(paper, 5) + STEP
    if not steps.any() or np.concatenate([high[0], high[-1], high[:, 0], high[:, -1]]).mean() < PLATEAU_BORDER:
        return inked
    labels = grid.components(steps)
    border = np.unique(np.concatenate([labels[[0, -1]].ravel(), labels[:, [0, -1]].ravel()]))
    for label in np.unique(labels[labels > 0]):
        y0, y1, x0, x1 = _box(labels == label)
        if label in border or max(y1 - y0, x1 - x0) >= 2 / 3 * max(labels.shape):
            return inked - grid.opening(inked, max(PLATEAU_MIN, size // 2))  # half: thinner bands along the border
    return inked


def remove_rules(residual):
    """The residual (H, W), ink high, without ruled lines across its rows: rows inked along
    RULE_COVER of their width in thin bands (at most 1% of the image's side, 3 pixels at least),
    when there are RULE_LINES such bands or more (ruled paper has many; a digit at most two).

    Each band (and a pixel either side, the line's blurred edge) is filled with the smaller of
    the rows just above and below it: paper where the line crossed paper, and ink where a
    stroke crosses the line, which is ink on both sides."""
    noise = noise_level(residual)
    covered = (residual > max(4 * noise, MIN_CONTRAST)).mean(1) >= RULE_COVER
    if not covered.any():
        return residual
    thickest, h = max(3, max(residual.shape) // 100), residual.shape[0]
    edges = np.diff(np.concatenate([[0], covered.astype(np.int8), [0]]))
    bands = [(top, bottom) for top, bottom in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
             if bottom - top <= thickest]  # a broad band of ink is no ruled line
    if len(bands) < RULE_LINES:  # one or two long thin strokes are a digit's: a 1 drawn edge to edge, a 7's bar
        return residual
    result = residual.copy()
    for top, bottom in bands:
        above, below = residual[max(top - 2, 0)], residual[min(bottom + 1, h - 1)]
        result[max(top - 1, 0) : bottom + 1] = np.minimum(above, below)
    return result


def paper_surface(inked):
    """The paper under smooth uneven lighting (a gradient, a vignette) in an image whose ink
    is high, (H, W): a quadratic surface fitted to the image's outer tenth, outliers trimmed."""
    h, w = inked.shape
    y, x = np.linspace(-1, 1, h, dtype=np.float32)[:, None], np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    margin, step = max(2, max(h, w) // 10), max(1, max(h, w) // 150)
    ring = np.ones((h, w), bool)
    ring[margin:-margin, margin:-margin] = False
    ys, xs = (step * i for i in np.nonzero(ring[::step, ::step]))
    terms = lambda y, x: [np.ones_like(x * y), x, y, x * x, x * y, y * y]  # noqa: E731
    sample, values = np.stack(terms(y[ys, 0], x[0, xs]), -1), inked[ys, xs]
    kept = np.ones(values.size, bool)
    for _ in range(4):
        coef = _least_squares(sample[kept], values[kept])
        above = values - sample @ coef
        kept = np.abs(above) <= np.median(np.abs(above))
    return sum(c * t for c, t in zip(coef.astype(np.float32), terms(y, x)))


def _least_squares(A, b):
    """The coefficients c minimising |A c - b|, by the normal equations: A has only six well-scaled
    columns, and this is a hundred times faster than np.linalg.lstsq on such small problems."""
    A = A.astype(np.float64)
    return np.linalg.solve(A.T @ A + 1e-9 * np.eye(A.shape[1]), A.T @ b.astype(np.float64))


def paper_correction(residual, ink_level):
    """What the paper surface missed, (H, W): block means of the residual away from the ink
    (a third of ``ink_level`` and more), blocks without paper filled in from their neighbours."""
    paper = ~grid.dilate(grid.dilate(residual >= ink_level / 3))
    cell = max(2, math.ceil(max(residual.shape) / 16))
    counts = grid.block_sums(paper.astype(np.float32), cell)
    means = grid.block_sums(np.where(paper, residual, 0), cell) / np.maximum(counts, 1)
    means[counts < cell * cell / 4] = np.nan
    while np.isnan(means).any() and not np.isnan(means).all():
        around = grid.neighbourhoods(means)
        known = (~np.isnan(around)).sum(0)
        means = np.where(np.isnan(means) & (known > 0), np.nansum(around, 0) / np.maximum(known, 1), means)
    return grid.upsample(np.nan_to_num(means), cell, residual.shape)


def strong_ink(residual):
    """(noise, strong): the noise of the paper and the level of strong ink in a residual (H, W)
    whose ink is high; raises ImageError when no ink stands out from the noise."""
    noise = noise_level(residual)
    candidates = residual[residual > max(4 * noise, MIN_CONTRAST)]
    enough = candidates.size >= min(20, max(2, residual.size // 100))
    strong = float(np.percentile(candidates, 95)) if enough else 0.0
    if strong < max(8 * noise, 2 * MIN_CONTRAST):
        raise NoDigitError(NO_DIGIT)
    return noise, strong


def noise_level(residual):
    """The paper's noise (a robust standard deviation) in a residual (H, W), paper near 0 and ink
    high: the smaller of the median absolute deviation (too high when ink covers much of the
    image) and the spread of the negative side, which ink never reaches (too high when the
    paper's values are lopsided, as in a dithered image)."""
    values = residual.ravel()[:: max(1, residual.size // 50000)]
    below = -values[values < 0]
    spread = float(np.median(np.abs(values - np.median(values))))
    return 1.4826 * min(spread, float(np.median(below)) if below.size else 0.0)


def keep_digit(ink):
    """Zero the ink of specks and stray marks away from the digit; (H, W) -> (H, W).

    Connected pieces of ink on a grid of at most 128 cells a side (which joins broken strokes);
    pieces touching the image's edge (shadows, the paper's edge) count a quarter of their ink.
    Keeps the heaviest piece if it is big enough to be a digit, pieces near it with 5% of its
    ink or more, and pieces farther away with 30% or more."""
    factor = math.ceil(max(ink.shape) / 128)
    mass = grid.block_sums(ink, factor)
    inked = mass > 0.05 * factor * factor  # more than stray pixels of noise
    labels = grid.components(grid.dilate(inked))
    weights = np.bincount(labels.ravel(), mass.ravel())
    weights[0] = 0
    edge = np.unique(np.concatenate([labels[[0, -1]].ravel(), labels[:, [0, -1]].ravel()]))
    counted = weights * np.where(np.isin(np.arange(len(weights)), edge), 0.25, 1.0)
    main = int(counted.argmax())
    y0, y1, x0, x1 = _box((labels == main) & inked)
    reach = max(y1 - y0, x1 - x0) // 2
    if max(y1 - y0, x1 - x0) * factor < MIN_SIZE * max(ink.shape):
        raise NoDigitError("no digit found: the only ink is specks, too small to be a digit")
    keep = np.zeros(len(weights), bool)
    for label in np.flatnonzero(weights):
        b = _box(labels == label)
        if b[0] >= y0 - reach and b[1] <= y1 + reach and b[2] >= x0 - reach and b[3] <= x1 + reach:
            keep[label] = weights[label] >= 0.05 * weights[main]
        else:
            keep[label] = counted[label] >= 0.3 * counted[main]
    mask = np.repeat(np.repeat(keep[labels], factor, 0), factor, 1)
    return ink * mask[: ink.shape[0], : ink.shape[1]]


def thicken(ink):
    """The ink cropped to its box, (h, w), strokes widened to at least STROKE_RATIO of its longer
    side when the digit is big enough (>= 40 px) that they would come out thin at 20x20."""
    y0, y1, x0, x1 = _box(ink > 0)
    crop, side = ink[y0:y1, x0:x1], max(y1 - y0, x1 - x0)
    solid = np.pad(crop > 0.5, 1).astype(np.int8)
    edges = np.abs(np.diff(solid, axis=0)).sum() + np.abs(np.diff(solid, axis=1)).sum()
    width = 2 * solid.sum() / max(edges * math.pi / 4, 1)  # area / half the perimeter
    radius = max(0, round((STROKE_RATIO * side - width) / 2)) if side >= 2 * BOX else 0
    crop = np.pad(crop, radius)
    for _ in range(radius):
        crop = grid.dilate(crop)
    return crop


def mnist_field(ink):
    """The MNIST recipe: crop to the ink, fit the longer side to 20, centre by mass; -> (28, 28)."""
    return center_by_mass(fit_box(ink))


def fit_box(ink):
    """The ink (H, W) cropped to its box and scaled so that its longer side is 20, cores raised to
    1 again; -> (h, w), the longer 20."""
    y0, y1, x0, x1 = _box(ink > 0)
    crop = ink[y0:y1, x0:x1].astype(np.float32)
    scale = BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    digit = np.clip(np.asarray(Image.fromarray(crop, "F").resize(size, Image.LANCZOS)), 0.0, 1.0)
    strokes = digit[digit > 0.1]  # thin strokes come out fainter: raise their cores to 1 again
    level = float(np.percentile(strokes, CORE_SHARE)) if strokes.size else 1.0
    return np.clip(digit / max(level, 0.2), 0.0, 1.0)


def shrink_whole(ink):
    """The whole image (H, W), not cropped, padded to a square and shrunk to 28x28 by averaging
    (no recipe: what a network reading any picture as it is would see)."""
    h, w = ink.shape
    side = max(h, w)
    square = np.zeros((side, side), np.float32)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = ink
    shrunk = Image.fromarray(square, "F").resize((FIELD, FIELD), Image.BOX)
    return np.clip(np.asarray(shrunk, dtype=np.float32), 0.0, 1.0)


def center_by_box(digit):
    """Paste a (h, w) digit, h and w <= 28, in the middle of a 28x28 field (by its box, not its mass)."""
    h, w = digit.shape
    top, left = (FIELD - h) // 2, (FIELD - w) // 2
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + h, left : left + w] = digit
    return field


def center_by_mass(digit):
    """Paste a (h, w) digit, h and w <= 28, in a 28x28 field with its centre of mass at (14, 14)
    (row, column), rounded to whole pixels and moved no further than keeps the digit inside."""
    h, w = digit.shape
    total = max(float(digit.sum()), 1e-12)
    top = int(np.clip(round(FIELD / 2 - digit.sum(1) @ np.arange(h) / total), 0, FIELD - h))
    left = int(np.clip(round(FIELD / 2 - digit.sum(0) @ np.arange(w) / total), 0, FIELD - w))
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + h, left : left + w] = digit
    return field


def _box(mask):
    """Bounding box (y0, y1, x0, x1), ends excluded, of the True cells of a 2-D mask."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        raise NoDigitError(NO_DIGIT)
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
