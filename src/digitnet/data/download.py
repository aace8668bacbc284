"""Fetch other MNIST-style datasets (Fashion-MNIST, Kuzushiji-MNIST) from their published mirrors.

``fetch`` downloads each of the four IDX files into a folder that ``load_mnist`` can read,
through a temporary file that becomes the real one only once its size and SHA-256 are the
published ones: a download that fails, is cut short or is damaged leaves nothing behind.
Files already there (and right) are not fetched again. It never prints: it reports progress
through a callback and raises ``DownloadError`` saying what went wrong.
"""

import hashlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..files import write_atomically

CHUNK_BYTES = 1 << 16
TIMEOUT_SECONDS = 30.0  # for connecting and for each read, not for the whole file

Progress = Callable[[int, int], None]  # (bytes received so far, bytes to receive in all)


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its name on the mirror, its size in bytes and its SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Source:
    """A dataset in the four MNIST-style IDX files, where it is published, and what its classes are."""

    name: str  # as given to --dataset, and the name of its folder in the cache
    title: str
    mirror: str  # the address the files are under, ending in "/"
    files: tuple[RemoteFile, ...]
    class_names: tuple[str, ...]  # label 0, 1, ... in words

    @property
    def size(self) -> int:
        """The bytes of all its files together."""
        return sum(file.size for file in self.files)


# Sizes and SHA-256s of the published .gz files, from TensorFlow Datasets' url_checksums
# (github.com/tensorflow/datasets, tensorflow_datasets/url_checksums/fashion_mnist.txt and kmnist.txt,
# commit 333639b37af6c6fedf3610a4a2d42f1c6ef6f7d5); the publishers themselves list MD5s, not SHA-256s.
SOURCES = {
    "fashion-mnist": Source(
        name="fashion-mnist",
        title="Fashion-MNIST",
        mirror="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", 26_421_880,
                       "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            RemoteFile("train-labels-idx1-ubyte.gz", 29_515,
                       "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            RemoteFile("t10k-images-idx3-ubyte.gz", 4_422_102,
                       "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", 5_148,
                       "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ),
        # from the Fashion-MNIST README (github.com/zalandoresearch/fashion-mnist, "Labels")
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
    "kmnist": Source(
        name="kmnist",
        title="Kuzushiji-MNIST",
        mirror="http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", 18_165_135,
                       "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
            RemoteFile("train-labels-idx1-ubyte.gz", 29_497,
                       "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
            RemoteFile("t10k-images-idx3-ubyte.gz", 3_041_136,
                       "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", 5_120,
                       "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"),
        ),
        # the modern hiragana of each class, from the publisher's kmnist_classmap.csv
        class_names=("お", "き", "す", "つ", "な", "は", "ま", "や", "れ", "を"),
    ),
}


class DownloadError(Exception):
    """A file that could not be fetched: the server is out of reach, failed, or sent the wrong bytes."""

    def __init__(self, title: str, url: str, reason: str):
        super().__init__(f"could not download {title} from {url} ({reason})")
        self.url = url
        self.reason = reason


def fetch(source: Source, folder: str | os.PathLike[str], mirror: str | None = None,
          timeout: float = TIMEOUT_SECONDS, progress: Progress | None = None) -> Path:
    """Download the files of ``source`` that ``folder`` lacks, from ``mirror`` (default: the published one).

    Returns the folder. Raises ``DownloadError`` when a file cannot be had intact; the files
    fetched before it stay (they are whole and checked), the failed one leaves nothing. Raises
    OSError when the folder cannot be written, and ValueError for a mirror that is not http(s).
    """
    folder = Path(folder)
    missing = [file for file in source.files if not _is_intact(folder / file.name, file)]
    if not missing:
        return folder
    base = mirror or source.mirror
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise ValueError(f"the mirror {base!r} is not an http:// or https:// address")
    folder.mkdir(parents=True, exist_ok=True)
    total, done = sum(file.size for file in missing), 0
    for file in missing:
        url = base.rstrip("/") + "/" + file.name

        def received(n_bytes: int, before: int = done) -> None:
            if progress is not None:
                progress(before + n_bytes, total)

        try:
            _download(url, folder / file.name, file, timeout, received)
        except _Failure as failure:
            _remove_if_empty(folder)
            raise DownloadError(source.title, url, str(failure)) from None
        done += file.size
    return folder


class _Failure(Exception):
    """Why one download failed, in a few words; fetch turns it into a DownloadError."""


def _download(url: str, target: Path, file: RemoteFile, timeout: float, received: Callable[[int], None]) -> None:
    """Fetch ``url`` into ``target``, which gets it only once it is whole and its SHA-256 checked: after a
    failure or Ctrl-C nothing half-written stays (``files.write_atomically``)."""

    def write(out: BinaryIO) -> None:
        digest, n_bytes = hashlib.sha256(), 0
        for chunk in _chunks(url, file, timeout):
            n_bytes += len(chunk)
            digest.update(chunk)
            out.write(chunk)
            received(n_bytes)
        if n_bytes < file.size:
            raise _Failure(f"the connection closed after {n_bytes:,} of its {file.size:,} bytes")
        if digest.hexdigest() != file.sha256:
            raise _Failure(f"the file's SHA-256 is {digest.hexdigest()}, not the published {file.sha256}")

    write_atomically(target, write)


def _chunks(url: str, file: RemoteFile, timeout: float) -> Iterator[bytes]:
    """The body of ``url`` in chunks; never more than ``file.size`` bytes. Network errors become _Failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "digitnet"})
    with _network_errors(timeout):
        response = urllib.request.urlopen(request, timeout=timeout)
    with response:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) != file.size:
            raise _Failure(f"the server offers {int(length):,} bytes, not the published {file.size:,}")
        n_bytes = 0
        while True:
            with _network_errors(timeout):
                chunk = response.read(CHUNK_BYTES)
            if not chunk:
                return
            n_bytes += len(chunk)
            if n_bytes > file.size:  # the size cap: a server cannot fill the disk
                raise _Failure(f"the server sent more than the published {file.size:,} bytes")
            yield chunk


@contextmanager
def _network_errors(timeout: float) -> Iterator[None]:
    """Turn what urllib and http.client raise into a _Failure with the reason in a few words."""
    try:
        yield
    except urllib.error.HTTPError as error:
        raise _Failure(f"the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _Failure(_reason(error.reason, timeout)) from None
    except (OSError, http.client.HTTPException) as error:
        raise _Failure(_reason(error, timeout)) from None


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, http.client.IncompleteRead):
        return "the connection closed before the whole file came"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    return str(error) or type(error).__name__


def _is_intact(path: Path, file: RemoteFile) -> bool:
    """Whether ``path`` is a file of the published size and SHA-256."""
    if not path.is_file() or path.stat().st_size != file.size:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == file.sha256


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (whole files fetched before), or not ours to remove
