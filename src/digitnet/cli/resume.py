"""The checkpoint side of ``digitnet train``: write one after every epoch, and go on from one.

A training's checkpoint sits beside its model (``checkpoint.checkpoint_path``). ``--resume``
goes on from it with the settings it holds. A training started again with the very settings
of an unfinished one goes on from its checkpoint too (the result is the same, bit for bit,
only sooner); one with other settings is refused, so that no unfinished training is lost.
"""

import os
import signal
import threading
import time
from contextlib import contextmanager

from ..metadata import MAX_SECONDS
from .common import UsageError, say

# the flags that choose a training: --resume takes them all from the checkpoint
RESUME_KEEPS = ("recipe", "sizes", "activation", "cost", "optimizer", "learning_rate", "schedule", "weight_decay",
                "max_shift", "distort", "dropout", "validation", "batch_size", "epochs", "seed", "also", "hold_out")
START_ANEW = "delete it and train again without --resume"


def new_settings(args, recipe):
    """What a checkpoint of this new training keeps besides its recipe: seed, data, split, progress."""
    return {"recipe": recipe.as_dict(), "seed": args.seed or 0, "validation": args.validation or 0,
            "data": os.path.realpath(args.data) if args.data else None, "data_checksum": None,
            "history": [], "seconds": 0.0, "also": None}


def resumed_by_request(args, saved_at):
    """``--resume``: the checkpoint and its recipe; a UsageError if the command line also asks for settings."""
    changed = [f"--{name.replace('_', '-')}" for name in RESUME_KEEPS if getattr(args, name) is not None]
    if changed:
        raise UsageError(f"--resume goes on with the settings the training started with, so {', '.join(changed)} "
                         f"cannot be given with it; leave {'them' if len(changed) > 1 else 'it'} out")
    return _load(saved_at)


def unfinished(saved_at, settings, out_flag):
    """Before a new training: the checkpoint at ``saved_at`` if it is of this very training (go on from it),
    else None; a UsageError if it is an unfinished training with other settings, which must not be lost."""
    from ..checkpoint import CheckpointError

    if not saved_at.is_file():
        return None
    try:
        checkpoint, recipe = _load(saved_at)
    except CheckpointError:
        say(f"digitnet: the checkpoint at {saved_at} is damaged; this training will replace it")
        return None
    same = ("recipe", "seed", "validation", "data", "also")
    if all(checkpoint.settings[key] == settings[key] for key in same):
        say(f"digitnet: this training was stopped after epoch {checkpoint.epochs_done}; going on from its "
            f"checkpoint (delete {saved_at} to start anew)")
        return checkpoint, recipe
    raise UsageError(f"an unfinished training ({recipe.name} recipe, {checkpoint.epochs_done} of {recipe.epochs} "
                     f"epochs done) has its checkpoint at {saved_at}; go on with it with "
                     f"`digitnet train --resume{out_flag}`, or delete that file (or choose another --out) "
                     f"to start this one")


def _load(saved_at):
    """(Checkpoint, Recipe) from the file, every setting checked; CheckpointError saying what to do otherwise."""
    from ..checkpoint import CheckpointError, load_checkpoint
    from ..recipes import Recipe

    checkpoint = load_checkpoint(saved_at)
    settings = checkpoint.settings
    try:
        _check_settings(settings, checkpoint.epochs_done)
        recipe = Recipe.from_dict(settings["recipe"])
        network = checkpoint.network
        if (network.sizes, network.activation.name, network.cost.name) != (recipe.sizes, recipe.activation,
                                                                           recipe.cost):
            raise ValueError("the network is not the recipe's")
        if checkpoint.epochs_done > recipe.epochs or (recipe.optimizer in ("adam", "momentum")
                                                      and not checkpoint.optimizer_state):
            raise ValueError("the progress does not fit the recipe")
    except ValueError:
        raise CheckpointError(f"{saved_at} is not a digitnet checkpoint or is damaged; {START_ANEW}") from None
    return checkpoint, recipe


def _check_settings(settings, epochs_done):
    """ValueError unless the settings are those ``new_settings`` makes, one history entry per epoch done (their
    types and ranges were checked as the file was read: ``metadata.SETTINGS``)."""
    from ..metadata import SETTINGS

    settings.setdefault("also", None)  # a checkpoint from before train --also
    if set(settings) != set(SETTINGS) or len(settings["history"]) != epochs_done:
        raise ValueError("not a checkpoint's settings")


def check_same_data(settings, train_set, saved_at):
    """A new training notes its data's checksum; one that goes on must have the same data."""
    if settings["data_checksum"] is None:
        settings["data_checksum"] = train_set.checksum
    elif settings["data_checksum"] != train_set.checksum:
        where = settings["data"] or "the bundled MNIST"
        raise UsageError(f"the unfinished training in {saved_at} was on other data ({where}); go on with it on "
                         f"that data (--data), or delete {saved_at} to start anew")


def restore(optimizer, checkpoint, saved_at):
    """Put the checkpoint's optimizer state into ``optimizer``; CheckpointError if it does not fit."""
    from ..checkpoint import CheckpointError

    try:
        optimizer.set_state(checkpoint.optimizer_state)
    except ValueError:
        raise CheckpointError(f"{saved_at} holds the state of another optimizer than its recipe's; "
                              f"{START_ANEW}") from None


class Checkpoints:
    """Writes the training's checkpoint after each epoch (``save``); if it cannot (a full disk), says so
    once and lets the training go on without."""

    def __init__(self, path, network, optimizer, rng, settings):
        self.path, self.network, self.optimizer, self.rng, self.settings = path, network, optimizer, rng, settings
        self.started, self.seconds_before = time.perf_counter(), settings["seconds"]
        self.failed = False

    def save(self, result):
        from ..checkpoint import save_checkpoint

        with _ctrl_c_held():
            self.settings["history"].append(vars(result))
            seconds = self.seconds_before + time.perf_counter() - self.started
            self.settings["seconds"] = round(min(seconds, MAX_SECONDS), 3)  # what a checkpoint may hold
            if self.failed:
                return
            try:
                save_checkpoint(self.path, self.network, self.optimizer, self.rng, result.epoch, self.settings)
            except OSError as error:
                self.failed = True
                say(f"digitnet: could not write the checkpoint {self.path} ({error.strerror or error}); "
                    f"training goes on, but cannot be resumed if it is stopped")

    def remove(self):
        """The training is over: nothing to resume."""
        if self.path.is_file():
            try:
                self.path.unlink()
            except OSError as error:
                say(f"digitnet: could not remove the finished training's checkpoint {self.path} "
                    f"({error.strerror or error}); delete it by hand")

    @property
    def epochs_done(self):
        return len(self.settings["history"])


@contextmanager
def _ctrl_c_held():
    """Hold a Ctrl-C that comes in the block until the block is done: half a checkpoint is none."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
