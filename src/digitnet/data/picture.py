"""Read a user's picture (a file, its bytes, a PIL image or a NumPy array) as gray levels 0..1.

Reads PNG, JPEG, GIF, BMP, TIFF and WebP (no other of Pillow's formats: some call out to other
programs); turns photos upright by their EXIF orientation; an animated GIF, PNG or WebP gives
its first frame, the picture a viewer shows when it is not playing. Palette, 1-bit, 16-bit,
CMYK and transparent images become gray (see ``to_gray`` for transparency). A file is
untrusted: its size and its pixel count (read from its header) are checked before it is
decoded. Big pictures are shrunk on reading so that their longer side is at most
``WORK_SIDE`` pixels: a phone photo's detail is far beyond what a 28x28 digit needs.
Every failure is an ``ImageError`` with one sentence saying what was wrong.
"""

import io
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

# the *ImagePlugin modules: the formats read, registered without loading all of Pillow's others
from PIL import (  # noqa: F401
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from ..files import TooBig, UnreadableFile, read_regular

WORK_SIDE = 600        # longest side, in pixels, at which the ink is found
MIN_CONTRAST = 0.04    # ink must differ from the paper by this, its strongest part by twice this
MAX_FILE_BYTES = 50_000_000  # a phone photo takes 2 to 20 MB
MAX_PIXELS = 50_000_000      # decoded (a big JPEG is decoded at 1/2..1/8 scale, so counts less)
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")  # JPEG includes MPO, as many phones write
SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\0", b"MM\0*")  # how most of those files begin
READ_AS = {"1": "L", "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB", "RGBX": "RGB"}  # else RGBA


class ImageError(ValueError):
    """An image that cannot be read, or that holds no digit to prepare: ``problem``, what is wrong, and ``advice``,
    what to do about it when the image's own words can say (else None). Its text is the two joined by "; "."""

    def __init__(self, problem: str, advice: str | None = None):
        super().__init__(f"{problem}; {advice}" if advice else problem)
        self.problem, self.advice = problem, advice


class NoDigitError(ImageError):
    """An image that was read, but holds no digit: nothing stands out from the paper, or too little to be one."""


def load_image(source: Any) -> np.ndarray:
    """Open an image file (a path, or the file's bytes): decoded, at reduced scale for big JPEGs,
    and turned upright by its EXIF orientation; the first frame of an animation."""
    if isinstance(source, (bytes, bytearray)):
        name, data = "the image", bytes(source)
    else:
        name, data = str(source), _read_file(Path(source))
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(name, len(data))
    damaged = ImageError(f"{name} is truncated or damaged and cannot be decoded", "save or copy it again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns of damage it skips; MAX_PIXELS replaces its bomb warning
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG only: decode gray at 1/2..1/8 scale
            _check_pixels(image, name)
            image.load()
            return _upright(image)
    except ImageError:
        raise
    except Image.UnidentifiedImageError:
        if data.startswith(SIGNATURES) or data[8:12] == b"WEBP":
            raise damaged from None
        raise ImageError(f"{name} is not a PNG, JPEG, GIF, BMP, TIFF or WebP image", "save it as PNG or JPEG") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name} has more than {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels, far more than a photo "
                         f"of a digit needs", "resize it first") from None
    except Exception:  # Pillow reports damage as OSError, SyntaxError, ValueError, EOFError, struct.error...
        raise damaged from None


def _read_file(path):
    """The bytes of an image file no bigger than MAX_FILE_BYTES (a regular file: a pipe is never waited on)."""
    try:
        return read_regular(path, MAX_FILE_BYTES, "image file")
    except TooBig as error:
        raise _too_big(path, error.size) from None
    except UnreadableFile as error:
        raise ImageError(str(error), "give the name of an image file") from None


def _too_big(name, size):
    return ImageError(f"{name} is {size / 1e6:.1f} MB, more than the {MAX_FILE_BYTES / 1e6:.0f} MB a photo "
                      f"of a digit needs", "resize it or save it as JPEG")


def _check_pixels(image, name):
    if image.width * image.height > MAX_PIXELS:
        raise ImageError(f"{name} is {image.width}x{image.height} pixels, more than the {MAX_PIXELS:,} a photo "
                         f"of a digit needs", "resize it first")


def _upright(image):
    """The image turned by its EXIF orientation; as it is if its EXIF data is damaged (it is optional)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # Pillow's EXIF parser raises many kinds of errors on bad data
        return image


def image_pixels(image):
    """A PIL image as float32 0..1, (H, W) or (H, W, C) with C = 2 (gray, alpha), 3 or 4, shrunk
    by a whole factor so that its longer side is at most WORK_SIDE."""
    if image.width == 0 or image.height == 0:
        raise ImageError(f"the image is empty ({image.width}x{image.height} pixels)")
    _check_pixels(image, "the image")
    try:
        image.load()  # an image opened but not decoded yet is decoded here
    except Exception:
        raise ImageError("the image is truncated or damaged and cannot be decoded", "save or copy it again") from None
    sixteen_bit = image.mode.startswith("I;16")
    if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        try:
            image = image.convert("I" if sixteen_bit else READ_AS.get(image.mode, "RGBA"))
        except ValueError:
            raise ImageError(f"Pillow's {image.mode} images are not supported", "save it as PNG or JPEG") from None
    if max(image.size) > WORK_SIDE:
        image = image.reduce(math.ceil(max(image.size) / WORK_SIDE))
    pixels = np.asarray(image, dtype=np.float32)
    if not np.isfinite(pixels).all():
        raise ImageError("the image holds NaN or infinite values")
    if image.mode == "F" and pixels.max() <= 1:
        return np.clip(pixels, 0.0, 1.0)
    return np.clip(pixels / (65535.0 if sixteen_bit or pixels.max() > 255 else 255.0), 0.0, 1.0)


def array_pixels(array):
    """A NumPy image as float32 0..1 like ``image_pixels``: (H, W) gray or (H, W, 2|3|4), values
    uint8 0..255, uint16 0..65535 or float 0..1."""
    if array.ndim == 1 and array.size == 28 * 28:
        raise ImageError(f"expected a 2-D image array, got a flat row of {array.size}", "reshape it to (28, 28)")
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
        raise NoDigitError("no digit found: the image is fully transparent")
    strokes_are_dark = (gray * alpha).sum() / alpha.sum() < 0.5
    paper = 1.0 if alpha.mean() >= 0.5 or strokes_are_dark else 0.0
    return alpha * gray + (1.0 - alpha) * paper
