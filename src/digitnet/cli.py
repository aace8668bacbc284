"""The ``digitnet`` command line: train, evaluate, predict, info.

Every command returns an exit code: 0 when it worked, 2 for bad input (said in one
sentence on stderr, never a traceback), 130 when stopped with Ctrl-C. Models go to
``$DIGITNET_HOME`` (default ``~/.local/share/digitnet``) unless ``--out`` says otherwise,
and ``predict``, ``evaluate`` and ``info`` find the model the last ``train`` wrote.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .activations import HIDDEN_ACTIVATIONS
from .costs import COSTS
from .optimizers import OPTIMIZERS
from .recipes import RECIPES
from .training import SCHEDULES

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class UsageError(Exception):
    """Bad input from the user: the message is the one sentence we print."""


def home():
    """The folder for trained models: $DIGITNET_HOME, else $XDG_DATA_HOME/digitnet, else ~/.local/share/digitnet."""
    if os.environ.get("DIGITNET_HOME"):
        return Path(os.environ["DIGITNET_HOME"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "digitnet"


def _last_model_pointer():
    return home() / "last-model"


def find_model(path):
    """The model file to use: ``path`` if given, else the one the last ``train`` wrote."""
    if path is not None:
        return Path(path)
    pointer = _last_model_pointer()
    if pointer.is_file():
        return Path(pointer.read_text().strip())
    default = home() / "model.npz"
    if default.is_file():
        return default
    raise UsageError("no trained model yet; run `digitnet train` first, or pass --model PATH")


def load_model(path):
    from .storage import load

    return load(find_model(path))


def load_data(directory, parts=("train", "test")):
    from .data.mnist import load_mnist

    return load_mnist(directory, parts)


# ---------------------------------------------------------------- argument types

def _number(kind, word, allow_zero=False):
    """An argparse type: a finite number of ``kind`` above 0 (or at least 0 with ``allow_zero``)."""
    wanted = f"{'0 or a positive' if allow_zero else 'a positive'} {word}"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if not (value >= 0 if allow_zero else value > 0) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


def _sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be layer sizes separated by commas, like 784,16,16,10; got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"needs at least two positive layer sizes, like 784,16,16,10; got {text!r}")
    return sizes


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one sentence, not a usage block."""

    def error(self, message):
        raise UsageError(f"{message}; see `{self.prog} --help`")


def build_parser():
    parser = _Parser(prog="digitnet", description="Train and look inside a network that reads handwritten digits.")
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser("train", help="train a network on MNIST (the seed recipe by default)")
    train.add_argument("--recipe", choices=sorted(RECIPES), default="seed",
                       help="seed: the slides' sigmoid + MSE + SGD; modern: ReLU, softmax + cross-entropy, Adam")
    train.add_argument("--sizes", type=_sizes, help="layer sizes, e.g. 784,16,16,10")
    train.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="hidden neurons' activation")
    train.add_argument("--cost", choices=sorted(COSTS))
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), help="gd is full-batch gradient descent")
    train.add_argument("--learning-rate", type=_number(float, "number"))
    train.add_argument("--schedule", choices=sorted(SCHEDULES), help="how the learning rate changes over the epochs")
    train.add_argument("--weight-decay", type=_number(float, "number", allow_zero=True), help="L2 strength lambda (0 for none)")
    train.add_argument("--max-shift", type=_number(int, "whole number", allow_zero=True),
                       help="move each training image by up to this many pixels, anew each epoch (0: never)")
    train.add_argument("--batch-size", type=_number(int, "whole number"))
    train.add_argument("--epochs", type=_number(int, "whole number"))
    train.add_argument("--seed", type=_number(int, "whole number", allow_zero=True), default=0, help="random seed for the weights and the shuffling")
    train.add_argument("--data", help="a folder of MNIST-style IDX files (default: the bundled MNIST)")
    train.add_argument("--out", help="where to save the model (default: $DIGITNET_HOME/model.npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object per epoch and one at the end")
    train.set_defaults(run=cmd_train)

    evaluate = commands.add_parser("evaluate", help="accuracy on the test set, per digit, and the confusion matrix")
    evaluate.add_argument("--model", help="a model file (default: the last one trained)")
    evaluate.add_argument("--data", help="a folder of MNIST-style IDX files (default: the bundled MNIST)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=cmd_evaluate)

    predict = commands.add_parser("predict", help="read the digit in each image (PNG or JPEG)")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", help="a model file (default: the last one trained)")
    predict.add_argument("--json", action="store_true")
    predict.add_argument("--show", action="store_true", help="print the 28x28 numbers the network sees")
    predict.set_defaults(run=cmd_predict)

    info = commands.add_parser("info", help="the architecture, parameter count and how a model was trained")
    info.add_argument("--model", help="a model file (default: the last one trained)")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=cmd_info)
    return parser


# ---------------------------------------------------------------- commands

def cmd_train(args):
    import numpy as np

    from .network import Network
    from .optimizers import make_optimizer
    from .recipes import get_recipe
    from .training import train

    recipe = get_recipe(args.recipe).with_changes(
        sizes=args.sizes, activation=args.activation, cost=args.cost, optimizer=args.optimizer,
        learning_rate=args.learning_rate, schedule=args.schedule, weight_decay=args.weight_decay,
        batch_size=args.batch_size, epochs=args.epochs, max_shift=args.max_shift,
    )
    out = Path(args.out) if args.out else home() / "model.npz"
    _check_writable(out)
    train_set, test_set = load_data(args.data)
    _check_sizes_fit(recipe.sizes, train_set)
    if recipe.max_shift and round(recipe.sizes[0] ** 0.5) ** 2 != recipe.sizes[0]:
        raise UsageError(f"--max-shift needs square images, but each example has {recipe.sizes[0]} values; use --max-shift 0")
    network = Network(recipe.sizes, recipe.activation, recipe.cost, seed=args.seed)
    optimizer = make_optimizer(recipe.optimizer, recipe.learning_rate)
    schedule = SCHEDULES[recipe.schedule](recipe.learning_rate, recipe.epochs)
    report = _TrainingReport(recipe, network, as_json=args.json)
    started = time.perf_counter()
    try:
        history = train(network, train_set, test_set, optimizer=optimizer, epochs=recipe.epochs,
                        batch_size=recipe.batch_size, rng=np.random.default_rng(args.seed),
                        schedule=schedule, weight_decay=recipe.weight_decay, max_shift=recipe.max_shift,
                        on_epoch=report.epoch)
    finally:
        report.close()
    seconds = time.perf_counter() - started
    if not history.epochs:
        reason = "the cost became NaN or infinite in the first epoch" if history.stopped == "diverged" else "stopped"
        _say(f"digitnet: no epoch finished ({reason}), so no model was saved; "
             f"{'try a smaller --learning-rate' if history.stopped == 'diverged' else 'nothing was changed'}")
        return EXIT_INTERRUPTED if history.stopped == "interrupted" else EXIT_BAD_INPUT
    network.metadata = {
        "recipe": recipe.as_dict(),
        "epochs": len(history.epochs),
        "test_accuracy": history.last.test_accuracy,
        "data": str(Path(args.data).resolve()) if args.data else "bundled MNIST",
        "data_checksum": train_set.checksum,
        "trained_seconds": round(seconds, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "stopped": history.stopped,
        "version": __version__,
        "history": [vars(result) for result in history.epochs],
    }
    network.save(out)
    home().mkdir(parents=True, exist_ok=True)
    _last_model_pointer().write_text(str(out.resolve()))
    report.finish(history, seconds, out)
    if history.stopped == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT if history.stopped == "diverged" else EXIT_OK


def _check_writable(out):
    """Refuse before training, not after, a place where the model cannot be saved."""
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as {out / 'model.npz'}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        home().mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the folder for {out}: {error.strerror}; choose another --out") from None
    for folder in {out.parent, home()}:
        if not os.access(folder, os.W_OK):
            raise UsageError(f"cannot write in {folder}; choose another --out or set DIGITNET_HOME")


def _check_sizes_fit(sizes, dataset):
    n_features, n_classes = dataset.X.shape[1], dataset.n_classes
    if sizes[0] != n_features:
        raise UsageError(f"the first layer has {sizes[0]} neurons but each image has {n_features} pixels; "
                         f"start --sizes with {n_features}")
    if sizes[-1] != n_classes:
        raise UsageError(f"the last layer has {sizes[-1]} neurons but the data has {n_classes} classes; "
                         f"end --sizes with {n_classes}")


class _TrainingReport:
    """What ``train`` shows while it runs: a progress bar, or JSON lines with --json."""

    def __init__(self, recipe, network, as_json):
        self.as_json = as_json
        self.n_params = network.n_params
        self.bar = None
        if not as_json:
            from tqdm import tqdm

            print(f"Training {'-'.join(map(str, recipe.sizes))} ({network.n_params:,} weights and biases): "
                  f"{recipe.name} recipe, {recipe.activation}, {recipe.cost}, {recipe.optimizer}, "
                  f"learning rate {recipe.learning_rate:g} ({recipe.schedule}), batch {recipe.batch_size}, "
                  f"L2 {recipe.weight_decay:g}" + (f", shifts up to {recipe.max_shift} px" if recipe.max_shift else ""),
                  flush=True)
            self.bar = tqdm(total=recipe.epochs, unit="epoch", dynamic_ncols=True)

    def epoch(self, result):
        if self.as_json:
            print(json.dumps({"epoch": result.epoch, "learning_rate": result.learning_rate,
                              "train_cost": result.train_cost, "test_cost": result.test_cost,
                              "test_accuracy": result.test_accuracy, "seconds": result.seconds}), flush=True)
            return
        self.bar.set_postfix(cost=f"{result.train_cost:.4f}", test_accuracy=f"{result.test_accuracy:.2%}")
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def finish(self, history, seconds, out):
        last = history.last
        if self.as_json:
            print(json.dumps({"test_accuracy": last.test_accuracy, "epochs": len(history.epochs),
                              "seconds": round(seconds, 3), "parameters": self.n_params, "model": str(out),
                              "stopped": history.stopped}))
        else:
            print(f"Test accuracy {last.test_accuracy:.2%} after {len(history.epochs)} epochs "
                  f"in {seconds:.1f} s; model saved to {out}")
        if history.stopped == "interrupted":
            _say(f"digitnet: stopped by Ctrl-C; kept the model of epoch {last.epoch} in {out}")
        elif history.stopped == "diverged":
            _say(f"digitnet: the cost became NaN or infinite in epoch {last.epoch + 1}, so training stopped; "
                 f"the learning rate is probably too large; kept the model of epoch {last.epoch} in {out}")


def cmd_evaluate(args):
    import numpy as np

    network = load_model(args.model)
    (test_set,) = load_data(args.data, parts=("test",))
    if test_set.X.shape[1] != network.sizes[0] or test_set.n_classes > network.sizes[-1]:
        raise UsageError(f"the model reads {network.sizes[0]} pixels into {network.sizes[-1]} classes "
                         f"but the test images have {test_set.X.shape[1]} pixels and {test_set.n_classes} classes")
    predicted = network.predict(test_set.X)
    n_classes = network.sizes[-1]
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (test_set.labels, predicted), 1)
    per_digit = [float(confusion[d, d] / max(confusion[d].sum(), 1)) for d in range(n_classes)]
    accuracy = float(np.trace(confusion) / len(test_set))
    if args.json:
        print(json.dumps({"accuracy": accuracy, "per_digit": per_digit, "confusion": confusion.tolist()}))
        return EXIT_OK
    print(f"Accuracy on {len(test_set):,} test images: {accuracy:.2%}")
    print("Per digit:  " + "  ".join(f"{d}: {p:.1%}" for d, p in enumerate(per_digit)))
    print("Confusion matrix (rows: true digit, columns: the network's answer):")
    width = max(5, len(str(confusion.max())) + 1)
    print("     " + "".join(f"{d:>{width}}" for d in range(n_classes)))
    for d, row in enumerate(confusion):
        print(f"{d:>4} " + "".join(f"{count:>{width}}" for count in row))
    return EXIT_OK


def cmd_predict(args):
    from .data.image import ImageError, prepare_image

    network = load_model(args.model)
    if network.sizes[0] != 784:
        raise UsageError(f"this model reads {network.sizes[0]} inputs, not a 28x28 image; use a model trained on MNIST")
    failed = 0
    for path in args.images:
        try:
            x = prepare_image(path)
        except ImageError as error:
            message = str(error)
            _say(f"digitnet: {message}" if path in message else f"digitnet: {path}: {message}")
            failed += 1
            continue
        probabilities = network.predict_proba(x[None, :])[0]
        digit = int(probabilities.argmax())
        if args.json:
            print(json.dumps({"file": path, "digit": digit,
                              "probabilities": [round(float(p), 6) for p in probabilities]}))
        else:
            print(f"{path}: {digit}  ({probabilities[digit]:.0%} sure; "
                  + " ".join(f"{d}:{p:.2f}" for d, p in enumerate(probabilities)) + ")")
        if args.show:
            print(format_grid(x), file=sys.stderr if args.json else sys.stdout)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def format_grid(x):
    """The 784 inputs as 28 rows of numbers 0.0..1.0: what the network actually sees."""
    rows = x.reshape(28, 28)
    return "\n".join(" ".join(f"{value:.1f}" for value in row) for row in rows)


def cmd_info(args):
    network = load_model(args.model)
    path = find_model(args.model)
    meta = network.metadata
    if args.json:
        print(json.dumps({"model": str(path), **network.config(), "parameters": network.n_params,
                          **{k: v for k, v in meta.items() if k != "history"}}))
        return EXIT_OK
    print(f"Model {path}")
    print(f"  layers      {' -> '.join(map(str, network.sizes))}  ({network.n_params:,} weights and biases)")
    print(f"  neurons     {network.activation.name} hidden, {network.output.name} output, cost {network.cost.name}")
    recipe = meta.get("recipe")
    if recipe:
        print(f"  trained     {recipe['name']} recipe: {recipe['optimizer']}, learning rate {recipe['learning_rate']:g} "
              f"({recipe['schedule']}), batch {recipe['batch_size']}, L2 {recipe['weight_decay']:g}, "
              f"seed {network.seed}, {meta.get('epochs')} epochs in {meta.get('trained_seconds')} s")
    if meta.get("test_accuracy") is not None:
        print(f"  accuracy    {meta['test_accuracy']:.2%} on the test set of {meta.get('data')}")
    if meta.get("data_checksum"):
        print(f"  data sha256 {meta['data_checksum']}")
    if meta.get("version"):
        print(f"  digitnet    {meta['version']}, {meta.get('trained_at', '')}")
    return EXIT_OK


# ---------------------------------------------------------------- entry point

def _say(message):
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    """Run the command line; return the exit code."""
    from .data.idx import IDXError
    from .storage import ModelFileError

    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except (UsageError, IDXError, ModelFileError) as error:
        _say(f"digitnet: {error}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("digitnet: stopped by Ctrl-C; nothing was changed")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
