"""Random distortions of the training images: each epoch sees every digit written a little differently.

MNIST is other people's handwriting, written and prepared one particular way; a drawing on the
page or a photo is slanted, sized and stroked differently. Training on digits that are randomly
rotated, scaled, thickened or thinned and elastically distorted (Simard, Steinkraus and Platt,
2003, "Best practices for convolutional neural networks applied to visual document analysis")
teaches the network handwriting MNIST does not hold.

Each image is resampled once, bilinearly: its strokes are first thickened (blended towards a
grayscale dilation, the brightest of each pixel and its four neighbours) or thinned (towards an
erosion, the darkest), then output pixel p reads the source at c + M (p - c) + d(p), with c the
image's centre, M the inverse of a random rotation and scaling, and d a smooth random displacement
field. Simard smooths a field of uniform noise with a Gaussian (sigma 4 px, then times alpha 34:
displacements of about 1.4 px); here the noise is drawn on a coarse grid of nodes ``sigma`` apart and
spread to the pixels by Gaussian weights (two small matrix products an image, not a 28x28
convolution), scaled so each pixel's displacement has a standard deviation of ``elastic`` pixels.
Left out: shearing (the elastic field and the separate x and y scales stand in for it), and
re-centring the distorted digit by its mass (the shifts of ``max_shift`` do the opposite).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK = 256  # images resampled at a time: small temporary arrays are reused, large ones page-fault afresh


@dataclass(frozen=True)
class Distortions:
    """How strong each random distortion is; each is drawn anew for every image and epoch.

    ``rotation``: degrees, uniform from -rotation to +rotation. ``scale``: each axis is scaled by
    a factor uniform in 1 +- scale. ``thickness``: strokes blended towards their dilation (up to
    +thickness) or erosion (down to -thickness), uniform. ``elastic``: the standard deviation in
    pixels of the smooth displacement field, whose smoothness is ``sigma`` pixels. ``share``: the
    share of the images distorted each epoch (the rest are kept as they are).
    """

    rotation: float = 15.0
    scale: float = 0.15
    thickness: float = 0.5
    elastic: float = 1.4
    sigma: float = 4.0
    share: float = 1.0


class RandomDistortion:
    """Distorts every image of X (n, side*side) as ``distortions`` says, and moves it by up to ``max_shift``
    whole pixels up/down and left/right (as ``RandomShift`` does), in one resampling.

    ``__call__(rng)`` returns an array shaped like X, distorted afresh; it is the same array each time,
    overwritten (a new 188 MB one every epoch costs page faults).
    """

    def __init__(self, X, distortions: Distortions = Distortions(), max_shift: int = 0):
        n, n_pixels = X.shape
        side = int(round(n_pixels ** 0.5))
        if side * side != n_pixels:
            raise ValueError(f"distorting needs square images, but each example has {n_pixels} values")
        self.X, self.side, self.distortions, self.max_shift = X, side, distortions, max_shift
        self.distorted = np.empty_like(X)
        self.nodes = elastic_nodes(side, distortions.sigma)
        self.nodes_shape = (self.nodes[0].shape[1], self.nodes[1].shape[1])

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        X, out, d, side = self.X, self.distorted, self.distortions, self.side
        n = len(X)
        if d.share < 1:
            chosen = np.flatnonzero(rng.random(n) < d.share)
            out[...] = X
        for start in range(0, n if d.share >= 1 else len(chosen), CHUNK):
            # slices where every image is distorted: a fancy index copies
            rows = slice(start, min(start + CHUNK, n)) if d.share >= 1 else chosen[start:start + CHUNK]
            images = X[rows]
            m = len(images)
            angle = np.radians(rng.uniform(-d.rotation, d.rotation, m))
            scales = rng.uniform(1 - d.scale, 1 + d.scale, (m, 2))
            thickness = rng.uniform(-d.thickness, d.thickness, m)
            noise = rng.standard_normal((m, 2, *self.nodes_shape), dtype=np.float32)
            shifts = rng.integers(-self.max_shift, self.max_shift + 1, (m, 2)) if self.max_shift else None
            thick = thicken(images.reshape(m, side, side), thickness) if d.thickness else images.reshape(m, side, side)
            field = elastic_field(noise, self.nodes) * np.float32(d.elastic) if d.elastic else None
            out[rows] = warp(thick, inverse_matrices(angle, scales), field, shifts).reshape(m, side * side)
        return out


def thicken(images, amounts):
    """Images (m, h, w) with strokes blended towards their dilation by ``amounts`` (m,) > 0 (thicker), towards
    their erosion by -amounts for amounts < 0 (thinner); each neighbourhood is a pixel and its four neighbours."""
    amounts = np.asarray(amounts, dtype=images.dtype)
    thickened = images.copy()
    for rows, extreme in ((np.flatnonzero(amounts > 0), np.maximum), (np.flatnonzero(amounts < 0), np.minimum)):
        chosen = images[rows]
        padded = np.pad(chosen, ((0, 0), (1, 1), (1, 1)), mode="edge")
        around = extreme(extreme(padded[:, :-2, 1:-1], padded[:, 2:, 1:-1]),
                         extreme(padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]))
        extreme(around, chosen, out=around)  # the pixel itself too
        weight = np.abs(amounts[rows])[:, None, None]
        thickened[rows] = chosen + weight * (around - chosen)
    return thickened


def inverse_matrices(angle, scales):
    """(m, 2, 2): for each image, the matrix from an output pixel's (y, x) offset from the centre to its source's:
    the inverse of a rotation by ``angle`` (m,) radians counter-clockwise as seen, after scaling y and x by
    ``scales`` (m, 2)."""
    cos, sin = np.cos(angle), np.sin(angle)
    # the forward map, rows (y, x): y' = cos y - sin x, x' = sin y + cos x (counter-clockwise with y down)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    forward = rotation * scales[:, None, :]
    return np.linalg.inv(forward).astype(np.float32)


def elastic_nodes(side, sigma):
    """(K_y, K_x), each (side, k): Gaussian weights (spread ``sigma``) from each pixel row (column) to k nodes spaced
    sigma apart, a margin of sigma beyond the image; each row's squares add up to 1, so that standard normal
    noise at the nodes gives each pixel a displacement of standard deviation 1."""
    spacing = max(float(sigma), 1.0)
    nodes = np.arange(-spacing, side - 1 + 2 * spacing, spacing)
    weights = np.exp(-0.5 * ((np.arange(side)[:, None] - nodes[None, :]) / spacing) ** 2)
    weights /= np.sqrt((weights ** 2).sum(axis=1, keepdims=True))
    weights = weights.astype(np.float32)
    return weights, weights


def elastic_field(noise, nodes):
    """(m, 2, side, side) displacements (dy, dx) from ``noise`` (m, 2, k, k) at the nodes: K_y noise K_x^T."""
    k_y, k_x = nodes
    m, _, rows, columns = noise.shape
    height, width = len(k_y), len(k_x)
    across = (noise.reshape(-1, columns) @ k_x.T).reshape(m * 2, rows, width)                      # noise K_x^T
    field = (across.transpose(0, 2, 1).reshape(-1, rows) @ k_y.T).reshape(m, 2, width, height)  # its transpose
    return field.transpose(0, 1, 3, 2)


def warp(images, inverse, field=None, shifts=None):
    """Resample images (m, h, w), bilinearly: output pixel p reads c + inverse (p - c) + field(p) - shift, with
    c the centre, ``inverse`` (m, 2, 2) as ``inverse_matrices`` gives it, ``field`` (m, 2, h, w) or None, and
    ``shifts`` (m, 2) whole pixels (y, x) or None. Outside the image reads 0. Returns (m, h, w)."""
    m, h, w = images.shape
    # zeros around each image (one row and column before it, two after), where sources outside it are clipped to
    padded = np.pad(images, ((0, 0), (1, 2), (1, 2)))
    width, size = w + 3, (h + 3) * (w + 3)
    flat = padded.reshape(-1)
    # each padded pixel with its right, lower and lower-right neighbours: one gather fetches all four
    quads = np.stack([flat[:-width - 1], flat[1:-width], flat[width:-1], flat[width + 1:]], axis=1)
    y = np.arange(h, dtype=np.float32)[:, None] - np.float32((h - 1) / 2)
    x = np.arange(w, dtype=np.float32)[None, :] - np.float32((w - 1) / 2)
    centre_y, centre_x = np.float32((h - 1) / 2 + 1), np.float32((w - 1) / 2 + 1)  # +1: the padding
    if shifts is not None:
        centre_y = centre_y - shifts[:, 0, None, None].astype(np.float32)
        centre_x = centre_x - shifts[:, 1, None, None].astype(np.float32)
    a = inverse.astype(np.float32)[:, :, :, None, None]
    source_y = (a[:, 0, 0] * y + centre_y) + a[:, 0, 1] * x  # (m, h, 1) + (m, 1, w): one pass over (m, h, w)
    source_x = (a[:, 1, 0] * y + centre_x) + a[:, 1, 1] * x
    if field is not None:
        source_y += field[:, 0]
        source_x += field[:, 1]
    np.clip(source_y, 0, h + 1, out=source_y)
    np.clip(source_x, 0, w + 1, out=source_x)
    top, left = np.floor(source_y), np.floor(source_x)
    down, across = source_y - top, source_x - left
    corner = top * np.float32(width) + left + (np.arange(m, dtype=np.float32) * size)[:, None, None]
    near = quads.take(corner.astype(np.int32).reshape(-1), axis=0).reshape(m, h, w, 4)
    across = across.astype(images.dtype)
    upper = near[..., 0] + (near[..., 1] - near[..., 0]) * across
    lower = near[..., 2] + (near[..., 3] - near[..., 2]) * across
    warped = upper + (lower - upper) * down.astype(images.dtype)
    return np.clip(warped, 0, 1, out=warped)  # a weighted mean of 0..1, give or take a rounding
