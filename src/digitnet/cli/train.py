"""``digitnet train``: train a recipe, show its progress, save the model."""

import json
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
    files_in,
    home,
    last_model_pointer,
    point_at_model,
    say,
)


def cmd_train(args):
    out = Path(args.out) if args.out else home() / "model.npz"
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
    from . import resume
    from .common import data_folder

    args.data = data_folder(args)  # --dataset NAME: its folder in the cache, downloaded if need be
    check_out_file(out, "model.npz", reads=files_in(args.data))  # the training data is never written over
    if args.data and CONTROL.search(os.path.realpath(args.data)):  # the model keeps its data's name
        raise UsageError(f"the --data folder's name {args.data!r} holds control characters (an escape, a newline); "
                         f"rename the folder")
    saved_at = checkpoint_path(out)
    if args.resume:
        checkpoint, recipe = resume.resumed_by_request(args, saved_at)
        settings = checkpoint.settings
    else:
        recipe = _recipe_from(args)
        settings = resume.new_settings(args, recipe)
        checkpoint, recipe = resume.unfinished(saved_at, settings, _out_flag(args)) or (None, recipe)
        settings = checkpoint.settings if checkpoint else settings
    train_set, test_set = _load_data(args.data or settings["data"])
    resume.check_same_data(settings, train_set, saved_at)
    _check_fits(recipe, train_set)
    validation = settings["validation"]
    held_out = test_set
    if validation:
        train_set, held_out = _split(train_set, validation)
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
    if not settings["history"] and out.exists():
        # stopped in the first epoch: the untrained start is no better than the model already there
        report.finish(history, test_accuracy, seconds, None, validation_accuracy)
        say(f"digitnet: the model already at {out} was left as it was")
        return EXIT_BAD_INPUT
    # a model that learned nothing (stopped in its first epoch) is saved, but not made the one other commands use
    saved = _save(network, out, use_next=bool(settings["history"]))
    report.finish(history, test_accuracy, seconds, saved, validation_accuracy)
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


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class TrainingReport:
    """What ``train`` shows while it runs: a progress bar, or JSON lines with --json."""

    def __init__(self, recipe, n_params, as_json, held_out="test", first_epoch=0):
        self.as_json = as_json
        self.first_epoch = first_epoch  # the epochs a checkpoint had done before this run
        self.held_out = held_out  # what the accuracy each epoch is measured on: "test" or "validation"
        self.n_params = n_params
        self.n_outputs = recipe.sizes[-1]
        self.learning_rate = recipe.learning_rate
        self.weight_decay = recipe.weight_decay
        self.bar = None
        if as_json:
            return
        from tqdm import tqdm

        shifts = f", shifts up to {recipe.max_shift} px" if recipe.max_shift else ""
        shifts += f", dropout {recipe.dropout:g}" if recipe.dropout else ""
        batch = "the full batch" if recipe.optimizer == "gd" else f"batch {recipe.batch_size}"
        schedule = recipe.schedule
        if schedule == "warmup_cosine":
            from ..training import warmup_epochs

            warm = warmup_epochs(recipe.epochs)
            schedule += f" over {warm} epoch{'s' * (warm != 1)}" if warm else ", no warm-up in a run this short"
        print(f"Training {'-'.join(map(str, recipe.sizes))} ({n_params:,} weights and biases): "
              f"{recipe.name} recipe, {recipe.activation}, {recipe.cost}, {recipe.optimizer}, "
              f"learning rate {recipe.learning_rate:g} ({schedule}), {batch}, "
              f"L2 {recipe.weight_decay:g}{shifts}", flush=True)
        if first_epoch:
            print(f"Going on from the checkpoint after epoch {first_epoch}", flush=True)
        self.bar = tqdm(total=recipe.epochs, initial=first_epoch, unit="epoch", dynamic_ncols=True)

    def epoch(self, result):
        named = {key.replace("test_", f"{self.held_out}_"): value for key, value in vars(result).items()}
        if self.as_json:
            print(json.dumps(named), flush=True)
            return
        shown = {"cost": f"{result.train_cost:.4f}", f"{self.held_out}_accuracy": f"{result.test_accuracy:.2%}"}
        if result.saturation is not None:
            shown["saturated"] = f"{result.saturation:.0%}"
        self.bar.set_postfix(shown)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def finish(self, history, test_accuracy, seconds, out, validation_accuracy=None):
        from ..health import stuck_message

        epochs = self.first_epoch + len(history.epochs)
        if self.as_json:
            print(json.dumps({"test_accuracy": test_accuracy, "validation_accuracy": validation_accuracy,
                              "epochs": epochs, "seconds": round(seconds, 3), "parameters": self.n_params,
                              "model": str(out) if out else None, "stopped": history.stopped}))
        else:
            saved = f"; model saved to {out}" if out else "; no model saved"
            accuracy = f"Test accuracy {test_accuracy:.2%}"
            if validation_accuracy is not None:
                accuracy = f"Validation accuracy {validation_accuracy:.2%}, test accuracy {test_accuracy:.2%}"
            timing = f"in {seconds:.1f} s"
            if self.first_epoch:  # a training that went on from a checkpoint: this run did only the last ones
                timing = f"({len(history.epochs)} of them in this run, {seconds:.1f} s)"
            if epochs:
                print(f"{accuracy} after {_plural(epochs, 'epoch')} {timing}{saved}")
            else:  # stopped in the first epoch: what was measured is the untrained network
                print(f"No epoch finished ({timing}): the untrained network's {accuracy[0].lower()}{accuracy[1:]}"
                      f"{saved}")
        kept = f"kept the model of epoch {epochs}" if epochs else "kept the untrained starting weights"
        kept = f"{kept} in {out}" if out else "saved nothing"
        if out and not epochs:
            kept += " (not made the model that predict, evaluate and info use)"
        if history.stopped == "stuck":
            say(f"digitnet: training stopped in epoch {epochs + 1}: {stuck_message(history.health)}; {kept}")
            return
        if history.stopped == "diverged":
            cause = "the learning rate" + (" or the L2 weight decay" if self.weight_decay else "")
            say(f"digitnet: the cost became NaN or infinite in epoch {epochs + 1}, so training stopped; "
                f"{cause} is probably too large; {kept}")
            return
        if test_accuracy < 1.5 / self.n_outputs:
            say(f"digitnet: the network learned next to nothing ({test_accuracy:.1%} is chance level); "
                f"the learning rate {self.learning_rate:g} is probably too large or too small for this setting, "
                f"or it needs more epochs")
        if history.stopped == "interrupted":
            say(f"digitnet: stopped by Ctrl-C; {kept}")
