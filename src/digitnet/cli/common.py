"""What every command shares: exit codes, the one-sentence error, where models live."""

import os
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class UsageError(Exception):
    """Bad input from the user: the message is the one sentence we print."""


def say(message):
    """Print one line for the user on stderr."""
    print(message, file=sys.stderr, flush=True)


def home():
    """The folder for trained models: $DIGITNET_HOME, else $XDG_DATA_HOME/digitnet, else ~/.local/share/digitnet."""
    if os.environ.get("DIGITNET_HOME"):
        return Path(os.environ["DIGITNET_HOME"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "digitnet"


def check_folder(folder, what):
    """Make ``folder`` if needed and refuse, in one sentence, one that cannot be made or written to.

    ``what`` names the setting that chose it (--out, DIGITNET_HOME), so the user knows what to change.
    Called before long work, so that nothing is computed only to be lost.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the folder {folder} ({error.strerror}); choose another {what}") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write in {folder}; choose another {what}")


def last_model_pointer():
    """The file that holds the path of the model the last ``train`` wrote."""
    return home() / "last-model"


def find_model(path):
    """The model file to use: ``path`` if given, else the one the last ``train`` wrote."""
    if path is not None:
        return Path(path)
    pointer = last_model_pointer()
    if pointer.is_file():
        return Path(pointer.read_text().strip())
    default = home() / "model.npz"
    if default.is_file():
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
