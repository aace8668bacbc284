"""Read a user's picture (a file, a PIL image or a NumPy array) as gray levels 0..1.

Handles PNG, JPEG and whatever else Pillow opens; EXIF rotation; palette, 16-bit, CMYK
and transparent images. Big pictures are shrunk on reading so that their longer side is at
most ``WORK_SIDE`` pixels: a phone photo's detail is far beyond what a 28x28 digit needs.
Every failure is an ``ImageError`` with one sentence saying what was wrong.
"""

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

WORK_SIDE = 600        # longest side, in pixels, at which the ink is found
MIN_CONTRAST = 0.04    # ink must differ from the paper by this, its strongest part by twice this


class ImageError(ValueError):
    """An image that cannot be read, or that holds no digit to prepare."""


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
    """A PIL image as float32 0..1, (H, W) or (H, W, C) with C = 2 (gray, alpha), 3 or 4, shrunk
    by a whole factor so that its longer side is at most WORK_SIDE."""
    if image.width == 0 or image.height == 0:
        raise ImageError(f"the image is empty ({image.width}x{image.height} pixels)")
    sixteen_bit = image.mode.startswith("I;16")
    if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        target = "I" if sixteen_bit else "L" if image.mode == "1" else "RGB" if image.mode == "CMYK" else "RGBA"
        try:
            image = image.convert(target)
        except ValueError:
            raise ImageError(f"Pillow's {image.mode} images are not supported; save it as PNG or JPEG") from None
    if max(image.size) > WORK_SIDE:
        image = image.reduce(math.ceil(max(image.size) / WORK_SIDE))
    pixels = np.asarray(image, dtype=np.float32)
    if image.mode == "F" and pixels.max() <= 1:
        return np.clip(pixels, 0.0, 1.0)
    return pixels / (65535.0 if sixteen_bit or pixels.max() > 255 else 255.0)


def array_pixels(array):
    """A NumPy image as float32 0..1 like ``image_pixels``: (H, W) gray or (H, W, 2|3|4), values
    uint8 0..255, uint16 0..65535 or float 0..1."""
    if array.ndim == 1 and array.size == 28 * 28:
        raise ImageError(f"expected a 2-D image array, got a flat row of {array.size}; reshape it to (28, 28)")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        raise ImageError(f"expected a 2-D gray or 3-D RGB/RGBA image array, got shape {array.shape}")
    if array.size == 0 or array.dtype.kind not in "biuf":
        raise ImageError(f"expected a non-empty array of numbers, got {array.dtype} of shape {array.shape}")
    if array.dtype == np.uint8 and (array.ndim == 2 or array.shape[2] in (3, 4)):
        return image_pixels(Image.fromarray(array))
    pixels = np.atleast_3d(np.asarray(array, dtype=np.float32))
    if not np.isfinite(pixels).all():
        raise ImageError("the image array holds NaN or infinite values")
    if array.dtype.kind in "iu" or pixels.max() > 1.0:
        pixels = pixels / (65535.0 if array.dtype.itemsize > 1 and pixels.max() > 255 else 255.0)
    if max(pixels.shape[:2]) > WORK_SIDE:
        factor = math.ceil(max(pixels.shape[:2]) / WORK_SIDE)
        channels = (Image.fromarray(np.ascontiguousarray(pixels[..., c]), "F") for c in range(pixels.shape[2]))
        pixels = np.stack([np.asarray(channel.reduce(factor)) for channel in channels], -1)
    return np.clip(pixels[..., 0] if pixels.shape[2] == 1 else pixels, 0.0, 1.0)


def to_gray(pixels):
    """Gray 0..1, (H, W), from (H, W) or (H, W, C) pixels; transparency is composited away.

    Strokes on a mostly transparent canvas go onto a background that contrasts with them
    (white under dark strokes, black under light ones); otherwise transparency becomes white.
    """
    if pixels.ndim == 2:
        return pixels
    color, alpha = (pixels, None) if pixels.shape[2] == 3 else (pixels[..., :-1], pixels[..., -1])
    gray = color[..., 0] if color.shape[2] == 1 else color @ np.float32([0.299, 0.587, 0.114])
    if alpha is None or alpha.min() >= 0.99:
        return gray
    if alpha.max() < MIN_CONTRAST:
        raise ImageError("no digit found: the image is fully transparent")
    strokes_are_dark = (gray * alpha).sum() / alpha.sum() < 0.5
    paper = 1.0 if alpha.mean() >= 0.5 or strokes_are_dark else 0.0
    return alpha * gray + (1.0 - alpha) * paper
