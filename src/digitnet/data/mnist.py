"""MNIST (or any folder of MNIST-style IDX files) as arrays the network can read.

The four MNIST files ship inside the package (``digitnet/data/mnist``), so everything
runs offline. MNIST is by Yann LeCun, Corinna Cortes and Christopher Burges, under the
Creative Commons Attribution-Share Alike 3.0 license (see that folder's README.md).
"""

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ..files import UnreadableFile, read_regular
from .idx import IDXError, read_idx

BUNDLED_DIR = Path(__file__).parent / "mnist"
MAX_SUMS = 2**16  # bytes of an MD5SUMS file (four lines take some 200)
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# MD5 of the uncompressed files, as published with MNIST
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


@dataclass
class Dataset:
    """Examples as rows: ``X`` (n, 784) float32 from 0 to 1, ``labels`` (n,) int64."""

    X: np.ndarray
    labels: np.ndarray
    n_classes: int = 10
    checksum: str = ""  # SHA-256 of the files it was read from

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def Y(self) -> np.ndarray:
        """The one-hot targets, shape (n, n_classes), same dtype as X."""
        return one_hot(self.labels, self.n_classes, dtype=self.X.dtype)

    def take(self, n: int) -> "Dataset":
        """The first ``n`` examples, as a new Dataset."""
        return Dataset(self.X[:n], self.labels[:n], self.n_classes, self.checksum)

    def split(self, n: int) -> tuple["Dataset", "Dataset"]:
        """(the first ``n`` examples, the rest), as two Datasets: a training and a validation part."""
        rest = Dataset(self.X[n:], self.labels[n:], self.n_classes, self.checksum)
        return self.take(n), rest


def one_hot(labels: ArrayLike, n_classes: int = 10, dtype: DTypeLike = np.float32) -> np.ndarray:
    """Rows of zeros with a 1 at each label: shape (n, n_classes)."""
    labels = np.asarray(labels)
    Y = np.zeros((len(labels), n_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y


def _scaled(images):
    """Images (n, h, w) of bytes as read-only rows (n, h * w) of float32 0..1, divided in place: one copy, not two."""
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255
    X.flags.writeable = False  # the images as read: a training may keep what it works out from them (``frozen``)
    return X


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.lexists(directory / name):  # read_idx says what is wrong with one that is not a file
            return directory / name
    raise IDXError(f"{directory} has no {stem} or {stem}.gz; a data folder needs the four MNIST-style IDX files")


def _read_checksums(directory):
    """Published MD5s for the bundled MNIST, or from an ``MD5SUMS`` file in the folder if it has one."""
    if os.path.realpath(directory) == os.path.realpath(BUNDLED_DIR):
        return MNIST_MD5
    sums = directory / "MD5SUMS"
    if not os.path.lexists(sums):
        return {}
    checksums = {}
    try:
        lines = read_regular(sums, MAX_SUMS).decode().splitlines()
    except (UnreadableFile, UnicodeDecodeError):
        raise IDXError(f"{sums} is not a readable text file of MD5 sums; fix or remove it") from None
    for line in lines:
        parts = line.split()
        if len(parts) == 2:
            checksums[parts[1].lstrip("*").removesuffix(".gz")] = parts[0].lower()
    return checksums


def load_mnist(directory: str | os.PathLike | None = None,
               parts: Sequence[str] = ("train", "test")) -> tuple[Dataset, ...]:
    """Return a Dataset for each of ``parts`` ("train", "test") from a folder of IDX files.

    The folder is the bundled MNIST by default. Checks each file's magic number, dimensions
    and length, and the published MD5 of the bundled files (or those listed in the folder's
    ``MD5SUMS``); raises IDXError saying what is wrong. Each Dataset's ``checksum`` is a
    SHA-256 over the contents of the files read.
    """
    directory = Path(directory) if directory is not None else BUNDLED_DIR
    if not directory.is_dir():
        raise IDXError(f"data folder {directory} does not exist or is not a folder")
    checksums = _read_checksums(directory)
    arrays, digest = {}, hashlib.sha256()
    for part in parts:
        for kind, ndim in (("images", 3), ("labels", 1)):
            stem = FILES[f"{part}_{kind}"]
            arrays[part, kind] = read_idx(_find(directory, stem), ndim, checksums.get(stem))
            digest.update(arrays[part, kind].tobytes())
        images, labels = arrays[part, "images"], arrays[part, "labels"]
        if len(images) == 0:
            raise IDXError(f"the {part} set in {directory} has no images")
        if len(images) != len(labels):
            raise IDXError(f"the {part} set has {len(images)} images but {len(labels)} labels in {directory}")
    if len({arrays[part, "images"].shape[1:] for part in parts}) > 1:
        raise IDXError(f"train and test images differ in size in {directory}")
    n_classes = int(max(arrays[part, "labels"].max(initial=0) for part in parts)) + 1
    return tuple(
        Dataset(
            X=_scaled(arrays[part, "images"]),
            labels=arrays[part, "labels"].astype(np.int64),
            n_classes=n_classes,
            checksum=digest.hexdigest(),
        )
        for part in parts
    )
