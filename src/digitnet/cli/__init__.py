"""The ``digitnet`` command line: train, evaluate, predict, digits, info, show, report, serve, export.

Every command returns an exit code: 0 when it worked, 2 for bad input (said in one
sentence on stderr, never a traceback), 130 when stopped with Ctrl-C. Models go to
``$DIGITNET_HOME`` (default ``~/.local/share/digitnet``) unless ``--out`` says otherwise,
and ``predict``, ``evaluate`` and ``info`` find the model the last ``train`` wrote.
"""

import argparse
import sys

from .. import __version__
from ..activations import HIDDEN_ACTIVATIONS
from ..costs import COSTS
from ..data.download import SOURCES
from ..optimizers import OPTIMIZERS
from ..recipes import LIMITS, RECIPES, Limit
from ..training import SCHEDULES
from .common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, UsageError, say
from .digits import add_digits_parser
from .export import FORMATS, cmd_export
from .figures import cmd_report, cmd_show
from .inspect import cmd_evaluate, cmd_info, cmd_predict
from .serve import cmd_serve
from .train import cmd_train

# help texts of the options several commands share
MODEL_HELP = "a model file (default: the last one trained)"
DATA_HELP = "a folder of MNIST-style IDX files (default: the bundled MNIST)"
DATASETS = ["mnist", *SOURCES]
DATASET_HELP = ("mnist (the bundled copy, the default), or another dataset to download once and keep in "
                "$DIGITNET_CACHE (default ~/.cache/digitnet); not together with --data")
IMAGE_HELP = "a digit image to show instead of the first test digit"
QUICK_HELP = "train less for the figures that train networks"
IMAGES_HELP = ("a folder of labelled digit images (a folder per digit, or a labels.csv) for the preparation "
               "figure (default: your kept digits if there are 10 or more, else the sample bundled with digitnet)")


def _setting(name, kind):
    """An argparse type: a number of ``kind`` within the range ``recipes.LIMITS[name]`` that every training
    holds to (the page's and a checkpoint's too)."""
    return _in_range(kind, LIMITS[name])


def _in_range(kind, limit):
    """An argparse type: a number of ``kind`` (int or float) within ``limit``, a ``recipes.Limit``."""
    word = "whole number" if kind is int else "number"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a {word} {limit.words()}, got {text!r}") from None
        if not limit.holds(value):
            raise argparse.ArgumentTypeError(f"must be a {word} {limit.words()}, got {text!r}")
        return value

    return parse


_port = _in_range(int, Limit(1, 65535))  # a TCP port


def _sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be layer sizes separated by commas, like 784,16,16,10; got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"needs at least two positive layer sizes, like 784,16,16,10; got {text!r}")
    return sizes


def _add_data_options(command, data_help=DATA_HELP):
    """--data DIR or --dataset NAME (one of them, not both): the data a command reads."""
    data = command.add_mutually_exclusive_group()
    data.add_argument("--data", help=data_help)
    data.add_argument("--dataset", choices=DATASETS, help=DATASET_HELP)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one sentence, not a usage block, and that takes options only
    as they are spelled (argparse would read ``--epoch 3`` as ``--epochs 3``, a typo let through)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message):
        raise UsageError(f"{message}; see `{self.prog} --help`")


def build_parser():
    parser = _Parser(prog="digitnet", description="Train and look inside a network that reads handwritten digits.")
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser("train", help="train a network on MNIST (the seed recipe by default)")
    train.add_argument("--recipe", choices=list(RECIPES),
                       help="a rung of the ladder from the slides to 99%%, each one change more (see README); "
                            "seed: the slides' network done well; modern: its ReLU, softmax, Adam twin; best: 99%%")
    train.add_argument("--sizes", type=_sizes, help="layer sizes (default 784,16,16,10)")
    train.add_argument("--activation", choices=HIDDEN_ACTIVATIONS,
                       help="hidden neurons' activation (seed: sigmoid, modern: relu)")
    train.add_argument("--cost", choices=sorted(COSTS), help="seed: mse, modern: cross_entropy (with a softmax output)")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), help="gd is full-batch gradient descent")
    train.add_argument("--learning-rate", type=_setting("learning_rate", float),
                       help="the starting learning rate (seed: 3.0, modern: 0.003); changing the optimizer, "
                            "activation or cost without this flag picks one that suits them")
    train.add_argument("--schedule", choices=sorted(SCHEDULES), help="how the learning rate changes over the epochs")
    train.add_argument("--weight-decay", type=_setting("weight_decay", float),
                       help="L2 strength lambda (0 for none)")
    train.add_argument("--max-shift", type=_setting("max_shift", int),
                       help="move each training image by up to this many pixels, anew each epoch (0: never)")
    train.add_argument("--distort", type=_setting("distort", float),
                       help="the share of the training images rotated, scaled, thickened or thinned and elastically "
                            "distorted, drawn afresh each epoch (0 to 1; robust: 0.3, robust-wide: 0.5, others: 0)")
    train.add_argument("--dropout", type=_setting("dropout", float),
                       help="share of hidden neurons left out of each training step (0 to 0.9; best: 0.2)")
    train.add_argument("--validation", type=_setting("validation", int),
                       help="hold out the last N training images: report accuracy on them each epoch "
                            "(choose settings by it, not by the test set)")
    train.add_argument("--batch-size", type=_setting("batch_size", int), help="mini-batch size (seed: 10, modern: 16)")
    train.add_argument("--epochs", type=_setting("epochs", int),
                       help="passes over the data (seed and modern: 150)")
    train.add_argument("--seed", type=_setting("seed", int),
                       help="random seed for the weights and the shuffling (default 0)")
    _add_data_options(train)
    train.add_argument("--also", metavar="DIR",
                       help="mix a folder of your own labelled digits into the training (a folder per digit, or a "
                            "labels.csv; the ones you kept are in $DIGITNET_HOME/my-digits), varied copies of them, a "
                            "share held out: the closing report gives their accuracy and MNIST's, before and after")
    train.add_argument("--hold-out", type=_in_range(float, Limit(0, 0.9)), metavar="F",
                       help="the share of each digit of --also held out to measure on (default 0.3)")
    train.add_argument("--out", help="where to save the model (default: $DIGITNET_HOME/model.npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object per epoch and one at the end")
    train.add_argument("--resume", action="store_true",
                       help="go on with a stopped training from its last finished epoch (its checkpoint is kept "
                            "beside --out, as MODEL.checkpoint.npz, until it finishes), with the same settings")
    train.set_defaults(run=cmd_train)

    evaluate = commands.add_parser("evaluate", help="accuracy on the test set, per digit, and the confusion matrix")
    evaluate.add_argument("--model", help=MODEL_HELP)
    _add_data_options(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the results as one JSON object")
    own = evaluate.add_mutually_exclusive_group()
    own.add_argument("--images", metavar="DIR",
                     help="score on a folder of labelled images instead (a folder per digit, DIR/0 ... DIR/9, or a "
                          "DIR/labels.csv of file,label rows), beside the test set's accuracy")
    own.add_argument("--mine", action="store_true",
                     help="score on the digits you kept (those `digitnet digits list` shows, in "
                          "$DIGITNET_HOME/my-digits)")
    evaluate.set_defaults(run=cmd_evaluate)

    predict = commands.add_parser("predict", help="read the digit in each image (PNG, JPEG, GIF, BMP, TIFF or WebP)")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", help=MODEL_HELP)
    predict.add_argument("--json", action="store_true", help="print one JSON object per image")
    predict.add_argument("--show", action="store_true", help="print the 28x28 numbers the network sees")
    predict.set_defaults(run=cmd_predict)

    show = commands.add_parser("show", help="list the lesson's figures, or make one: show NAME --out FILE")
    show.add_argument("name", nargs="?", metavar="NAME", help="the figure to make (none: list them)")
    show.add_argument("--model", help=MODEL_HELP)
    show.add_argument("--out", help="the file to write, .png, .svg or .pdf (default: NAME.png)")
    show.add_argument("--image", help=IMAGE_HELP)
    show.add_argument("--images", metavar="DIR", help=IMAGES_HELP)
    _add_data_options(show)
    show.add_argument("--quick", action="store_true", help=QUICK_HELP)
    show.set_defaults(run=cmd_show)

    report = commands.add_parser("report", help="make every figure and an HTML page that walks through them")
    report.add_argument("--out", required=True, help="the folder to write the figures and index.html into")
    report.add_argument("--model", help=MODEL_HELP)
    report.add_argument("--image", help=IMAGE_HELP)
    report.add_argument("--images", metavar="DIR", help=IMAGES_HELP)
    _add_data_options(report)
    report.add_argument("--quick", action="store_true", help=QUICK_HELP)
    report.set_defaults(run=cmd_report)

    serve = commands.add_parser("serve", help="the web page: draw a digit and watch the network think; train it live")
    serve.add_argument("--model", help=MODEL_HELP)
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets anyone "
                            "on the network use the page and start trainings)")
    serve.add_argument("--port", type=_port, default=8000, help="1 to 65535 (default 8000)")
    _add_data_options(serve, "a folder of MNIST-style IDX files to train on (default: the bundled MNIST)")
    serve.set_defaults(run=cmd_serve)

    add_digits_parser(commands, MODEL_HELP)

    info = commands.add_parser("info", help="the architecture, parameter count and how a model was trained")
    info.add_argument("--model", help=MODEL_HELP)
    info.add_argument("--json", action="store_true", help="print the model's description as one JSON object")
    info.set_defaults(run=cmd_info)

    export = commands.add_parser("export", help="write the model as an ONNX graph, for onnxruntime and other tools")
    export.add_argument("--format", required=True, choices=FORMATS, help="the file format: onnx")
    export.add_argument("--model", help=MODEL_HELP)
    export.add_argument("--out", required=True, help="the file to write, such as model.onnx")
    export.set_defaults(run=cmd_export)
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    from ..data.idx import IDXError
    from ..metadata import MetadataError
    from ..storage import ModelFileError

    # a file name that is not UTF-8 (Python holds a byte like 0xff as a lone surrogate) is printed as the
    # bytes it is, as ls and other tools do, rather than stopping the command with an encoding error
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # named here, so that the sentence points at the command's own --help
            raise UsageError(f"unrecognized arguments: {' '.join(unknown)}; see `digitnet {args.command} --help`")
        return args.run(args)
    except (UsageError, IDXError, ModelFileError, MetadataError) as error:
        say(f"digitnet: {error}")
        return EXIT_BAD_INPUT
    except MemoryError:
        say("digitnet: not enough memory for this; use smaller --sizes or --batch-size")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OSError as error:  # a file the commands do not check for themselves: still one sentence
        what = f"could not use {error.filename}" if error.filename else "a file could not be used"
        say(f"digitnet: {what} ({error.strerror or error}); check that path, or choose another")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        say("digitnet: stopped by Ctrl-C; nothing was changed")
        return EXIT_INTERRUPTED
