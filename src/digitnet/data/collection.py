"""The digits a user keeps: PNGs in a folder per digit, ``my-digits/7/20261207-182233-3f2a.png``.

The layout is the one torchvision's ``ImageFolder`` and Keras' ``image_dataset_from_directory``
read, so the collection is useful outside digitnet too; ``digitnet evaluate --images`` and
``train --also`` read it like any labelled folder. Each kept digit is an 8-bit grayscale PNG,
dark ink on white, checked to hold a digit before it is written, written whole or not at all,
and never over another. The collection knows its own files by their names (the ones ``keep``
makes): anything else in the folder is left alone, never listed, read or deleted.
"""

import io
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..files import write_atomically
from .folder import LabelledImages, read_images
from .image import ink_is_light, prepare_image
from .picture import MAX_PIXELS, WORK_SIDE, ImageError, image_pixels, load_image, to_gray

MY_DIGITS = "my-digits"  # the collection's folder inside $DIGITNET_HOME
NAME = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4}\.png")  # the names keep makes: when, and 4 random hex digits


class CollectionError(ValueError):
    """A digit that cannot be kept, or a kept digit that is not there; the message is one sentence."""


@dataclass(frozen=True)
class Kept:
    """A kept digit: its ``digit`` 0..9, its file's ``name`` and ``path``."""

    digit: int
    name: str
    path: Path


class Collection:
    """The kept digits in ``folder`` (such as ``home() / MY_DIGITS``), which is made on the first ``keep``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._rows = {}  # (path, size, mtime) -> its prepared (784,) row: the gallery asks again and again

    def keep(self, image, digit: int) -> Kept:
        """Keep ``image`` as a ``digit``: a (H, W) float array, ink 1.0 on paper 0.0 (a drawing), or an image
        file's bytes or path. CollectionError, with nothing written, if it holds no digit or cannot be read."""
        digit = _check_digit(digit)
        gray = _gray(image)
        png = _png(gray)
        try:
            prepare_image(png)
        except ImageError as error:
            raise CollectionError(_not_kept(image, error)) from None
        place = self.folder / str(digit)
        place.mkdir(parents=True, exist_ok=True)
        name = _write_new(place, png)
        return Kept(digit, name, place / name)

    def all(self) -> list[Kept]:
        """Every kept digit, sorted by digit, then name."""
        kept = []
        for digit in range(10):
            place = self.folder / str(digit)
            try:
                names = sorted(os.listdir(place))
            except OSError:  # no such digit yet (or not a folder we can read: nothing of ours in it)
                continue
            kept += [Kept(digit, name, place / name) for name in names
                     if NAME.fullmatch(name) and (place / name).is_file()]
        return kept

    def counts(self) -> list[int]:
        """How many digits of each kind 0..9 are kept."""
        counts = [0] * 10
        for kept in self.all():
            counts[kept.digit] += 1
        return counts

    def get(self, digit: int, name: str) -> Kept:
        """The kept ``digit`` named ``name``; CollectionError if there is none (or the name is not one keep makes)."""
        digit = _check_digit(digit)
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise CollectionError(f"{name!r} is not the name of a kept digit (they look like "
                                  f"20261207-182233-3f2a.png); see `digitnet digits list`")
        path = self.folder / str(digit) / name
        if not path.is_file():
            raise CollectionError(f"there is no kept {digit} named {name} in {self.folder}; "
                                  f"see `digitnet digits list`")
        return Kept(digit, name, path)

    def delete(self, digit: int, name: str) -> None:
        """Delete the kept ``digit`` named ``name``; CollectionError if there is none."""
        kept = self.get(digit, name)
        try:
            kept.path.unlink()
        except FileNotFoundError:
            raise CollectionError(f"there is no kept {digit} named {name} in {self.folder} (it was just deleted); "
                                  f"see `digitnet digits list`") from None
        self._rows = {key: row for key, row in self._rows.items() if key[0] != kept.path}

    def labelled(self) -> LabelledImages:
        """The kept digits as labelled images (none: zero rows); FolderError if a kept file was damaged since."""
        listing = [(kept.path, kept.digit) for kept in self.all()]
        return read_images(listing, self.folder, self._prepared)

    def _prepared(self, path):
        status = path.stat()
        key = (path, status.st_size, status.st_mtime_ns)
        if key not in self._rows:
            self._rows = {known: row for known, row in self._rows.items() if known[0] != path}
            self._rows[key] = prepare_image(path)
        return self._rows[key]


def _check_digit(digit):
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit <= 9:
        raise CollectionError(f"a kept digit is 0 to 9, not {digit!r}")
    return int(digit)


def _not_kept(image, error):
    """The sentence for an image that is not kept: what it is, what was wrong, and what to do."""
    message = str(error)
    advice = "" if error.advice else ("; draw a digit first" if isinstance(image, np.ndarray) else
                                      "; give an image of one digit")
    if isinstance(image, (str, os.PathLike)) and str(image) in message:
        return f"not kept: {message}{advice}"
    what = str(image) if isinstance(image, (str, os.PathLike)) else \
        "the drawing" if isinstance(image, np.ndarray) else "the image"
    return f"{what} was not kept: {message}{advice}"


def _gray(image):
    """The image as gray 0..1, (H, W), dark ink on white paper, no bigger than the preparation reads."""
    if isinstance(image, np.ndarray):
        if image.ndim != 2 or image.size == 0 or image.dtype.kind not in "biuf":
            raise CollectionError(f"a drawing to keep is a 2-D array of ink 0..1, not {image.dtype} of shape "
                                  f"{image.shape}")
        if image.size > MAX_PIXELS or max(image.shape) > 4 * WORK_SIDE:
            raise CollectionError(f"a drawing of {image.shape[1]}x{image.shape[0]} pixels is too big to keep; "
                                  f"keep it at most {4 * WORK_SIDE} pixels a side")
        ink = image.astype(np.float32)
        if not np.isfinite(ink).all():
            raise CollectionError("the drawing holds NaN or infinite values; it was not kept")
        return 1.0 - np.clip(ink, 0.0, 1.0)
    if not isinstance(image, (str, os.PathLike, bytes, bytearray)):
        raise CollectionError(f"expected a drawing (an array), an image file's bytes or its path, "
                              f"not {type(image).__name__}")
    try:
        gray = to_gray(image_pixels(load_image(image)))  # shrunk to WORK_SIDE, as the preparation reads it
    except ImageError as error:
        raise CollectionError(_not_kept(image, error)) from None
    return 1.0 - gray if ink_is_light(gray) else gray  # chalk on a board is kept as dark on white


def _write_new(place, png):
    """Write the bytes ``png`` whole into ``place`` under a new name that keep makes, and return the name; never
    over another file, even one that another keep (a thread, another process) gives the same name meanwhile."""
    staged = write_atomically(place / f".keeping-{secrets.token_hex(8)}.png", lambda file: file.write(png))
    try:
        while True:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}.png"
            try:
                os.link(staged, place / name)  # fails if the name is taken: never over another kept digit
                return name
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links (FAT, some network mounts): check, then rename
                if not os.path.lexists(place / name):
                    os.replace(staged, place / name)
                    return name
    finally:
        staged.unlink(missing_ok=True)


def _png(gray):
    """An 8-bit grayscale PNG of gray 0..1, (H, W)."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(gray * 255).astype(np.uint8), "L").save(buffer, "PNG")
    return buffer.getvalue()
