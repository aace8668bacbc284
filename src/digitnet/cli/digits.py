"""``digitnet digits add | list | delete``: the digits you keep, in $DIGITNET_HOME/my-digits/<digit>/.

The collection (``data.collection``) is a folder per digit, the layout torchvision's ``ImageFolder``
and Keras' ``image_dataset_from_directory`` read; ``digitnet evaluate --mine`` scores a model on it
and ``digitnet train --also $DIGITNET_HOME/my-digits`` teaches one to read it.
"""

import argparse
import json
import os
from pathlib import Path

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, home, say

KEEP_HINT = "keep some with `digitnet digits add IMAGE --digit N`, or on the page (`digitnet serve`)"


def add_digits_parser(commands, model_help):
    """The ``digits`` command and its three actions, added to the subparsers ``commands``."""
    digits = commands.add_parser("digits", help="keep your own digits, list them with the model's answers, delete them")
    actions = digits.add_subparsers(dest="action", metavar="ACTION", parser_class=type(digits))
    actions.required = True
    add = actions.add_parser("add", help="keep images of one digit in $DIGITNET_HOME/my-digits/N/")
    add.add_argument("images", nargs="+", metavar="IMAGE")
    add.add_argument("--digit", type=_digit, required=True, help="the digit the images show, 0 to 9")
    add.set_defaults(run=cmd_digits_add)
    listing = actions.add_parser("list", help="each kept digit with the model's answer, and the count per digit")
    listing.add_argument("--model", help=model_help)
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(run=cmd_digits_list)
    delete = actions.add_parser("delete", help="delete kept digits, named as `digits list` shows them: N/NAME")
    delete.add_argument("kept", nargs="+", metavar="N/NAME", help="such as 7/20261207-182233-3f2a.png")
    delete.set_defaults(run=cmd_digits_delete)


def _digit(text):
    if text not in tuple("0123456789"):
        raise argparse.ArgumentTypeError(f"must be a digit 0 to 9, got {text!r}")
    return int(text)


def _collection():
    from ..data.collection import MY_DIGITS, Collection

    return Collection(home() / MY_DIGITS)


def cmd_digits_add(args):
    from ..data.collection import CollectionError

    collection = _collection()
    failed = 0
    for image in args.images:
        try:
            kept = collection.keep(image, args.digit)
        except CollectionError as error:
            say(f"digitnet: {error}")
            failed += 1
            continue
        except OSError as error:
            raise UsageError(f"could not write into {collection.folder} ({error.strerror or error}); "
                             f"set DIGITNET_HOME to a folder you can write in") from None
        print(f"kept {image} as a {args.digit}: {kept.path}")
    return EXIT_BAD_INPUT if failed else EXIT_OK


def cmd_digits_list(args):
    from ..data.image import ImageError, prepare_image

    collection = _collection()
    kept = collection.all()
    network, model_path = _model_if_any(args.model)
    answers = []
    for each in kept:
        try:
            x = prepare_image(each.path)
        except ImageError:
            answers.append(None)  # damaged since it was kept: shown as unreadable
            continue
        answers.append(int(network.predict(x[None, :])[0]) if network is not None else None)
    counts = collection.counts()
    right = sum(answer == each.digit for answer, each in zip(answers, kept))
    if args.json:
        print(json.dumps({"folder": str(collection.folder), "counts": counts,
                          "model": str(model_path) if network is not None else None,
                          "right": right if network is not None else None,
                          "digits": [{"digit": each.digit, "name": each.name, "path": str(each.path), "answer": answer}
                                     for each, answer in zip(kept, answers)]}))
        return EXIT_OK
    if not kept:
        print(f"No digits kept yet in {collection.folder}; {KEEP_HINT}.")
        return EXIT_OK
    print(f"{len(kept)} digit{'s' * (len(kept) != 1)} kept in {collection.folder} (a folder per digit, "
          f"as torchvision's ImageFolder reads it):")
    for each, answer in zip(kept, answers):
        print(f"  {each.digit}/{each.name}  {_answer(each.digit, answer, network)}")
    print("Kept per digit:  " + "  ".join(f"{d}: {n}" for d, n in enumerate(counts)))
    if network is not None:
        print(f"The model {model_path} reads {right} of the {len(kept)} right ({right / len(kept):.1%}); "
              f"`digitnet evaluate --mine` gives the whole report, beside MNIST's")
    else:
        print("No model yet to read them: train one with `digitnet train` to see its answers")
    return EXIT_OK


def _answer(digit, answer, network):
    if network is None:
        return ""
    if answer is None:
        return "cannot be read (damaged since it was kept?)"
    return f"read as {answer}" + ("" if answer == digit else "  (wrong)")


def _model_if_any(path):
    """(network, its path) for --model PATH, or the last trained model; (None, None) when no model was given and
    none has been trained yet (a listing needs none)."""
    from .common import find_model, load_model

    if path is None:
        try:
            find_model(None)
        except UsageError:
            return None, None
    network, model_path = load_model(path)
    if network.sizes[0] != 784:
        raise UsageError(f"the model {model_path} reads {network.sizes[0]} inputs, not a 28x28 image; "
                         f"give --model one trained on MNIST")
    return network, model_path


def cmd_digits_delete(args):
    from ..data.collection import CollectionError

    collection = _collection()
    chosen = []
    try:
        for text in args.kept:  # every one checked before any is deleted
            chosen.append(collection.get(*_named(text, collection.folder)))
        for kept in dict.fromkeys(chosen):
            collection.delete(kept.digit, kept.name)
            print(f"deleted {kept.digit}/{kept.name}")
    except CollectionError as error:
        raise UsageError(str(error)) from None
    return EXIT_OK


def _named(text, folder):
    """(digit, name) of a kept digit given as N/NAME, or as its path in ``folder``."""
    parts = text.replace(os.sep, "/").split("/")
    inside = len(parts) == 2 or (len(parts) > 2 and os.path.realpath(Path(text).parent.parent)
                                 == os.path.realpath(folder))
    if not inside or parts[-2] not in tuple("0123456789"):
        raise UsageError(f"{text!r} is not a kept digit; name it as `digitnet digits list` shows it, "
                         f"DIGIT/NAME such as 7/20261207-182233-3f2a.png")
    return int(parts[-2]), parts[-1]
