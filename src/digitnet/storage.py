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


def save(network, path):
    """Write ``network`` (weights, biases, config and ``network.metadata``) to ``path``; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"format": FORMAT, "config": network.config(), **network.metadata}
    arrays = {f"weight_{l}": w for l, w in enumerate(network.weights)}
    arrays.update({f"bias_{l}": b for l, b in enumerate(network.biases)})
    arrays["metadata"] = np.array(json.dumps(metadata))
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path):
    """Read a Network written by ``save``; raise ModelFileError saying what is wrong otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with `digitnet train` or pass --model PATH")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        metadata = json.loads(str(arrays.pop("metadata")))
        config = metadata.pop("config")
        if metadata.pop("format", None) != FORMAT:
            raise ValueError("unknown format")
        network = Network(**config)
        n_layers = len(network.weights)
        for l in range(n_layers):
            _fill(network.weights[l], arrays[f"weight_{l}"])
            _fill(network.biases[l], arrays[f"bias_{l}"])
    except (OSError, EOFError, KeyError, ValueError, TypeError, zipfile.BadZipFile, json.JSONDecodeError):
        raise ModelFileError(
            f"{path} is not a digitnet model or is damaged; train a new one with `digitnet train`"
        ) from None
    network.metadata = metadata
    return network


def _fill(target, source):
    if source.shape != target.shape or not np.all(np.isfinite(source)):
        raise ValueError("weights do not fit the network")
    target[...] = source
