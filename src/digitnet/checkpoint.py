"""Checkpoints: all a training needs to go on where it stopped, written after every epoch.

A checkpoint is a model file (``storage``: the network loads from it as from any model)
with three things more: the optimizer's state (arrays named ``optimizer_*``), the state of
the random generator that orders the batches and shifts the images, and how many epochs are
done. A training resumed from it takes the very steps, in the same order, that the stopped
one would have taken (to the last bit when both run on the same path: with the fast path on or
off, ``digitnet.fast``; across paths, to rounding); ``train(..., first_epoch=checkpoint.epochs_done)``
goes on from there.
Like a model, it is written beside its place and renamed over it, so a crash (even SIGKILL)
leaves either the previous checkpoint or the new one, never half of one.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .network import Network
from .storage import ModelFileError, load_with_extra, save

PREFIX = "optimizer_"


class CheckpointError(ModelFileError):
    """A checkpoint that is missing, damaged, or does not fit the training it should resume."""


@dataclass
class Checkpoint:
    """A loaded checkpoint: the network as it was after ``epochs_done`` epochs, and the rest."""

    network: Network
    optimizer_state: dict[str, np.ndarray]  # {name: array}, for ``optimizer.set_state``
    rng: np.random.Generator  # as it was after the last epoch done
    epochs_done: int
    settings: dict[str, Any]  # what the caller stored to rebuild the same training (recipe, seed, data, ...)


def checkpoint_path(model_path: str | os.PathLike) -> Path:
    """Where the checkpoint of a training that will save ``model_path`` goes: model.npz -> model.checkpoint.npz."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.stem}.checkpoint.npz")


def save_checkpoint(path: str | os.PathLike, network: Network, optimizer: Any, rng: np.random.Generator,
                    epochs_done: int, settings: dict[str, Any]) -> Path:
    """Write a checkpoint of ``network`` after ``epochs_done`` epochs; ``settings``: a JSON-able dict."""
    metadata = {**network.metadata, "checkpoint": {
        "epochs_done": int(epochs_done), "rng": rng.bit_generator.state, "settings": settings}}
    extra = {PREFIX + name: np.asarray(array) for name, array in optimizer.state().items()}
    return save(network, path, extra=extra, metadata=metadata)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``; CheckpointError saying what is wrong otherwise."""
    path = Path(path)
    if not os.path.lexists(path):  # anything else there (a pipe, a loop of links) load_with_extra names
        raise CheckpointError(f"there is no checkpoint at {path}, so there is nothing to resume; "
                              f"train without --resume")
    start_anew = "delete it and train again without --resume"
    try:
        network, extra = load_with_extra(path)
    except ModelFileError as error:  # what is wrong with it, then what to do instead of what load advises
        raise CheckpointError(f"{path} is not a digitnet checkpoint or is damaged: {error.reason}; "
                              f"{start_anew}") from None
    damaged = CheckpointError(f"{path} is not a digitnet checkpoint or is damaged; {start_anew}")
    try:
        saved = network.metadata.pop("checkpoint")
        epochs_done, settings = saved["epochs_done"], saved["settings"]
        rng = np.random.default_rng()
        rng.bit_generator.state = saved["rng"]
        optimizer_state = _optimizer_state(extra, network)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):  # OverflowError: a state out of range
        raise damaged from None
    if type(epochs_done) is not int or epochs_done < 1 or not isinstance(settings, dict):
        raise damaged
    return Checkpoint(network, optimizer_state, rng, epochs_done, settings)


def _optimizer_state(extra: dict[str, np.ndarray], network: Network) -> dict[str, np.ndarray]:
    """The ``optimizer_*`` arrays of the file, checked: a moment or velocity is finite and shaped like the
    network's parameters, a step count is a whole number."""
    state = {name[len(PREFIX):]: array for name, array in extra.items() if name.startswith(PREFIX)}
    for name, array in state.items():
        if name == "t":
            if array.shape != () or array.dtype.kind not in "iu" or array < 0:
                raise ValueError(f"a step count of {array!r}")
        elif array.shape != network.vector.shape or array.dtype != network.dtype or not np.isfinite(array).all():
            raise ValueError(f"{name} does not fit the network")
    return state
