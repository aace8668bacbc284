"""``digitnet train``: train a recipe, save the model (and its checkpoints: ``resume``; what it shows: ``progress``)."""

import os
import shlex
import time
from contextlib import contextmanager
from pathlib import Path

from .. import __version__
from .common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    check_folder,
    check_out_file,
    check_out_of_images,
    files_in,
    home,
    last_model_pointer,
    point_at_model,
    say,
)


def cmd_train(args):
    out = Path(args.out) if args.out else home() / "model.npz"
    check_out_of_images(out, args.also, "--also")  # before check_folder makes --out's folder in it
    _check_writable(out)
    with _owning(out):
        return _train(args, out)


@contextmanager
def _owning(out):
    """Hold the place ``out`` (its model and its checkpoint) for this training alone, for as long as it runs."""
    from ..files import CannotLock, Locked, exclusive

    place = Path(os.path.realpath(out))  # where the model is written (files.write_atomically)
    lock = place.with_name(f".{place.name}.lock")
    try:
        with exclusive(lock):
            yield
    except Locked:
        raise UsageError(f"another training is running for {out} right now (it holds {lock}); wait until it "
                         f"finishes, or choose another --out") from None
    except CannotLock as error:
        raise UsageError(f"cannot lock {lock} ({error.reason}), which keeps two trainings from writing {out} at "
                         f"once; choose an --out on a local disk") from None


def _train(args, out):
    import numpy as np

    from ..checkpoint import checkpoint_path
    from ..optimizers import make_optimizer
    from ..recipes import train_recipe
    from ..storage import CONTROL
    from ..training import evaluate
    from . import also, resume
    from .common import data_folder
    from .progress import TrainingReport

    args.data = data_folder(args)  # --dataset NAME: its folder in the cache, downloaded if need be
    check_out_file(out, "model.npz", reads=files_in(args.data))  # the training data is never written over
    if args.data and CONTROL.search(os.path.realpath(args.data)):  # the model keeps its data's name
        raise UsageError(f"the --data folder's name {args.data!r} holds control characters (an escape, a newline); "
                         f"rename the folder")
    saved_at = checkpoint_path(out)
    if args.resume:
        checkpoint, recipe = resume.resumed_by_request(args, saved_at)
        settings = checkpoint.settings
        own = also.own_digits(args, settings)
    else:
        recipe = _recipe_from(args)
        settings = resume.new_settings(args, recipe)
        own = also.own_digits(args, settings)  # before looking for an unfinished training: its folder is a setting
        checkpoint, recipe = resume.unfinished(saved_at, settings, _out_flag(args)) or (None, recipe)
        settings = checkpoint.settings if checkpoint else settings
    train_set, test_set = _load_data(args.data or settings["data"])
    resume.check_same_data(settings, train_set, saved_at)
    _check_fits(recipe, train_set)
    validation = settings["validation"]
    held_out = test_set
    if validation:
        train_set, held_out = _split(train_set, validation)
    before = None
    if own is not None:
        before = also.score_before(out, test_set, own)  # the model this training replaces
        train_set = also.mix(own, train_set, settings["seed"])
    _check_weight_decay(recipe, len(train_set), resuming=checkpoint is not None)
    first_epoch = checkpoint.epochs_done if checkpoint else 0
    network = checkpoint.network if checkpoint else recipe.network(seed=settings["seed"])
    optimizer = make_optimizer(recipe.optimizer, recipe.learning_rate)
    if checkpoint:
        resume.restore(optimizer, checkpoint, saved_at)
    rng = checkpoint.rng if checkpoint else np.random.default_rng(settings["seed"])
    report = TrainingReport(recipe, network.n_params, as_json=args.json,
                            held_out="validation" if validation else "test", first_epoch=first_epoch)
    checkpoints = resume.Checkpoints(saved_at, network, optimizer, rng, settings)

    def finished_epoch(result):
        checkpoints.save(result)  # first: a Ctrl-C at the sight of the report finds the epoch saved
        report.epoch(result)

    started = time.perf_counter()
    try:
        history = train_recipe(network, recipe, train_set, held_out, rng=rng, on_epoch=finished_epoch,
                               optimizer=optimizer, first_epoch=first_epoch)
    finally:
        report.close()
    seconds = time.perf_counter() - started
    if not history.epochs and history.stopped == "interrupted":
        kept = f"the checkpoint at {saved_at} is kept for --resume" if checkpoint else "no model was saved"
        say(f"digitnet: stopped by Ctrl-C before the first epoch finished; {kept}, nothing was changed")
        return EXIT_INTERRUPTED
    # a run stopped as diverged or stuck keeps its last good weights (the start, if no epoch finished)
    last = settings["history"][-1] if settings["history"] else None
    test_accuracy = evaluate(network, test_set)[1] if validation or last is None else last["test_accuracy"]
    validation_accuracy = last["test_accuracy"] if validation and last else None
    network.metadata = {
        "recipe": recipe.as_dict(),
        "epochs": checkpoints.epochs_done,
        "test_accuracy": test_accuracy,
        "validation": validation,
        "validation_accuracy": validation_accuracy,
        "data": settings["data"] or "bundled MNIST",
        "data_checksum": settings["data_checksum"],
        "trained_seconds": settings["seconds"] if last else round(seconds, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "stopped": history.stopped,
        "version": __version__,
        "history": settings["history"],
    }
    own_report = None
    if own is not None:
        own_report = also.summary(own, before, test_accuracy, also.accuracy(network, own.held_X, own.held_labels))
        network.metadata["own_digits"] = also.kept_in_model(own_report)
    if not settings["history"] and out.exists():
        # stopped in the first epoch: the untrained start is no better than the model already there
        report.finish(history, test_accuracy, seconds, None, validation_accuracy)
        say(f"digitnet: the model already at {out} was left as it was")
        return EXIT_BAD_INPUT
    # a model that learned nothing (stopped in its first epoch) is saved, but not made the one other commands use
    saved = _save(network, out, use_next=bool(settings["history"]))
    report.finish(history, test_accuracy, seconds, saved, validation_accuracy, also=own_report)
    if history.stopped == "interrupted":
        if saved_at.is_file() and not checkpoints.failed:
            say(f"digitnet: `digitnet train --resume{_out_flag(args)}` goes on from epoch {checkpoints.epochs_done}")
        return EXIT_INTERRUPTED
    checkpoints.remove()
    if history.stopped in ("diverged", "stuck") or saved != out:
        return EXIT_BAD_INPUT
    return EXIT_OK


def _out_flag(args):
    """The --out of this command as it can be pasted into another (quoted if it has spaces)."""
    return f" --out {shlex.quote(args.out)}" if args.out else ""


def _recipe_from(args):
    """The chosen recipe with the flags given on the command line put in."""
    from ..recipes import default_learning_rate, get_recipe

    base = get_recipe(args.recipe or "seed")
    learning_rate = args.learning_rate
    setting = (args.optimizer or base.optimizer, args.activation or base.activation, args.cost or base.cost)
    if learning_rate is None and setting != (base.optimizer, base.activation, base.cost):
        learning_rate = default_learning_rate(*setting)
    recipe = base.with_changes(
        sizes=args.sizes, activation=args.activation, cost=args.cost, optimizer=args.optimizer,
        learning_rate=learning_rate, schedule=args.schedule, weight_decay=args.weight_decay,
        batch_size=args.batch_size, epochs=args.epochs, max_shift=args.max_shift, dropout=args.dropout,
        distort=args.distort,
    )
    try:
        recipe.check()  # the limits a model file is read with: never train what cannot be loaded
    except ValueError as error:
        raise UsageError(str(error)) from None
    return recipe


def _load_data(directory):
    from .common import load_data

    try:
        return load_data(directory)
    except MemoryError:
        raise UsageError("not enough memory to load the training data") from None


def _split(dataset, n_validation):
    """(training part, validation part): the last ``n_validation`` examples held out."""
    if n_validation >= len(dataset):
        raise UsageError(f"--validation {n_validation} would hold out all {len(dataset):,} training images; "
                         f"use at most {len(dataset) - 1:,} (a sixth, {max(1, len(dataset) // 6):,}, is usual)")
    return dataset.split(len(dataset) - n_validation)


def _check_writable(out):
    """Refuse before training, not after, a place where the model cannot be saved."""
    check_folder(home(), "DIGITNET_HOME")
    pointer = last_model_pointer()
    if os.path.lexists(pointer) and not pointer.is_file():  # written after the training: refused before it
        raise UsageError(f"{pointer}, where digitnet keeps the name of the last model, is not a file (a folder, "
                         f"a pipe or a broken link); delete it and train again")
    check_out_file(out, "model.npz", suffix=".npz")
    if out.name.lower().endswith(".checkpoint.npz"):  # a training keeps its checkpoint under such a name
        raise UsageError(f"--out {out} is the name of a training's checkpoint; give a name such as "
                         f"{out.name.lower().replace('.checkpoint.npz', '.npz')}")
    check_folder(out.parent, "--out")


def _check_fits(recipe, dataset):
    """The layer sizes must fit the data, and shifts must fit the image."""
    n_features, n_classes = dataset.X.shape[1], dataset.n_classes
    if recipe.sizes[0] != n_features:
        raise UsageError(f"the first layer has {recipe.sizes[0]} neurons but each image has {n_features} pixels; "
                         f"start --sizes with {n_features}")
    if recipe.sizes[-1] < n_classes:
        raise UsageError(f"the last layer has {recipe.sizes[-1]} neurons but the data has {n_classes} classes; "
                         f"end --sizes with {n_classes}")
    side = round(n_features ** 0.5)
    if recipe.max_shift and side * side != n_features:
        raise UsageError(f"--max-shift needs square images, but each example has {n_features} values; "
                         f"use --max-shift 0")
    if recipe.max_shift > side // 4:
        raise UsageError(f"--max-shift {recipe.max_shift} would move digits off their {side}x{side} image; "
                         f"use at most {side // 4}")


def _check_weight_decay(recipe, n, resuming):
    """Refuse, before training, an L2 strength that would shrink the weights past zero at each step."""
    from ..recipes import check_weight_decay

    try:
        check_weight_decay(recipe, n)
    except ValueError as error:
        advice = ("delete its checkpoint and train anew" if resuming
                  else f"use a --weight-decay below {n / recipe.learning_rate:.3g}")
        raise UsageError(f"{error}; {advice}") from None


def _save(network, out, use_next=True):
    """Save to ``out``; if that fails after all, save in the model home rather than lose the training."""
    try:
        network.save(out)
    except OSError as error:
        fallback = home() / f"model-{time.strftime('%Y%m%d-%H%M%S')}.npz"
        network.save(fallback)
        say(f"digitnet: could not write {out} ({error.strerror or error}); saved the model to {fallback} instead")
        out = fallback
    if use_next:  # predict, evaluate and info use it from now on
        point_at_model(out)
    return out
