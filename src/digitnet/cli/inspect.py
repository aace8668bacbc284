"""``digitnet evaluate``, ``predict`` and ``info``: look at a trained model."""

import json
import shlex
import sys

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, data_folder, load_data, load_model, say


def cmd_evaluate(args):
    network, _ = load_model(args.model)
    test_set, test_name = _test_set(args, network)
    score = _score(network, test_set.X, test_set.labels)
    if args.images is not None or args.mine:
        return _evaluate_images(args, network, (test_set, test_name), score)
    if args.json:
        print(json.dumps(score))
        return EXIT_OK
    print(f"Accuracy on {len(test_set):,} test images: {score['accuracy']:.2%}")
    _print_report(score)
    return EXIT_OK


def _test_set(args, network):
    """(test set, its name in a sentence): --data's or --dataset's, else that of the data the model was trained on,
    else the bundled MNIST's."""
    folder = data_folder(args)
    test_set, name = None, args.dataset if args.dataset not in (None, "mnist") else args.data or "MNIST"
    if folder is None and args.dataset is None:  # a model trained on other data is scored on that data's test images
        test_set = _test_set_trained_on(network.metadata)
        name = "MNIST" if test_set is None else network.metadata["data"]
    if test_set is None:
        (test_set,) = load_data(folder, parts=("test",))
    if test_set.X.shape[1] != network.sizes[0] or test_set.n_classes > network.sizes[-1]:
        raise UsageError(f"the model reads {network.sizes[0]} pixels into {network.sizes[-1]} classes "
                         f"but the test images have {test_set.X.shape[1]} pixels and {test_set.n_classes} classes")
    return test_set, name


def _score(network, X, labels):
    """Accuracy, accuracy per class (None for a class with no images) and the confusion matrix of ``network``
    on X (n, n_in) with labels (n,), as one JSON-ready dict (``scores.score``'s, as --json has always given)."""
    from ..scores import score

    report = score(labels, network.predict(X), network.sizes[-1])
    return {"accuracy": report["accuracy"] or 0.0, "per_digit": report["per_digit"], "confusion": report["confusion"]}


def _print_report(score, counts=None, beside=None):
    """The per-digit line (with each digit's count, if given), ``beside``'s (name, score) per-digit line under
    it if given, and the confusion matrix."""
    import numpy as np

    shown = ["-" if p is None else f"{p:.1%}" + (f" of {counts[d]}" if counts is not None else "")
             for d, p in enumerate(score["per_digit"])]
    print("Per digit:  " + "  ".join(f"{d}: {text}" for d, text in enumerate(shown)))
    if beside is not None:
        name, other = beside
        widths = [len(text) for text in shown]
        print(f"{name}:".ljust(len("Per digit:  ")) + "  ".join(
            f"{d}: {'-' if p is None else f'{p:.1%}':<{width}}" for d, (p, width) in
            enumerate(zip(other["per_digit"], widths))).rstrip())
    print("Confusion matrix (rows: true digit, columns: the network's answer):")
    print(format_confusion(np.array(score["confusion"])))


def _evaluate_images(args, network, test, test_score):
    """``evaluate --images DIR`` (or ``--mine``): the report on a folder of labelled images, beside the test set's."""
    if network.sizes[0] != 784:
        raise UsageError(f"this model reads {network.sizes[0]} inputs, not a 28x28 image; use a model trained on "
                         f"MNIST")
    folder, images = _images(args)
    score = _score(network, images.X, images.labels)
    counts = images.counts()
    test_set, test_name = test
    ratio = score["accuracy"] / test_score["accuracy"] if test_score["accuracy"] else None
    if args.json:
        print(json.dumps({"images": str(folder), "n": len(images), "counts": counts, **score,
                          "test": {"name": test_name, "n": len(test_set), "accuracy": test_score["accuracy"],
                                   "per_digit": test_score["per_digit"]},
                          "ratio": ratio}))
        return EXIT_OK
    beside = f" ({ratio:.2f} of it)" if ratio is not None else ""
    n = f"{len(images):,} image{'s' * (len(images) != 1)}"
    print(f"On the {n} in {folder}: {score['accuracy']:.1%}; on {test_name}'s {len(test_set):,} test images: "
          f"{test_score['accuracy']:.1%}{beside}")
    _print_report(score, counts, beside=(test_name, test_score))
    return EXIT_OK


def _images(args):
    """(folder, its LabelledImages): --images DIR, or for --mine the kept digits (the ones `digitnet digits list`
    shows and the page measures, in $DIGITNET_HOME/my-digits; other files there are passed over)."""
    from pathlib import Path

    from ..data.collection import MY_DIGITS, Collection
    from ..data.folder import FolderError, read_labelled_folder
    from .common import home

    try:
        if args.images is not None:
            return Path(args.images), read_labelled_folder(args.images)
        collection = Collection(home() / MY_DIGITS)
        images = collection.labelled()
    except FolderError as error:
        raise UsageError(str(error)) from None
    if not len(images):
        raise UsageError(f"no digits kept yet in {collection.folder}; keep some with `digitnet digits add IMAGE "
                         f"--digit N` or on the page (`digitnet serve`)")
    return collection.folder, images


def _test_set_trained_on(meta):
    """The test set of the data a model was trained on, if its metadata names a folder and that folder still
    holds that very data (its files' checksum is the one the model keeps); None for the bundled MNIST."""
    from ..data.idx import IDXError

    folder, checksum = meta.get("data"), meta.get("data_checksum")
    if folder in (None, "bundled MNIST"):
        return None
    if not checksum:
        say(f"digitnet: the model says it was trained on {folder} but keeps no checksum of that data, so it "
            f"cannot be told apart from other data; scoring on the bundled MNIST (--data chooses other data)")
        return None
    try:
        train_set, test_set = load_data(folder)
    except (IDXError, OSError, MemoryError):
        train_set = test_set = None
    if train_set is None or train_set.checksum != checksum:
        say(f"digitnet: the model says it was trained on {folder}, but that folder does not hold the data it was "
            f"trained on; scoring on the bundled MNIST (--data or --dataset chooses other data)")
        return None
    say(f"digitnet: scoring on the test images of the data the model was trained on, {folder} "
        f"(--data or --dataset chooses other data)")
    return test_set


def format_confusion(confusion):
    """A confusion matrix as a text table with the classes along both edges."""
    width = max(5, len(str(confusion.max())) + 1)
    lines = ["     " + "".join(f"{d:>{width}}" for d in range(len(confusion)))]
    lines += [f"{d:>4} " + "".join(f"{count:>{width}}" for count in row) for d, row in enumerate(confusion)]
    return "\n".join(lines)


def cmd_predict(args):
    from ..data.image import ImageError, prepare_image
    from ..verdicts import judge

    network, _ = load_model(args.model)
    if network.sizes[0] != 784:
        raise UsageError(f"this model reads {network.sizes[0]} inputs, not a 28x28 image; use a model trained on MNIST")
    failed = 0
    for path in args.images:
        try:
            x = prepare_image(path)
        except ImageError as error:
            message = str(error)
            if path not in message:
                message = f"{path}: {message}"
            say(f"digitnet: {message}")
            failed += 1
            continue
        outputs = network.feedforward(x[None, :])[0]
        probabilities = network.probabilities(outputs[None, :])[0]  # each output's share of their sum
        digit = int(outputs.argmax())
        verdict = judge(outputs, x)  # the page's "not sure / maybe not a digit" rule
        if args.json:
            print(json.dumps({"file": path, "digit": digit, "outputs": [round(float(a), 6) for a in outputs],
                              "probabilities": [round(float(p), 6) for p in probabilities],
                              "sure": verdict.sure, "not_sure_because": list(verdict.reasons)}))
        else:
            said = "sure" if verdict.sure else "not sure: " + "; ".join(verdict.reasons)
            print(f"{path}: {digit}  (output {outputs[digit]:.2f}, {said}; outputs "
                  + " ".join(f"{d}:{a:.2f}" for d, a in enumerate(outputs)) + ")")
        if args.show:
            print(format_grid(x), file=sys.stderr if args.json else sys.stdout)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def format_grid(x):
    """The 784 inputs as 28 rows of numbers 0.0..1.0: what the network actually sees."""
    rows = x.reshape(28, 28)
    return "\n".join(" ".join(f"{value:.1f}" for value in row) for row in rows)


def cmd_info(args):
    network, path = load_model(args.model)
    meta = network.metadata
    checkpoint = meta.pop("checkpoint", None)  # a checkpoint: its random state and settings are not for show
    done = checkpoint.get("epochs_done") if isinstance(checkpoint, dict) else None
    if args.json:
        print(json.dumps({"model": str(path), **network.config(), "parameters": network.n_params,
                          **{key: value for key, value in meta.items() if key != "history"},
                          **({"checkpoint_epochs_done": done} if checkpoint is not None else {})}))
        return EXIT_OK
    print(f"Model {path}")
    if checkpoint is not None:
        model = path.with_name(path.name.replace(".checkpoint.npz", ".npz"))
        print(f"  checkpoint  of a training stopped after epoch {done}; "
              f"`digitnet train --resume --out {shlex.quote(str(model))}` goes on with it")
    print(f"  layers      {' -> '.join(map(str, network.sizes))}  ({network.n_params:,} weights and biases)")
    print(f"  neurons     {network.activation.name} hidden, {network.output.name} output, cost {network.cost.name}")
    for line in _training_lines(network.seed, meta):
        print(line)
    return EXIT_OK


def _training_lines(seed, meta):
    """How the model was trained, from its metadata; what is missing or odd is left out."""
    recipe = meta.get("recipe") if isinstance(meta.get("recipe"), dict) else {}
    needed = ("name", "optimizer", "learning_rate", "schedule", "batch_size", "weight_decay")
    stopped = {"interrupted": " (stopped by Ctrl-C)", "diverged": " (stopped: the cost diverged)"}
    if all(key in recipe for key in needed):
        yield (f"  trained     {recipe['name']} recipe: {recipe['optimizer']}, learning rate {recipe['learning_rate']} "
               f"({recipe['schedule']}), batch {recipe['batch_size']}, L2 {recipe['weight_decay']}, seed {seed}, "
               f"{meta.get('epochs', '?')} epochs in {meta.get('trained_seconds', '?')} s"
               f"{stopped.get(meta.get('stopped'), '')}")
    extras = [f"{label} {recipe[key]}{unit}" for key, label, unit in (("max_shift", "shifts up to", " px"),
                                                                      ("dropout", "dropout", ""))
              if isinstance(recipe.get(key), (int, float)) and recipe[key]]
    if extras:
        yield f"              {', '.join(extras)}"
    if isinstance(meta.get("validation"), int) and meta["validation"] > 0:
        accuracy = meta.get("validation_accuracy")
        shown = f": {accuracy:.2%}" if isinstance(accuracy, (int, float)) else ""
        yield f"  validation  the last {meta['validation']:,} training images held out{shown}"
    if isinstance(meta.get("test_accuracy"), (int, float)):
        yield f"  accuracy    {meta['test_accuracy']:.2%} on the test set of {meta.get('data', '?')}"
    own = meta.get("own_digits")
    if own:  # checked field by field as the model was read (metadata.FIELDS)
        held = own["held_out_accuracy"]
        yield (f"  own digits  {own['images'] - own['held_out']} of the {own['images']} in {own['folder']} mixed in "
               f"({own['copies']} copies each), {own['held_out']} held out"
               + (f": {held:.1%} of them read right" if held is not None else ""))
    if meta.get("data_checksum"):
        yield f"  data sha256 {meta['data_checksum']}"
    if meta.get("version"):
        yield f"  digitnet    {meta['version']}, {meta.get('trained_at', '')}"
