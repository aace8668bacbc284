"""What a model file says about how it was trained, checked field by field before anything reads it.

A model's metadata is a JSON object that ``digitnet train``, the page and the scikit-learn
estimator write, and that ``info``, ``evaluate``, ``show``, the page, ``export`` and
``train --resume`` read. A model file is untrusted, so ``check_metadata`` holds every field
to its type and range, in this one place: a field that is wrong makes the file refused with a
sentence naming it, and a field digitnet does not know is dropped, so that no command can
mistake it for one it does (a ``sizes`` of its own, say, in place of the real architecture).
"""

import json
import math
from typing import Any

from .recipes import LIMITS, Recipe, shown_number

MAX_TEXT = 4096          # characters of a text field (a folder's path is the longest)
MAX_SECONDS = 10**9      # about 30 years of training
STOPPED = (None, "interrupted", "diverged", "stuck", "error")
MAX_CLASSES = 100_000
MAX_COST = 1e6           # a mean cost: MSE stays below 10, cross-entropy below 750 (-log of float64's smallest)


class MetadataError(ValueError):
    """A metadata field of the wrong type or out of range; the message names it and the value."""


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _count(limit: int):
    return lambda value: type(value) is int and 0 <= value <= limit


def _number(low: float, high: float, optional: bool = False):
    """A check: a finite number from ``low`` to ``high`` (or None, if ``optional``)."""

    def holds(value: Any) -> bool:
        if value is None:
            return optional
        finite = type(value) is int or type(value) is float and math.isfinite(value)  # an int of 401 digits too
        return finite and low <= value <= high

    return holds


SHARE = _number(0, 1, optional=True)   # an accuracy, a share of neurons
COST = _number(0, MAX_COST, optional=True)

# every field of an epoch's entry in a history (``training.EpochResult``)
EPOCH = {
    "epoch": _count(int(LIMITS["epochs"].high)),
    "learning_rate": _number(0, LIMITS["learning_rate"].high),
    "train_cost": COST,
    "test_cost": COST,
    "test_accuracy": SHARE,
    "seconds": _number(0, MAX_SECONDS),
    "saturation": SHARE,
    "top_class_share": SHARE,
}


def _history(value: Any) -> bool:
    """A list of epochs, each an object whose known fields are in range (unknown ones are dropped)."""
    if not isinstance(value, list) or len(value) > LIMITS["epochs"].high:
        return False
    return all(isinstance(entry, dict) and _fields_hold(entry, EPOCH) is None for entry in value)


def _resumable_history(value: Any) -> bool:
    """A history a training can go on from: each epoch has its accuracy, which the final report gives."""
    return _history(value) and all(type(entry.get("test_accuracy")) in (int, float) for entry in value)


def _known_epochs(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{name: entry[name] for name in EPOCH if name in entry} for entry in history]


def _recipe(value: Any) -> bool:
    try:
        Recipe.from_dict(value)
    except (ValueError, TypeError):
        return False
    return True


def _classes(value: Any) -> bool:
    scalar = (str, int, float, bool)
    return (isinstance(value, list) and len(value) <= MAX_CLASSES
            and all(isinstance(label, scalar) and (not isinstance(label, str) or len(label) <= MAX_TEXT)
                    for label in value))


def _own_digits(value: Any) -> bool:
    """What ``train --also`` mixed in: the folder, how many images, how many held out, copies of each, and the
    held-out digits' accuracy."""
    checks = {"folder": _text, "images": _count(10**6), "held_out": _count(10**6), "copies": _count(10**9),
              "held_out_accuracy": SHARE}
    return isinstance(value, dict) and set(value) == set(checks) and _fields_hold(value, checks) is None


def _also(value: Any) -> bool:
    """A checkpoint's --also: the folder, the share held out, and the checksum its images had."""
    if value is None:
        return True
    checks = {"folder": _text, "hold_out": _number(0, 1),
              "checksum": lambda text: _text(text) and len(text) == 64 and text.isalnum()}
    return isinstance(value, dict) and set(value) == set(checks) and _fields_hold(value, checks) is None


# every field any command reads, with what it must be
FIELDS = {
    "recipe": _recipe,
    "epochs": _count(int(LIMITS["epochs"].high)),
    "test_accuracy": SHARE,
    "validation": _count(int(LIMITS["validation"].high)),
    "validation_accuracy": SHARE,
    "data": lambda value: value is None or _text(value),
    "data_checksum": lambda value: value is None or (_text(value) and len(value) <= 128 and value.isalnum()),
    "examples": _count(10**9),
    "trained_seconds": _number(0, MAX_SECONDS),
    "trained_at": lambda value: _text(value) and len(value) <= 64,
    "stopped": lambda value: value in STOPPED,
    "version": lambda value: _text(value) and len(value) <= 64,
    "history": _history,
    "classes": _classes,
    "own_digits": _own_digits,
}

# a checkpoint's ``settings``: what ``digitnet train --resume`` rebuilds the training from (the library's own
# checkpoints may hold other settings: those are the caller's to check)
SETTINGS = {
    "recipe": _recipe,
    "seed": lambda value: type(value) is int and LIMITS["seed"].holds(value),
    "validation": _count(int(LIMITS["validation"].high)),
    "data": lambda value: value is None or _text(value),
    "data_checksum": FIELDS["data_checksum"],
    "history": _resumable_history,
    "seconds": _number(0, MAX_SECONDS),
    "also": _also,
}


def parse_metadata(text: str) -> Any:
    """The JSON value of a metadata text; MetadataError for NaN or Infinity anywhere in it (which Python's json
    reads, and no field may hold), ValueError (json's) if it is not JSON at all."""
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise MetadataError(f"its metadata holds {name}, which is not a number any field may have")


def check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``metadata`` that digitnet reads, each checked; MetadataError naming the first that is wrong.

    A checkpoint's own part (``checkpoint``: epochs done, the random state, the settings) is checked too."""
    wrong = _fields_hold(metadata, FIELDS)
    if wrong:
        raise MetadataError(f"its metadata's {wrong}")
    checked = {name: metadata[name] for name in FIELDS if name in metadata}
    if "history" in checked:
        checked["history"] = _known_epochs(checked["history"])
    if "checkpoint" in metadata:
        checked["checkpoint"] = _check_checkpoint(metadata["checkpoint"])
    return checked


def _check_checkpoint(part: Any) -> dict[str, Any]:
    if not isinstance(part, dict) or set(part) != {"epochs_done", "rng", "settings"}:
        raise MetadataError("its checkpoint part is not a checkpoint's (epochs_done, rng, settings)")
    if not _count(int(LIMITS["epochs"].high))(part["epochs_done"]) or part["epochs_done"] < 1:
        raise MetadataError(f"its checkpoint's epochs_done {_shown(part['epochs_done'])} is not a count of epochs")
    if not isinstance(part["rng"], dict):
        raise MetadataError("its checkpoint's random state is not a JSON object")
    settings = part["settings"]
    if not isinstance(settings, dict):
        raise MetadataError("its checkpoint's settings are not a JSON object")
    wrong = _fields_hold(settings, SETTINGS)
    if wrong:
        raise MetadataError(f"its checkpoint's {wrong}")
    if "history" not in settings:
        return part
    if len(settings["history"]) != part["epochs_done"]:
        raise MetadataError("its checkpoint's history does not hold one entry per epoch done")
    return {**part, "settings": {**settings, "history": _known_epochs(settings["history"])}}


def _fields_hold(values: dict[str, Any], checks: dict[str, Any]) -> str | None:
    """None if every field of ``values`` that ``checks`` knows holds to its check, else words naming the first
    that does not, with its value. Fields it does not know are left for the caller to drop."""
    for name, holds in checks.items():
        if name in values and not holds(values[name]):
            return f"{name} is {_shown(values[name])}, which is out of range or of the wrong type"
    return None


def _shown(value: Any) -> str:
    """A value from a file, short: a number of 401 digits by its length, a long text or list cut."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return shown_number(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
