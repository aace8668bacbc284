"""Save and load a Network: a NumPy ``.npz`` file, read with ``allow_pickle=False``.

The file holds ``weight_0..``, ``bias_0..`` and ``metadata``, a JSON text with the
network's configuration and how it was trained. It is written to a temporary file
beside the target and then renamed over it, so a crash never leaves half a model.
"""

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .network import Network

FORMAT = "digitnet-model/1"


class ModelFileError(ValueError):
    """A model file that is missing, damaged, or not a digitnet model."""


def save(network, path, extra=None):
    """Write ``network`` (weights, biases, config and ``network.metadata``) to ``path``; return the path.

    ``extra``: more arrays to keep in the file, {name: array} (a checkpoint's optimizer state)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {**network.metadata, "format": FORMAT, "config": network.config()}
    arrays = {f"weight_{l}": w for l, w in enumerate(network.weights)}
    arrays.update({f"bias_{l}": b for l, b in enumerate(network.biases)})
    arrays.update(extra or {})
    arrays["metadata"] = np.array(json.dumps(metadata))
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a model is an ordinary file
        os.replace(temporary, path)
        _sync_folder(path.parent)  # the rename itself survives a power cut
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path):
    """Read a Network written by ``save``; raise ModelFileError saying what is wrong otherwise."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file; pass the .npz file that `digitnet train` wrote")
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with `digitnet train` or pass --model PATH")
    try:
        arrays, metadata = _read(path)
        config = metadata.pop("config")
        _check_shapes(config["sizes"], arrays)
        network = Network(**config)
        for l in range(len(network.weights)):
            network.weights[l][...] = arrays[f"weight_{l}"]
            network.biases[l][...] = arrays[f"bias_{l}"]
    except (OSError, EOFError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        raise ModelFileError(
            f"{path} is not a digitnet model or is damaged; train a new one with `digitnet train`"
        ) from None
    network.metadata = metadata
    return network


def _read(path):
    """The arrays and the metadata dict of a model file; ValueError if it is not one."""
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive")
    with archive:
        arrays = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(arrays.pop("metadata")))
    if not isinstance(metadata, dict) or metadata.pop("format", None) != FORMAT:
        raise ValueError("unknown format")
    if not isinstance(metadata.get("config"), dict):
        raise ValueError("no configuration")
    return arrays, metadata


def _check_shapes(sizes, arrays):
    """Refuse, before building anything, arrays that do not fit ``sizes`` or are not finite."""
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for name, shape in ((f"weight_{l}", (n_in, n_out)), (f"bias_{l}", (n_out,))):
            if arrays[name].shape != shape or not np.all(np.isfinite(arrays[name])):
                raise ValueError(f"{name} does not fit the network")


def _sync_folder(folder):
    if hasattr(os, "O_DIRECTORY"):  # POSIX; Windows cannot open a folder, and does not need to
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
