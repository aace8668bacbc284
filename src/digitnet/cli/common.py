"""What every command shares: exit codes, the one-sentence error, where models live."""

import argparse
import errno
import os
import sys
from pathlib import Path

from ..home import home
from ..network import SEED_SIZES
from ..recipes import LESSON_RECIPES

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130
MAX_POINTER = 2**16  # bytes of the last-model file: one path


class UsageError(Exception):
    """Bad input from the user: the message is the one sentence we print."""


def say(message):
    """Print one line for the user on stderr."""
    print(message, file=sys.stderr, flush=True)


def cache_home() -> Path:
    """The folder for downloaded datasets: $DIGITNET_CACHE, else $XDG_CACHE_HOME/digitnet, else ~/.cache/digitnet."""
    if os.environ.get("DIGITNET_CACHE"):
        return Path(os.environ["DIGITNET_CACHE"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "digitnet"


def check_folder(folder, what):
    """Make ``folder`` if needed and refuse, in one sentence, one that cannot be made or written to.

    ``what`` names the setting that chose it (--out, DIGITNET_HOME), so the user knows what to change.
    Called before long work, so that nothing is computed only to be lost.
    """
    if os.path.lexists(folder) and not folder.is_dir():
        dangling = folder.is_symlink() and not folder.exists()
        kind = "a symbolic link that leads nowhere (to nothing, or round in a loop)" if dangling else \
            "not a folder but a file (or a pipe, or a device)"
        raise UsageError(f"{what} {folder} is {kind}; choose another {what}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the folder {folder} ({error.strerror}); choose another {what}") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write in {folder}; choose another {what}")


def check_out_of_images(out, folder, flag):
    """Refuse, in one sentence, an --out inside ``folder``, the labelled images that ``flag`` (--images, --also) reads:
    the file written there would be read as a digit, and refused as no image, the next time."""
    if folder is not None and Path(folder).resolve() in Path(out).resolve().parents:
        raise UsageError(f"--out {out} is inside {flag} {folder}, where it would be read as a digit next time; "
                         f"choose another --out")


def check_out_file(out, example, suffix=None, reads=()):
    """Refuse, in one sentence, an --out that cannot take a new file or a whole new version of one.

    A file is written beside its place and renamed over it: a device (/dev/null), a pipe or a
    socket there would be replaced by a regular file, so they are refused, as is a symbolic link
    that loops. ``example`` names a file to suggest, such as model.npz; ``suffix``, if given, is the
    ending the name must have (what the command writes is that kind of file, and nothing else is
    written over); ``reads``: the files the command reads, which it must not write over.
    """
    try:
        if out.is_dir():
            raise UsageError(f"--out {out} is a folder; give a file name such as {out / example}")
        if out.exists() and not out.is_file():
            raise UsageError(f"--out {out} is not a regular file (a device, a pipe or a socket); "
                             f"give a file name such as {example}")
        if out.parent.exists() and not out.parent.is_dir():
            raise UsageError(f"--out {out} is inside {out.parent}, which is a file, not a folder; "
                             f"choose another --out")
        os.stat(out)
    except OSError as error:  # a name too long, a folder we may not look into, a loop of links
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return _check_not_kept(out, suffix, example, reads)  # a new file; check_folder sees to its folder
        if error.errno == errno.ELOOP:
            raise UsageError(f"--out {out} is a symbolic link that leads round in a loop; "
                             f"choose another --out") from None
        raise UsageError(f"--out {out} cannot be used ({error.strerror or error}); choose another --out") from None
    _check_not_kept(out, suffix, example, reads)


def _check_not_kept(out, suffix, example, reads):
    """Refuse an --out of the wrong kind of name, or one that names what must be kept: a file the command reads."""
    if suffix is not None and not out.name.lower().endswith(suffix):
        raise UsageError(f"--out {out} must end in {suffix}, as the file it writes does; give a name such as "
                         f"{example}")
    for kept in (last_model_pointer(), *(read for read in reads if read)):
        if same_file(out, kept):
            what = "where digitnet keeps the name of the last model" if kept == last_model_pointer() else \
                "a file this command reads"
            raise UsageError(f"--out {out} is {what}; choose another --out")


def same_file(a, b):
    """Whether the names ``a`` and ``b`` lead to one file (through links too), whether or not it exists yet."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def files_in(folder):
    """The files in ``folder`` (none if it is not one): what a command that reads it must not write over."""
    try:
        return [entry.path for entry in os.scandir(folder)] if folder else []
    except OSError:
        return []


def last_model_pointer():
    """The file that holds the path of the model the last ``train`` wrote."""
    return home() / "last-model"


def point_at_model(path):
    """Make ``path`` the model that ``predict``, ``evaluate`` and ``info`` use from now on: its name, as the bytes
    the file system holds (any name, UTF-8 or not), written whole or not at all."""
    from ..files import write_atomically

    name = os.fsencode(os.path.realpath(path))
    write_atomically(last_model_pointer(), lambda file: file.write(name))


def find_model(path):
    """The model file to use: ``path`` if given, else the one the last ``train`` wrote."""
    from ..files import UnreadableFile, read_regular

    if path is not None:
        return Path(path)
    pointer = last_model_pointer()
    if os.path.lexists(pointer):
        try:
            name = read_regular(pointer, MAX_POINTER).removesuffix(b"\n")  # the name's own bytes, spaces too
        except UnreadableFile as error:
            raise UsageError(f"{error}; delete it and train again, or pass --model PATH") from None
        if not name or b"\0" in name:
            raise UsageError(f"{pointer} does not hold a model's name; delete it and train again, or pass --model PATH")
        return Path(os.fsdecode(name))
    default = home() / "model.npz"
    if os.path.lexists(default):  # load says what is wrong with it if it is not a model file
        return default
    raise UsageError("no trained model yet; run `digitnet train` first, or pass --model PATH")


def load_model(path):
    """(network, path) for --model PATH, or for the model the last ``train`` wrote."""
    from ..storage import load

    path = find_model(path)
    return load(path), path


def load_data(directory, parts=("train", "test")):
    """The Datasets of --data DIR (the bundled MNIST by default)."""
    from ..data.mnist import load_mnist

    return load_mnist(directory, parts)


def load_lesson_data(folder, who):
    """(train, test) Datasets of the IDX folder ``folder``, refused in one sentence unless the lesson's
    784-16-16-10 network can read them: 784 pixels an image, at most 10 classes; ``who`` ("the page trains",
    "the figures are drawn for") says what needs that network."""
    from ..recipes import check_fits

    train_set, test_set = load_data(folder)
    try:
        check_fits(SEED_SIZES, train_set, name=str(folder))
    except ValueError as error:
        raise UsageError(f"{who} the lesson's network: {error}; give --data a "
                         f"folder of MNIST-like data") from None
    return train_set, test_set


def data_folder(args: argparse.Namespace) -> str | None:
    """The folder of IDX files a command reads: --data DIR, or --dataset NAME's folder in the cache (downloaded
    there first if it is not yet), or None for the bundled MNIST (the parser allows only one of the two)."""
    dataset = getattr(args, "dataset", None)
    if dataset in (None, "mnist"):
        return args.data
    return str(fetch_dataset(dataset))


def fetch_dataset(name: str) -> Path:
    """The cache folder of the dataset ``name``, its files downloaded (with a progress bar) if need be.

    $DIGITNET_MIRROR, if set, is an address to download them from instead of the published one.
    """
    from ..data.download import SOURCES, DownloadError, fetch

    source = SOURCES[name]
    folder = cache_home() / source.name
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"Downloading {source.title}")
        bar.update(done - bar.n)

    try:
        return fetch(source, folder, mirror=os.environ.get("DIGITNET_MIRROR") or None, progress=progress)
    except DownloadError as error:
        raise UsageError(f"{error}; when offline, download the four files elsewhere and point --data at "
                         f"their folder") from None
    except ValueError as error:
        raise UsageError(f"$DIGITNET_MIRROR: {error}; fix it or unset it") from None
    except OSError as error:
        raise UsageError(f"could not write {source.title} into {folder} ({error.strerror or error}); "
                         f"free some space, or set DIGITNET_CACHE to another folder") from None
    finally:
        if bar is not None:
            bar.close()


def load_seed_shaped(path, shown):
    """(network, its path) like ``load_model``, refused in one sentence unless it is the lesson's
    784-16-16-10 network, which ``shown`` ("the page shows", "the figures are drawn for") needs."""
    network, model_path = load_model(path)
    if network.sizes != SEED_SIZES:
        recipes = f"{', '.join(LESSON_RECIPES[:-1])} or {LESSON_RECIPES[-1]}"
        raise UsageError(f"{shown} the lesson's 784-16-16-10 network, but {model_path} is "
                         f"{'-'.join(map(str, network.sizes))}; train one with `digitnet train` "
                         f"(--recipe {recipes}; the wider recipes do not fit)")
    return network, model_path
