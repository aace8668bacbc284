"""Read a folder of labelled digit images: a folder per digit, or a labels.csv.

Two layouts, the ones other tools read too:

- a folder per digit, ``DIR/0`` ... ``DIR/9``, each holding that digit's images (in subfolders
  too), as torchvision's ``ImageFolder`` and Keras' ``image_dataset_from_directory`` read it;
- ``DIR/labels.csv``, rows of ``file,label`` (the file's path relative to DIR, or absolute; a first row of names,
  such as ``file,label``, is allowed). When it is there it alone says what is read.

Hidden files (dotfiles), README* and LICENSE* files, and labels.csv itself are passed over.
Everything else must be an image of one digit: anything wrong (a folder that is missing or
empty, a subfolder not named 0-9, a link from a digit's folder back up to DIR or into another
digit's folder, a file that is not an image, an image too big or with no digit in it, a bad row
of labels.csv, too many files) is a ``FolderError`` with one sentence
naming the path, before anything is returned. Nothing on disk is touched.
"""

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import UnreadableFile, read_regular
from .image import prepare_image
from .picture import ImageError

MAX_FILES = 100_000          # far more digits than a person draws; MNIST's training set is 60,000
MAX_LABELS_BYTES = 20_000_000  # labels.csv: 100,000 rows of long names
LABELS = "labels.csv"
DIGITS = tuple("0123456789")  # the names of the digits' folders, and the labels
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
SHORT_LAYOUTS = "a folder per digit, named 0 to 9, or a labels.csv of file,label rows"
HEADER_WORDS = ("label", "labels", "digit", "class", "target", "y")
LAYOUTS = ("put each digit's images in a folder named for it (DIR/0 ... DIR/9), or list them in DIR/labels.csv "
           "as rows of file,label")


class FolderError(ValueError):
    """A labelled folder that cannot be read: the message is one sentence naming the path and what to do."""


@dataclass(frozen=True)
class LabelledImages:
    """Images and their digits: ``paths`` (n,) in a stable order (digit, then name), ``labels`` (n,) int64
    0..9, ``X`` (n, 784) float32, each image prepared the MNIST way."""

    paths: tuple[Path, ...]
    labels: np.ndarray
    X: np.ndarray

    def __len__(self) -> int:
        return len(self.paths)

    def counts(self) -> list[int]:
        """How many images of each digit 0..9."""
        return np.bincount(self.labels, minlength=10)[:10].tolist()


def read_labelled_folder(folder, prepare: Callable = prepare_image,
                         progress: Callable[[int, int], None] | None = None) -> LabelledImages:
    """The images of ``folder`` and their digits, each prepared by ``prepare`` (path -> (784,) row);
    ``progress(done, total)``, if given, is called after each image. FolderError when anything is wrong."""
    return read_images(list_labelled_images(folder), folder, prepare, progress)


def read_images(listing, folder, prepare: Callable = prepare_image,
                progress: Callable[[int, int], None] | None = None) -> LabelledImages:
    """LabelledImages of ``listing``, a list of (path, digit) in ``folder``; FolderError naming the first
    image that cannot be prepared."""
    X = np.zeros((len(listing), 784), np.float32)
    for i, (path, _) in enumerate(listing):
        try:
            X[i] = prepare(path)
        except ImageError as error:
            raise FolderError(_image_sentence(folder, path, error)) from None
        if progress is not None:
            progress(i + 1, len(listing))
    labels = np.array([digit for _, digit in listing], dtype=np.int64)
    return LabelledImages(tuple(path for path, _ in listing), labels, X)


def _image_sentence(folder, path, error):
    """The sentence for an image of the folder that cannot be read: what is wrong with it, naming it,
    and what to do (the image's own advice if it has some, else to take it out)."""
    message = str(error)
    if str(path) not in message:
        message = f"{path}: {message}"
    advice = "" if error.advice else f"; take it out of {folder}, or replace it"
    return f"cannot read the labelled images in {folder}: {message}{advice}"


def list_labelled_images(folder) -> list[tuple[Path, int]]:
    """(path, digit) of each image in ``folder``, sorted by digit, then name; nothing is opened but
    labels.csv. FolderError when the folder or its layout is wrong."""
    folder = Path(folder)
    if not folder.exists():
        raise FolderError(f"{folder} does not exist; give a folder of labelled digit images ({SHORT_LAYOUTS})")
    if not folder.is_dir():
        raise FolderError(f"{folder} is a file, not a folder; give a folder of labelled digit images "
                          f"({SHORT_LAYOUTS})")
    labels_file = folder / LABELS
    listing = _read_labels(folder, labels_file) if os.path.lexists(labels_file) else _digit_folders(folder)
    if not listing:
        raise FolderError(f"{folder} holds no images; {_layouts(folder)}")
    return sorted(listing, key=lambda item: (item[1], str(item[0])))


def _layouts(folder):
    return LAYOUTS.replace("DIR", str(folder))


def ignored(name: str) -> bool:
    """Whether a file of a labelled folder is passed over: hidden, a README or LICENSE, or labels.csv."""
    upper = name.upper()
    return name.startswith(".") or upper.startswith(("README", "LICENSE")) or name == LABELS


def _entries(folder):
    """The entries of ``folder`` not passed over, sorted by name."""
    try:
        with os.scandir(folder) as entries:
            return sorted((entry for entry in entries if not ignored(entry.name)), key=lambda entry: entry.name)
    except OSError as error:
        raise FolderError(f"cannot look into {folder} ({error.strerror or error}); check its permissions") from None


def _is_dir(entry):
    """Whether the os.DirEntry ``entry`` is a folder, or a link to one; a link round in a loop is not (reading it
    as an image says what it is)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _digit_folders(folder):
    """The listing of a folder per digit: every entry must be a folder named 0-9, every file in them an image."""
    listing = []
    for entry in _entries(folder):
        path = Path(entry.path)
        if not _is_dir(entry):
            raise FolderError(f"{path} is not in a digit's folder, so its digit is unknown; move it into "
                              f"{folder / '0'} ... {folder / '9'}, or list the images in {folder / LABELS}")
        if entry.name not in DIGITS:
            raise FolderError(f"{path} is not a digit's folder: the folders in {folder} must be named 0 to 9, "
                              f"one per digit; rename or remove it")
        digit = int(entry.name)
        real, root = os.path.realpath(path), os.path.realpath(folder)
        _check_link(path, real, digit, root, os.path.join(root, entry.name))
        _walk(path, digit, listing, places=(root, real), top=folder)
    return listing


def _walk(folder, digit, listing, places, top):
    """Add the images in ``folder`` and its subfolders, however deep (a folder reached twice, through links, is
    gone into once) to ``listing``, that of the labelled folder ``top``; ``places``: the real paths of ``top``
    and of this digit's folder, which links must not leave for the rest of ``top``."""
    seen, to_visit = {places[1]}, [(folder, places[1])]
    while to_visit:
        here, here_real = to_visit.pop()
        inner = []
        for entry in _entries(here):
            path = Path(entry.path)
            if _is_dir(entry):
                real = os.path.realpath(path) if entry.is_symlink() else os.path.join(here_real, entry.name)
                _check_link(path, real, digit, *places)
                if real not in seen:
                    seen.add(real)
                    inner.append((path, real))
                continue
            if not entry.name.lower().endswith(IMAGE_SUFFIXES):
                raise FolderError(f"{path} is not an image (PNG, JPEG, GIF, BMP, TIFF or WebP, by its name); "
                                  f"take it out of {here}")
            listing.append((path, digit))
            _check_count(listing, top)
        to_visit += reversed(inner)  # the first by name is gone into first


def _check_link(path, real, digit, root, digit_folder):
    """FolderError if the folder ``path`` (real path ``real``), met in the folder of ``digit``s, leads back up to
    the labelled folder ``root`` or above, or into another digit's folder in it (a symbolic link does): the
    images there would be read as ``digit``s. ``root`` and ``digit_folder`` are real paths."""
    leads_up = _within(root, real) or (real != digit_folder and _within(digit_folder, real))
    if leads_up or (_within(real, root) and not _within(real, digit_folder)):
        raise FolderError(f"{path} leads to {real}, out of the folder of {digit}s, so the images there would be "
                          f"read as {digit}s; remove that link, or copy the images it should bring in")


def _within(inner, outer):
    """Whether the real path ``inner`` is ``outer`` or inside it."""
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def _check_count(listing, folder):
    if len(listing) > MAX_FILES:
        raise FolderError(f"{folder} holds more than {MAX_FILES:,} images, more than digitnet reads at once; "
                          f"split it into smaller folders")


def _read_labels(folder, labels_file):
    """The listing of labels.csv: rows of file,label, the first row perhaps a header."""
    try:
        text = read_regular(labels_file, MAX_LABELS_BYTES, "CSV file").decode("utf-8-sig")
    except UnreadableFile as error:
        raise FolderError(f"{error}; it should hold rows of file,label") from None
    except UnicodeDecodeError:
        raise FolderError(f"{labels_file} is not UTF-8 text; save it as a UTF-8 CSV file of file,label rows") from None
    listing, rows_of = [], {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue  # a blank line
        if number == 1 and len(cells) == 2 and cells[1].lower() in HEADER_WORDS:
            continue  # the header
        where = f"row {number} of {labels_file}"
        if len(cells) != 2 or not cells[0]:
            raise FolderError(f"{where} is {','.join(cells)!r}, not file,label; write one image's name and its "
                              f"digit on each row")
        name, label = cells
        if label not in DIGITS:
            raise FolderError(f"{where} gives {name} the label {label!r}; a label is a digit 0 to 9")
        path = folder / name
        if not _is_file(path, where):
            what = "a folder" if path.is_dir() else "not a regular file" if path.exists() else "no such file"
            raise FolderError(f"{where} names {path}, {what}; correct the row or remove it")
        if path in rows_of:
            raise FolderError(f"{where} names {path} again (row {rows_of[path]} named it already); "
                              f"give each image one row")
        if not name.lower().endswith(IMAGE_SUFFIXES):
            raise FolderError(f"{where} names {path}, which is not an image (PNG, JPEG, GIF, BMP, TIFF or WebP, "
                              f"by its name); correct the row or remove it")
        rows_of[path] = number
        listing.append((path, int(label)))
        _check_count(listing, labels_file)
    return listing


def _is_file(path, where):
    """Whether ``path``, named on a row of labels.csv (``where``), is a regular file; FolderError if it cannot be
    looked at (a name too long for the system, no permission to look into its folder)."""
    try:
        return path.is_file()
    except OSError as error:
        raise FolderError(f"{where} names {str(path)[:80]}{'...' * (len(str(path)) > 80)}, which cannot be looked "
                          f"at ({error.strerror or error}); correct the row or remove it") from None
