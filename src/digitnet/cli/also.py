"""``digitnet train --also DIR``: one's own labelled digits mixed into the training, a share held out.

The folder is read like ``evaluate --images`` reads it (``data.folder``); ``data.mixing`` holds
out a share of each digit, decided by each file's name as the page's Teach it my digits decides
it (so a run with --resume, or any later one, holds out the very same images, and a digit taught
once is not held out when more are added), and adds varied copies of the rest to the training
set. The closing report gives MNIST test accuracy and the held-out digits' accuracy before (the
model being replaced at --out) and after.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .common import UsageError, say

if TYPE_CHECKING:
    from ..data.folder import LabelledImages

COPIES_STREAM = 17  # the copies' random numbers: their own stream of --seed, apart from the training's


@dataclass
class OwnDigits:
    """The digits of --also DIR: ``images`` (data.folder.LabelledImages), the rows trained on and held out."""

    folder: Path
    images: "LabelledImages"
    train_rows: np.ndarray
    held_rows: np.ndarray
    checksum: str
    copies: int = 0
    share: float = 0.0

    @property
    def held_X(self):
        return self.images.X[self.held_rows]

    @property
    def held_labels(self):
        return self.images.labels[self.held_rows]

    def settings(self, hold_out):
        """What a checkpoint keeps of it, for --resume to read the same folder and check it is unchanged."""
        return {"folder": os.path.realpath(self.folder), "hold_out": hold_out, "checksum": self.checksum}


def own_digits(args, settings):
    """OwnDigits of --also DIR (noted in the checkpoint's ``settings``), or of the folder a resumed training's
    checkpoint names; None for a training without --also."""
    from ..data.mixing import HOLD_OUT

    kept = settings.get("also")
    if kept is not None:  # going on with a training: the same folder, split the same way
        return read_own_digits(kept["folder"], kept["hold_out"], kept["checksum"])
    if args.also is None:
        if args.hold_out is not None:
            raise UsageError("--hold-out is the share of --also DIR's digits held out; give --also DIR too")
        return None
    hold_out = HOLD_OUT if args.hold_out is None else args.hold_out
    own = read_own_digits(args.also, hold_out)
    settings["also"] = own.settings(hold_out)
    return own


def read_own_digits(folder, hold_out, checksum=None):
    """OwnDigits of --also ``folder``, a share ``hold_out`` held out by the files' names; ``checksum``: the one a
    checkpoint kept, which the folder (its images, digits and names) must still have."""
    from ..data.folder import FolderError, read_labelled_folder
    from ..data.mixing import MIN_TO_TEACH, hold_out_by_name
    from ..storage import CONTROL

    if CONTROL.search(os.path.realpath(folder)):  # the model keeps its name
        raise UsageError(f"the --also folder's name {str(folder)!r} holds control characters (an escape, a newline); "
                         f"rename the folder")
    try:
        images = read_labelled_folder(folder)
    except FolderError as error:
        raise UsageError(f"--also: {error}") from None
    if len(images) < MIN_TO_TEACH:
        raise UsageError(f"--also needs at least {MIN_TO_TEACH} labelled digits and {folder} holds {len(images)}; "
                         f"add {MIN_TO_TEACH - len(images)} more (two or more of a digit, so that some can be held "
                         f"out to measure on)")
    names = [path.name for path in images.paths]
    digest = hashlib.sha256(images.X.tobytes() + images.labels.tobytes()
                            + "/".join(names).encode("utf-8", "surrogatepass")).hexdigest()
    if checksum is not None and digest != checksum:
        raise UsageError(f"the images in --also {folder} changed since this training started, so its held-out "
                         f"digits would not be the same; put them back, or delete the checkpoint to start anew")
    train_rows, held_rows = hold_out_by_name(names, images.labels, hold_out)
    return OwnDigits(Path(folder), images, train_rows, held_rows, digest)


def mix(own, train_set, seed):
    """The training set with varied copies of ``own``'s training rows mixed in (data.mixing.mix_in)."""
    from ..data.mixing import WEIGHT, copies_for, mix_in
    from ..data.mnist import Dataset

    if train_set.X.shape[1] != 784:
        raise UsageError(f"--also mixes 28x28 digits into the training, but its data has {train_set.X.shape[1]} "
                         f"values an image; train on MNIST-like data")
    X = own.images.X[own.train_rows]
    labels = own.images.labels[own.train_rows]
    rng = np.random.default_rng([seed, COPIES_STREAM, 1])
    mixed_X, mixed_labels = mix_in(train_set.X, train_set.labels, X, labels, rng=rng, weight=WEIGHT)
    own.copies = copies_for(len(train_set), len(X), WEIGHT)
    own.share = (len(mixed_X) - len(train_set)) / len(mixed_X)
    return Dataset(mixed_X, mixed_labels, max(train_set.n_classes, 10), train_set.checksum)


def score_before(out, test_set, own):
    """(what was at ``out``, its test accuracy, its held-out own accuracy) before this training replaces it;
    None if there is no model there to compare with."""
    from ..storage import load

    if not out.is_file():
        return None
    try:
        network = load(out)
    except (ValueError, OSError):
        say(f"digitnet: {out} is not a model digitnet can read, so there is no 'before' to compare with")
        return None
    if network.sizes[0] != 784 or network.sizes[-1] < 10:
        return None
    return {"model": str(out), "test_accuracy": accuracy(network, test_set.X, test_set.labels),
            "held_out_accuracy": accuracy(network, own.held_X, own.held_labels)}


def accuracy(network, X, labels):
    """The share of X (n, 784) read right, or None for no images."""
    if len(labels) == 0:
        return None
    return float((network.predict(X) == labels).mean())


def kept_in_model(report):
    """What the model's metadata keeps of the report (``metadata``'s own_digits)."""
    return {"folder": os.path.realpath(report["folder"]), "images": report["images"], "held_out": report["held_out"],
            "copies": report["copies"], "held_out_accuracy": report["held_out_accuracy"]}


def summary(own, before, test_accuracy, held_out_accuracy):
    """The closing report's part on one's own digits (the final JSON object's ``also``)."""
    return {"folder": str(own.folder), "images": len(own.images), "trained_on": len(own.train_rows),
            "held_out": len(own.held_rows), "copies": own.copies, "share": round(own.share, 4),
            "held_out_accuracy": held_out_accuracy, "test_accuracy": test_accuracy, "before": before}


def print_report(report):
    """The closing lines: the two numbers, before and now."""
    def shown(value):
        return "-" if value is None else f"{value:.1%}"

    before = report["before"]
    print(f"Your digits in {report['folder']}: {report['trained_on']} trained on ({report['copies']} varied copies "
          f"each, {report['share']:.1%} of the training set), {report['held_out']} held out")
    if before is None:
        print(f"  MNIST test accuracy {report['test_accuracy']:.2%}; your held-out digits "
              f"{shown(report['held_out_accuracy'])} (no model was at --out before, so no 'before' to compare)")
        return
    print(f"  MNIST test accuracy:    {before['test_accuracy']:.2%} before (the model that was at "
          f"{before['model']}), {report['test_accuracy']:.2%} now")
    print(f"  your held-out digits:   {shown(before['held_out_accuracy'])} before, "
          f"{shown(report['held_out_accuracy'])} now")
    if not report["held_out"]:
        print("  (none held out: give --hold-out more than 0, and each digit at least two images)")
