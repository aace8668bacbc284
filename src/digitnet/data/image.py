"""Prepare a user's image of one handwritten digit the way the MNIST digits were made.

``prepare_image(source)`` turns a photo, scan or drawing of a single digit into the (784,)
float32 row the network reads: ink near 1.0 on a background of 0, the digit scaled so its
longer side fills a 20x20 box and pasted in a 28x28 field with its centre of mass at (14, 14).

Steps: read the image (PNG, JPEG, ...; EXIF rotation; palette, 16-bit, alpha) as gray 0..1
at a working size of at most ``WORK_SIDE`` pixels; decide whether the ink is darker or lighter
than the paper; subtract the paper's slowly varying brightness (uneven lighting); cut noise
below a threshold; drop specks away from the digit; thicken pen strokes that would be thinner
than MNIST's; then the MNIST recipe (crop, fit 20x20, centre by mass in 28x28).

Left out: several digits in one image (the largest group of ink wins), ruled or squared paper
lines, paper edges or a table in the frame, deskewing, and coloured ink that differs from the
paper in hue but not in brightness.
"""

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

WORK_SIDE = 600        # longest side, in pixels, at which the ink is found
BOX, FIELD = 20, 28    # MNIST: the digit fits a 20x20 box inside a 28x28 field
MIN_CONTRAST = 0.04    # ink must differ from the paper by at least this (gray 0..1)
LOW, CORE, NORM = 0.15, 0.8, 60
STROKE_RATIO = 0.10    # MNIST-like stroke width / longer side of the digit's box


class ImageError(ValueError):
    """An image that cannot be read, or that holds no digit to prepare."""


def prepare_image(source):
    """Prepare a digit image (path, PIL image or array) as an MNIST row: (784,) float32 0..1."""
    if isinstance(source, (str, Path)):
        pixels = image_pixels(load_image(source))
    elif isinstance(source, Image.Image):
        pixels = image_pixels(source)
    elif isinstance(source, np.ndarray):
        pixels = array_pixels(source)
    else:
        raise ImageError(f"expected a file path, a PIL image or a NumPy array, not {type(source).__name__}")
    try:
        ink = keep_digit(to_ink(to_gray(pixels)))
    except ImageError as error:
        if not isinstance(source, (str, Path)):
            raise
        raise ImageError(str(error).replace("no digit found", f"no digit found in {source}", 1)) from None
    return mnist_field(thicken(ink)).reshape(FIELD * FIELD).astype(np.float32)


def load_image(path):
    """Open an image file, decoded (at reduced scale for big JPEGs) and turned upright by EXIF."""
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path} does not exist")
    if path.is_dir():
        raise ImageError(f"{path} is a directory, not an image file")
    try:
        image = Image.open(path)
        image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG only: decode gray at 1/2..1/8 scale
        image.load()
        return ImageOps.exif_transpose(image)
    except Image.UnidentifiedImageError:
        raise ImageError(f"{path} is not an image Pillow can read (PNG or JPEG expected)") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{path} is too large to be a photo of a digit; resize it first") from None
    except PermissionError:
        raise ImageError(f"{path} cannot be read: permission denied") from None
    except Exception:  # Pillow reports damage as OSError, SyntaxError, ValueError, EOFError...
        raise ImageError(f"{path} is truncated or damaged and cannot be decoded; save or copy it again") from None


def image_pixels(image):
    """A PIL image as float32 0..1, (H, W) or (H, W, C) with C in 2 (gray+alpha), 3, 4, shrunk."""
    if image.width == 0 or image.height == 0:
        raise ImageError(f"the image is empty ({image.width}x{image.height} pixels)")
    sixteen_bit = image.mode.startswith("I;16")
    if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        target = "I" if sixteen_bit else "L" if image.mode == "1" else "RGB" if image.mode == "CMYK" else "RGBA"
        try:
            image = image.convert(target)
        except ValueError:
            raise ImageError(f"images in Pillow's {image.mode} mode are not supported; save it as PNG or JPEG") from None
    factor = math.ceil(max(image.size) / WORK_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    pixels = np.asarray(image, dtype=np.float32)
    top = 65535.0 if sixteen_bit or pixels.max() > 255 else 1.0 if image.mode == "F" and pixels.max() <= 1 else 255.0
    return pixels / top


def array_pixels(array):
    """A NumPy image as float32 0..1: (H, W) gray or (H, W, 3|4) RGB/RGBA, uint8/16 or float 0..1."""
    if array.ndim == 1 and array.size == FIELD * FIELD:
        raise ImageError(f"expected a 2-D image array, got a flat row of {array.size}; reshape it to (28, 28)")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        raise ImageError(f"expected a 2-D gray or 3-D RGB/RGBA image array, got shape {array.shape}")
    if array.size == 0:
        raise ImageError(f"the image array is empty (shape {array.shape})")
    if array.dtype.kind not in "biuf":
        raise ImageError(f"expected an array of numbers, got dtype {array.dtype}")
    if array.dtype == np.uint8 and (array.ndim == 2 or array.shape[2] in (3, 4)):
        return image_pixels(Image.fromarray(array))
    pixels = np.atleast_3d(np.asarray(array, dtype=np.float32))
    if not np.isfinite(pixels).all():
        raise ImageError("the image array holds NaN or infinite values")
    if array.dtype.kind in "iu" or pixels.max() > 1.0:
        pixels = pixels / (65535.0 if array.dtype.itemsize > 1 and pixels.max() > 255 else 255.0)
    factor = math.ceil(max(pixels.shape[:2]) / WORK_SIDE)
    if factor > 1:
        channels = [Image.fromarray(np.ascontiguousarray(pixels[..., c]), "F").reduce(factor) for c in range(pixels.shape[2])]
        pixels = np.stack([np.asarray(channel) for channel in channels], -1)
    return np.clip(pixels, 0.0, 1.0).squeeze(-1) if pixels.shape[2] == 1 else np.clip(pixels, 0.0, 1.0)


def to_gray(pixels):
    """Gray 0..1, (H, W), from (H, W) or (H, W, C) pixels; transparency is composited away.

    Strokes on a mostly transparent canvas go onto a background that contrasts with them
    (white under dark strokes, black under light ones); otherwise transparency becomes white.
    """
    if pixels.ndim == 2:
        return pixels
    color, alpha = (pixels, None) if pixels.shape[2] in (1, 3) else (pixels[..., :-1], pixels[..., -1])
    gray = color[..., 0] if color.shape[2] == 1 else color @ np.float32([0.299, 0.587, 0.114])
    if alpha is None or alpha.min() >= 0.99:
        return gray
    if alpha.max() < MIN_CONTRAST:
        raise ImageError("no digit found: the image is fully transparent")
    stroke_gray = float((gray * alpha).sum() / alpha.sum())
    paper = 1.0 if alpha.mean() >= 0.5 or stroke_gray < 0.5 else 0.0
    return alpha * gray + (1.0 - alpha) * paper


def to_ink(gray):
    """Ink strength 0..1 (ink high, paper 0) from gray 0..1; (H, W) -> (H, W).

    Raises ImageError when nothing stands out from the paper.
    """
    surface = paper_surface(gray)
    flipped, surface = (gray, surface) if ink_is_light(gray, surface) else (1.0 - gray, 1.0 - surface)
    residual = flipped - surface
    residual -= paper_correction(residual, _strong_ink(residual)[1])
    noise, strong = _strong_ink(residual)
    low, core = max(4 * noise, LOW * strong), CORE * strong
    return np.clip((residual - low) / (core - low), 0.0, 1.0)


def paper_surface(gray):
    """A quadratic surface, (H, W), fitted to the image's outer ring with outliers trimmed:
    the paper's brightness under smooth uneven lighting (a gradient or a vignette)."""
    h, w = gray.shape
    y, x = np.linspace(-1, 1, h, dtype=np.float32)[:, None], np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    margin, step = max(2, max(h, w) // 10), max(1, max(h, w) // 150)
    ring = np.ones((h, w), bool)
    ring[margin:-margin, margin:-margin] = False
    ys, xs = (step * i for i in np.nonzero(ring[::step, ::step]))
    terms = lambda y, x: [np.ones_like(x * y), x, y, x * x, x * y, y * y]  # noqa: E731
    sample, values = np.stack(terms(y[ys, 0], x[0, xs]), -1), gray[ys, xs]
    kept = np.ones(values.size, bool)
    for _ in range(3):
        coef = np.linalg.lstsq(sample[kept], values[kept], rcond=None)[0]
        misfit = np.abs(values - sample @ coef)
        kept = misfit <= np.percentile(misfit, 50)
    return sum(c * t for c, t in zip(coef.astype(np.float32), terms(y, x)))


def ink_is_light(gray, surface):
    """Whether the ink is lighter than the paper (chalk on a board): the outliers around the
    paper surface, both (H, W), hold more mass on the bright side than on the dark side."""
    residual = gray - surface
    cut = 3 * noise_level(residual)
    return float(np.clip(residual - cut, 0, None).sum()) > float(np.clip(-residual - cut, 0, None).sum())


def paper_correction(residual, ink_level):
    """What the paper surface missed, (H, W): block means of the residual where there is no
    ink (residual below a third of ``ink_level``), blocks without paper filled from neighbours."""
    paper = residual < ink_level / 3
    cell = _cell(residual.shape)
    sums = _block_stats(np.where(paper, residual, 0), None, cell)
    counts = _block_stats(paper.astype(np.float32), None, cell)
    means = np.where(counts >= cell * cell / 4, sums / np.maximum(counts, 1), np.nan)
    while np.isnan(means).any() and not np.isnan(means).all():
        padded = np.pad(means, 1, mode="edge")
        neighbours = np.stack([padded[dy : dy + means.shape[0], dx : dx + means.shape[1]] for dy in range(3) for dx in range(3)])
        filled = np.nansum(neighbours, 0) / np.maximum((~np.isnan(neighbours)).sum(0), 1)
        means = np.where(np.isnan(means) & ~np.isnan(neighbours).all(0), filled, means)
    return _upsample(np.nan_to_num(means), residual.shape)


def _strong_ink(residual):
    """(noise, strong): the paper's noise level and the level of strong ink in a residual whose
    ink is high; raises ImageError when no ink stands out from the noise."""
    noise = noise_level(residual)
    candidates = residual[residual > max(4 * noise, MIN_CONTRAST)]
    strong = float(np.percentile(candidates, 95)) if candidates.size >= 10 else 0.0
    if strong < 7 * noise or strong == 0:
        raise ImageError("no digit found: the image is empty or has no ink that stands out from the paper")
    return noise, strong


def noise_level(residual):
    """Robust standard deviation of mostly-paper values (median absolute deviation)."""
    residual = residual.ravel()[:: max(1, residual.size // 20000)]
    return 1.4826 * float(np.median(np.abs(residual - np.median(residual))))


def keep_digit(ink):
    """Zero the ink of specks away from the digit; (H, W) -> (H, W).

    Groups the ink into connected components on a coarse grid (which joins broken strokes),
    keeps the heaviest, pieces near it with at least 5% of its ink, and others with 30%.
    """
    factor = math.ceil(max(ink.shape) / 128)
    mass = _block_stats(ink, None, factor)
    labels = _components(_grid_filter(mass > 0, np.max))
    weights = np.bincount(labels.ravel(), mass.ravel())
    weights[0] = 0
    main = int(weights.argmax())
    near = _box(labels == main)
    size = max(near[1] - near[0], near[3] - near[2]) // 2
    near = (near[0] - size, near[1] + size, near[2] - size, near[3] + size)
    keep = np.zeros(len(weights), bool)
    for label in np.flatnonzero(weights):
        y0, y1, x0, x1 = _box(labels == label)
        inside = y0 >= near[0] and y1 <= near[1] and x0 >= near[2] and x1 <= near[3]
        keep[label] = weights[label] >= (0.05 if inside else 0.3) * weights[main]
    mask = np.repeat(np.repeat(keep[labels], factor, 0), factor, 1)
    return ink * mask[: ink.shape[0], : ink.shape[1]]


def thicken(ink):
    """Widen strokes that would come out thinner than MNIST's at 20x20; (H, W) -> (h, w) crop."""
    y0, y1, x0, x1 = _box(ink > 0)
    side = max(y1 - y0, x1 - x0)
    solid = ink[y0:y1, x0:x1] > 0.5
    edges = np.abs(np.diff(np.pad(solid, 1).astype(np.int8), axis=0)).sum() + np.abs(
        np.diff(np.pad(solid, 1).astype(np.int8), axis=1)).sum()
    width = 2 * solid.sum() / max(edges * math.pi / 4, 1)
    radius = int(round((STROKE_RATIO * side - width) / 2)) if side >= 2 * BOX else 0
    crop = np.pad(ink[y0:y1, x0:x1], max(radius, 0))
    for _ in range(max(radius, 0)):
        crop = _grid_filter(crop, np.max)
    return crop


def mnist_field(ink):
    """The MNIST recipe: crop to the ink, fit the longer side to 20, centre by mass; -> (28, 28)."""
    y0, y1, x0, x1 = _box(ink > 0)
    crop = ink[y0:y1, x0:x1].astype(np.float32)
    scale = BOX / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    digit = np.clip(np.asarray(Image.fromarray(crop, "F").resize(size, Image.LANCZOS)), 0.0, 1.0)
    strokes = digit[digit > 0.1]
    if strokes.size:
        digit = np.clip(digit / max(float(np.percentile(strokes, NORM)), 0.2), 0.0, 1.0)
    return center_by_mass(digit)


def center_by_mass(digit):
    """Paste a (h, w) digit, h and w <= 28, in a 28x28 field with its centre of mass at (14, 14)."""
    h, w = digit.shape
    total = digit.sum()
    cy = (digit.sum(1) @ np.arange(h)) / total
    cx = (digit.sum(0) @ np.arange(w)) / total
    top = int(np.clip(round(FIELD / 2 - cy), 0, FIELD - h))
    left = int(np.clip(round(FIELD / 2 - cx), 0, FIELD - w))
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + h, left : left + w] = digit
    return field


def _block_stats(image, percentile, cell=None):
    """Per-block percentile (or sum if percentile is None) over cells; (H, W) -> (H/cell, W/cell)."""
    cell = cell or _cell(image.shape)
    h, w = (-(-s // cell) * cell for s in image.shape)
    padded = np.pad(image, ((0, h - image.shape[0]), (0, w - image.shape[1])), mode="edge" if percentile else "constant")
    blocks = padded.reshape(h // cell, cell, w // cell, cell).swapaxes(1, 2).reshape(h // cell, w // cell, -1)
    return blocks.sum(-1) if percentile is None else np.percentile(blocks, percentile, axis=-1).astype(np.float32)


def _cell(shape):
    """Side of the square blocks, in pixels, in which the paper's brightness is estimated."""
    return max(2, math.ceil(max(shape) / 16))


def _grid_filter(grid, reduce):
    """3x3 min or max filter (``reduce`` is np.min or np.max) with edge padding; shape kept."""
    padded = np.pad(grid, 1, mode="edge")
    h, w = grid.shape
    return reduce([padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)], axis=0)


def _upsample(grid, shape):
    """Bilinear upsampling of a coarse grid of cell values to ``shape`` (H, W)."""
    cell = _cell(shape)
    big = Image.fromarray(grid.astype(np.float32), "F").resize((grid.shape[1] * cell, grid.shape[0] * cell), Image.BILINEAR)
    return np.asarray(big)[: shape[0], : shape[1]]


def _components(mask):
    """8-connected component labels (0 = background, 1.. = components) of a small bool grid."""
    labels = np.where(mask, np.arange(1, mask.size + 1).reshape(mask.shape), 0)
    while True:
        spread = np.where(mask, _grid_filter(labels, np.max), 0)
        if np.array_equal(spread, labels):
            return labels
        labels = spread


def _box(mask):
    """Bounding box (y0, y1, x0, x1), end-exclusive, of the True cells of a 2-D mask."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        raise ImageError("no digit found: the image is empty or has no ink that stands out from the paper")
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
