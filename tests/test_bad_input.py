"""The bad-input matrix: every bad input we know of, in the library, the command line and the web API.

Each row names where the input goes, the input, and words its answer must contain. Every
answer must be one clear sentence and nothing else: exit code 2 and one ``digitnet: ...``
line on stderr from the command line; a 4xx with ``{"detail": "..."}`` from the API; the
library's own ValueError (or subclass) with a one-line message. Never a traceback, a hang
or a 500, and nothing lost: a row may check that a file it was given is still as it was.

``python tests/test_bad_input.py`` prints the matrix with the answers given (docs/bad-input.md).
"""

import gzip
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from conftest import write_idx_folder  # noqa: E402


@dataclass
class Files:
    """The files the rows point at: good ones, and bad ones of each kind."""

    root: Path
    data: Path = None
    model: Path = None
    digit: Path = None
    corrupt_model: Path = None
    truncated_data: Path = None
    text_image: Path = None
    blank_image: Path = None
    small_model: Path = None
    fifo_image: Path = None
    looped_image: Path = None
    huge_accuracy_model: Path = None
    nan_accuracy_model: Path = None
    odd_stopped_model: Path = None
    odd_history_model: Path = None
    gzip_bomb_data: Path = None
    looped_model: Path = None
    many_classes_data: Path = None
    one_pixel_data: Path = None
    empty_folder: Path = None
    x_folder: Path = None
    text_folder: Path = None
    huge_folder: Path = None
    blank_folder: Path = None
    csv_folder: Path = None
    extra: dict = field(default_factory=dict)


def _edit_metadata(path, edit):
    """Rewrite the metadata of the model (or checkpoint) file at ``path`` as ``edit(metadata)`` leaves it, with no
    check: a hostile file, as save would never write it. The JSON text may hold what json.dumps writes for
    NaN (``NaN``) and 10**400."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        metadata = json.loads(str(np.load(io.BytesIO(members["metadata.npy"]))))
    edit(metadata)
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps(metadata)))
    members["metadata.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _hostile_checkpoint(root, name, recipe_changes=None, settings_changes=None):
    """A checkpoint for ``train --resume --out ROOT/NAME.npz`` whose recipe or settings are out of range."""
    from digitnet import Network
    from digitnet.checkpoint import checkpoint_path, save_checkpoint
    from digitnet.optimizers import SGD
    from digitnet.recipes import RECIPES

    epoch = {"epoch": 1, "learning_rate": 3.0, "train_cost": 0.1, "test_cost": 0.1, "test_accuracy": 0.9,
             "seconds": 1.0, "saturation": 0.1, "top_class_share": 0.1}
    settings = {"recipe": RECIPES["seed"].as_dict(), "seed": 0, "validation": 0, "data": None, "data_checksum": None,
                "history": [epoch], "seconds": 1.0}
    path = save_checkpoint(checkpoint_path(root / f"{name}.npz"), Network(seed=0), SGD(3.0),
                           np.random.default_rng(0), 1, settings)

    def edit(metadata):
        metadata["checkpoint"]["settings"]["recipe"].update(recipe_changes or {})
        metadata["checkpoint"]["settings"].update(settings_changes or {})

    return _edit_metadata(path, edit)


def make_files(root, mnist):
    """Write the good and bad files into ``root``."""
    from digitnet import Network

    train, test = mnist
    files = Files(root)
    to_images = lambda X: np.round(X * 255).reshape(-1, 28, 28)  # noqa: E731
    files.data = write_idx_folder(root / "data", to_images(train.X[:600]), train.labels[:600],
                                  to_images(test.X[:100]), test.labels[:100], compress=True)
    files.model = Network(seed=0).save(root / "model.npz")
    files.digit = root / "digit.png"
    Image.fromarray((255 - test.X[0].reshape(28, 28) * 255).astype(np.uint8)).save(files.digit)
    files.corrupt_model = root / "corrupt.npz"
    files.corrupt_model.write_bytes(b"PK\x03\x04 not really a zip")
    files.truncated_data = root / "truncated"
    shutil.copytree(files.data, files.truncated_data)
    images = files.truncated_data / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])
    files.text_image = root / "notes.png"
    files.text_image.write_text("hello, I am text")
    files.blank_image = root / "blank.png"
    Image.new("L", (64, 64), 255).save(files.blank_image)
    files.small_model = Network((10, 4, 3)).save(root / "small.npz")
    os.mkfifo(root / "pipe.npz")  # a place where a model must not be written by replacing it
    files.fifo_image = root / "pipe.png"  # nobody writes to it: reading it would wait for ever
    os.mkfifo(files.fifo_image)
    files.looped_image = root / "loop.png"
    files.looped_image.symlink_to(root / "loop-back.png")
    (root / "loop-back.png").symlink_to(files.looped_image)
    hostile = {"huge_accuracy": lambda meta: meta.update(test_accuracy=10**400),
               "nan_accuracy": lambda meta: meta.update(test_accuracy=float("nan")),
               "odd_stopped": lambda meta: meta.update(stopped=["x"]),
               "odd_history": lambda meta: meta.update(history=[[1, 2, 3]])}
    for name, edit in hostile.items():
        setattr(files, f"{name}_model", _edit_metadata(Network(seed=0).save(root / f"{name}.npz"), edit))
    _hostile_checkpoint(root, "huge-rate", {"learning_rate": 10**400})
    _hostile_checkpoint(root, "huge-decay", {"weight_decay": 1e308})
    _hostile_checkpoint(root, "huge-batch", {"batch_size": 10**30})
    _hostile_checkpoint(root, "huge-seconds", settings_changes={"seconds": 10**400})
    labels = np.arange(600) % 256  # 256 classes
    files.many_classes_data = write_idx_folder(root / "many-classes", to_images(train.X[:600]), labels,
                                               to_images(test.X[:100]), labels[:100])
    files.one_pixel_data = write_idx_folder(root / "one-pixel", np.ones((600, 1, 1)), train.labels[:600],
                                            np.ones((100, 1, 1)), test.labels[:100])
    files.looped_model = root / "looped.npz"
    files.looped_model.symlink_to(files.looped_model)
    shutil.copy(files.digit, root / "layers.png")  # a user's image where report writes a figure of that name
    files.gzip_bomb_data = root / "bomb"
    shutil.copytree(files.data, files.gzip_bomb_data)
    with gzip.open(files.gzip_bomb_data / "train-images-idx3-ubyte.gz", "wb") as bomb:  # 2 MB promising 2.2 GB
        bomb.write(bytes([0, 0, 8, 3]) + (2_800_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
        for _ in range(64):
            bomb.write(bytes(32 * 2**20))
    _labelled_folders(files)
    return files


def _labelled_folders(files):
    """Folders of labelled images (for evaluate --images, train --also), each with one fault."""
    root = files.root
    files.empty_folder = root / "empty"
    files.empty_folder.mkdir()
    for name in ("x", "text", "huge", "blank"):
        (root / name / "7").mkdir(parents=True)
        shutil.copy(files.digit, root / name / "7" / "good.png")
    files.x_folder, files.text_folder, files.huge_folder, files.blank_folder = (root / name for name in
                                                                                ("x", "text", "huge", "blank"))
    (files.x_folder / "x").mkdir()
    (files.text_folder / "7" / "notes.txt").write_text("not an image")
    Image.new("L", (8000, 7000), 255).save(files.huge_folder / "7" / "huge.png")  # 56 megapixels
    shutil.copy(files.blank_image, files.blank_folder / "7" / "blank.png")
    files.csv_folder = root / "csv"
    files.csv_folder.mkdir()
    shutil.copy(files.digit, files.csv_folder / "a.png")
    (files.csv_folder / "labels.csv").write_text("file,label\na.png,seven\n")


# (argv, words of the answer); {name} is a path from Files
CLI = [
    (["train", "--activation", "sigmod"], "invalid choice: 'sigmod'"),
    (["train", "--cost", "hinge"], "invalid choice: 'hinge'"),
    (["train", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    (["train", "--recipe", "fancy"], "invalid choice: 'fancy'"),
    (["train", "--learning-rate", "0"], "must be a number above 0 and at most 1,000, got '0'"),
    (["train", "--learning-rate", "nan"], "must be a number above 0"),
    (["train", "--batch-size", "-3"], "must be a whole number from 1 to 100,000, got '-3'"),
    (["train", "--epochs", "zero"], "must be a whole number from 1 to 10,000, got 'zero'"),
    (["train", "--seed", "-1"], "must be a whole number from 0 to 2**64 - 1, got '-1'"),
    (["train", "--weight-decay", "nan"], "must be a number from 0 to 1,000, got 'nan'"),
    (["train", "--dropout", "0.95"], "must be a number from 0 to 0.9, got '0.95'"),
    (["train", "--dropout", "-0.1"], "must be a number from 0 to 0.9, got '-0.1'"),
    (["train", "--validation", "-1"], "must be a whole number from 0 to 10,000,000, got '-1'"),
    (["train", "--validation", "600"], "--validation 600 would hold out all 600 training images"),
    (["train", "--max-shift", "40"], "--max-shift 40 would move digits off their 28x28 image; use at most 7"),
    (["train", "--sizes", "784,100000000,10"], "more than the 10,000,000 digitnet builds"),
    (["train", "--out", "/proc/digitnet/model.npz"], "cannot create the folder /proc/digitnet"),
    (["train", "--out", "{root}"], "is a folder; give a file name"),
    (["train", "--sizes", "784,16,a"], "layer sizes separated by commas"),
    (["train", "--sizes", "100,16,10"], "the first layer has 100 neurons but each image has 784 pixels"),
    (["train", "--sizes", "784,16,7"], "the last layer has 7 neurons but the data has 10 classes"),
    (["train", "--data", "/nonexistent/folder"], "does not exist or is not a folder"),
    (["train", "--data", "{truncated_data}"], "damaged or truncated gzip"),
    (["train", "--frobnicate"], "unrecognized arguments: --frobnicate; see `digitnet train --help`"),
    (["train", "--epoch", "3"], "unrecognized arguments: --epoch 3"),  # not read as --epochs
    (["train", "--resume", "--epochs", "3"], "--epochs cannot be given with it"),
    (["train", "--resume", "--out", "{root}/nothing-trained.npz"], "there is no checkpoint at"),
    (["evaluate"], "no trained model yet; run `digitnet train` first"),
    (["evaluate", "--model", "{corrupt_model}"], "is not a digitnet model or is damaged"),
    (["info", "--model", "/nonexistent/model.npz"], "no model file at /nonexistent/model.npz"),
    (["info", "--model", "{root}"], "is a folder, not a model file"),
    (["predict", "{text_image}", "--model", "{model}"], "notes.png"),
    (["predict", "{blank_image}", "--model", "{model}"], "blank.png"),
    (["predict", "{root}/missing.png", "--model", "{model}"], "missing.png"),
    (["predict", "{digit}", "--model", "{small_model}"], "reads 10 inputs"),
    (["show", "no-such-figure"], "no-such-figure"),
    (["export", "--format", "tflite", "--out", "{root}/m.onnx"], "invalid choice: 'tflite'"),
    (["export", "--format", "onnx", "--model", "{model}", "--out", "{root}"], "is a folder; give a file name"),
    (["export", "--format", "onnx", "--model", "{corrupt_model}", "--out", "{root}/m.onnx"], "is damaged"),
    (["export", "--format", "onnx", "--model", "{model}", "--out", "{model}"], "is the model file itself"),
    (["train", "--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["train", "--out", "{root}/pipe.npz"], "is not a regular file (a device, a pipe or a socket)"),
    (["export", "--format", "onnx", "--model", "{model}", "--out", "/dev/null"], "is not a regular file"),
    (["export", "--format", "onnx", "--model", "{model}", "--out", "{root}/" + "a" * 300 + ".onnx"],
     "(File name too long); choose another --out"),
    (["show", "bias", "--out", "{root}/" + "a" * 300 + ".png"], "(File name too long); choose another --out"),
    (["train", "--dataset", "kmnist", "--data", "{data}"], "not allowed with argument"),
    (["serve", "--port", "0"], "must be a whole number from 1 to 65,535, got '0'"),
    (["serve", "--port", "99999"], "must be a whole number from 1 to 65,535, got '99999'"),
    (["serve", "--host", "no.such.host.invalid", "--model", "{model}"], "cannot listen on no.such.host.invalid ("),
    (["serve", "--host", "a..b", "--model", "{model}"], "cannot listen on a..b (not a valid host name)"),
    (["serve", "--model", "{small_model}"], "--recipe slides, seed, softmax, relu, modern or robust"),
    (["show", "bias", "--model", "{small_model}"], "the wider recipes do not fit"),
    (["launch"], "invalid choice: 'launch'"),
    ([], "the following arguments are required"),
    (["predict", "{fifo_image}", "--model", "{model}"], "pipe.png is not a regular file but a pipe, a device or a socket"),
    (["show", "bias", "--model", "{model}", "--image", "{fifo_image}", "--out", "{root}/b.png"], "is not a regular file"),
    (["predict", "{looped_image}", "--model", "{model}"], "loop.png is a symbolic link that leads round in a loop"),
    (["show", "bias", "--model", "{model}", "--out", "{fifo_image}"], "pipe.png is not a regular file (a device, a pipe"),
    (["info", "--model", "{root}/pipe.npz"], "pipe.npz is not a regular file but a pipe"),
    (["info", "--model", "{huge_accuracy_model}"], "its metadata's test_accuracy is a number of 401 digits, which is out of range"),
    (["info", "--json", "--model", "{nan_accuracy_model}"], "its metadata holds NaN, which is not a number any field"),
    (["info", "--model", "{odd_stopped_model}"], "its metadata's stopped is ['x'], which is out of range or of the wrong type"),
    (["show", "curves", "--model", "{odd_history_model}", "--out", "{root}/c.png"], "its metadata's history"),
    (["train", "--resume", "--out", "{root}/huge-rate.npz"], "its checkpoint's recipe"),
    (["train", "--resume", "--out", "{root}/huge-decay.npz"], "its checkpoint's recipe"),
    (["train", "--resume", "--out", "{root}/huge-batch.npz"], "its checkpoint's recipe"),
    (["train", "--resume", "--out", "{root}/huge-seconds.npz"], "its checkpoint's seconds is a number of 401 digits"),
    (["train", "--sizes", "784,12800,10"], "make 10,176,010 weights and biases, more than the 10,000,000"),
    (["train", "--sizes", ",".join(["784"] + ["4"] * 120 + ["10"])], "a network needs 2 to 100 layer sizes"),
    (["train", "--seed", str(2**64)], "must be a whole number from 0 to 2**64 - 1"),
    (["train", "--batch-size", str(10**30)], "must be a whole number from 1 to 100,000"),
    (["train", "--learning-rate", "1e400"], "must be a number above 0 and at most 1,000"),
    (["train", "--weight-decay", "1e308"], "must be a number from 0 to 1,000"),
    (["train", "--weight-decay", "1000", "--learning-rate", "3"], "would shrink every weight past zero at each step"),
    (["train", "--out", "{text_image}"], "notes.png must end in .npz, as the file it writes does"),
    (["train", "--out", "{root}/m.checkpoint.npz"], "is the name of a training's checkpoint; give a name such as m.npz"),
    (["train", "--out", "{looped_model}"], "looped.npz is a symbolic link that leads round in a loop"),
    (["show", "layers", "--model", "{model}", "--image", "{digit}", "--out", "{digit}"], "is a file this command reads"),
    (["report", "--model", "{model}", "--image", "{root}/layers.png", "--out", "{root}"], "holds layers.png, which this command reads"),
    (["export", "--format", "onnx", "--model", "{model}", "--out", "{root}/m.txt"], "m.txt must end in .onnx"),
    (["show", "layers", "--model", "{model}", "--data", "{many_classes_data}", "--out", "{root}/l.png"],
     "has images of 784 pixels in 256 classes"),
    (["report", "--model", "{model}", "--data", "{one_pixel_data}", "--out", "{root}/handout"], "images of 1 pixels"),
    (["serve", "--model", "{model}", "--data", "{many_classes_data}"], "the page trains the lesson's network: a 784-16-16-10"),
    (["train", "--data", "{gzip_bomb_data}"], "has a header that promises 2,195,200,016 bytes, more than the 1,073,741,824"),
    (["evaluate", "--model", "{model}", "--images", "{root}/no-such-folder"], "no-such-folder does not exist"),
    (["evaluate", "--model", "{model}", "--images", "{digit}"], "digit.png is a file, not a folder"),
    (["evaluate", "--model", "{model}", "--images", "{empty_folder}"], "empty holds no images"),
    (["evaluate", "--model", "{model}", "--images", "{x_folder}"], "x is not a digit's folder"),
    (["evaluate", "--model", "{model}", "--images", "{text_folder}"], "notes.txt is not an image"),
    (["evaluate", "--model", "{model}", "--images", "{huge_folder}"], "huge.png is 8000x7000 pixels, more than the 50,000,000"),
    (["evaluate", "--model", "{model}", "--images", "{blank_folder}"], "no digit found in"),
    (["evaluate", "--model", "{model}", "--images", "{csv_folder}"], "gives a.png the label 'seven'; a label is a digit 0 to 9"),
    (["evaluate", "--model", "{model}", "--mine"], "no digits kept yet in"),
    (["evaluate", "--model", "{model}", "--mine", "--images", "{x_folder}"], "not allowed with argument"),
    (["train", "--also", "{x_folder}"], "--also: "),
    (["train", "--also", "{huge_folder}"], "huge.png is 8000x7000 pixels"),
    (["train", "--hold-out", "0.2"], "--hold-out is the share of --also DIR's digits held out; give --also DIR too"),
    (["train", "--also", "{empty_folder}", "--hold-out", "1"], "must be a number from 0 to 0.9, got '1'"),
    (["digits", "add", "{blank_image}", "--digit", "3"], "blank.png was not kept: no digit found"),
    (["digits", "add", "{text_image}", "--digit", "3"], "notes.png is not a PNG, JPEG"),
    (["digits", "add", "{digit}", "--digit", "12"], "must be a digit 0 to 9, got '12'"),
    (["digits", "delete", "3/../../model.npz"], "is not a kept digit"),
    (["digits", "delete", "3/20261207-182233-3f2a.png"], "there is no kept 3 named 20261207-182233-3f2a.png"),
    (["digits", "list", "--model", "{small_model}"], "reads 10 inputs, not a 28x28 image"),
]

# (method, path, JSON body or raw bytes, status, words of the answer[, request headers]): without headers,
# a JSON body goes as application/json; with them, they are all the headers sent besides the Host. The
# app answers as `digitnet serve` makes it on this machine, to its names only (``HOSTS``).
CROSS_SITE = {"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
HOSTS = ("127.0.0.1", "localhost", "::1")
WEB = [
    ("POST", "/api/predict", {"width": 28, "height": 28, "pixels": [0.0] * 10}, 422, "needs width * height = 784"),
    ("POST", "/api/predict", {"width": 2, "height": 1, "pixels": [0.5, 7]}, 422, "from 0 (paper) to 1 (ink)"),
    ("POST", "/api/predict", {"width": 0, "height": 28, "pixels": []}, 422, "width"),
    ("POST", "/api/predict", {"width": 99999, "height": 1, "pixels": [0]}, 422, "width"),
    ("POST", "/api/predict", {"width": 1, "height": 1, "pixels": ["ink"]}, 422, "pixels"),
    ("POST", "/api/predict", {"width": 1, "height": 1}, 422, "pixels"),
    ("POST", "/api/predict", {"width": 1, "height": 1, "pixels": [0], "colour": 3}, 422, "colour"),
    ("POST", "/api/predict", b"{not json", 400, "not valid JSON"),
    ("POST", "/api/predict", b"", 400, "empty"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [NaN]}', 422, "pixels"),
    ("POST", "/api/predict", b"x" * (3 * 2**20), 413, "larger than 2 MB"),
    ("GET", "/api/predict", None, 405, ""),
    ("GET", "/api/neuron/7/0", None, 404, "layer"),
    ("GET", "/api/neuron/1/99", None, 404, "neuron"),
    ("GET", "/api/neuron/one/0", None, 404, "no layer 'one'"),
    ("POST", "/api/train", {"recipe": "best"}, 422, "784-16-16-10"),
    ("POST", "/api/train", {"epochs": 0}, 422, "epochs"),
    ("POST", "/api/train", {"learning_rate": -1}, 422, "learning_rate"),
    ("POST", "/api/descent", {"function": "nope", "learning_rate": 0.1}, 422, "function"),
    ("POST", "/api/descent", {"function": "square", "learning_rate": 0}, 422, "learning_rate"),
    ("GET", "/static/../../etc/passwd", None, 404, ""),
    ("GET", "/no/such/page", None, 404, ""),
    ("POST", "/api/train/stop", b"stop=1", 403, "comes from another web site (Origin: https://evil.example)", CROSS_SITE),
    ("POST", "/api/train", {}, 403, "(Origin: null)", {"Origin": "null", "Content-Type": "application/json"}),
    ("POST", "/api/train", {}, 403, "(Sec-Fetch-Site: cross-site)", {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}),
    ("POST", "/api/predict", {"width": 1, "height": 1, "pixels": [0.5]}, 403, "another web site",
     {"Origin": "http://127.0.0.1:9999", "Content-Type": "application/json"}),
    ("POST", "/api/train", {}, 415, "Content-Type: application/json (not application/evil+json)", {"Content-Type": "application/evil+json"}),
    ("POST", "/api/train/stop", b"{}", 415, "Content-Type: application/json (not text/plain)", {"Content-Type": "text/plain"}),
    ("POST", "/api/train/stop", b"{}", 415, "Content-Type: application/json (it had none)", {}),
    ("POST", "/api/train", {"batch_size": 10**30}, 422, "batch_size: input should be less than or equal to 100000"),
    ("POST", "/api/train", {"learning_rate": 1e300}, 422, "learning_rate: input should be less than or equal to 1000"),
    ("POST", "/api/train", {"examples": 10**9}, 422, "examples: input should be less than or equal to 60000"),
    ("POST", "/api/descent", {"function": "square", "learning_rate": 1e300}, 422, "less than or equal to 100"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [1.0000001]}', 422, "got values from 1.0000001 to 1.0000001"),
    ("POST", "/api/train", {"examples": 1}, 422, "would shrink every weight past zero at each step"),
    ("GET", "/api/model", None, 400, "not to [::1].evil.example", {"Host": "[::1].evil.example"}),
    ("GET", "/api/model", None, 400, "not to localhost:evil", {"Host": "localhost:evil"}),
]


def _library_rows():
    """(call, words of the answer): the library's own functions given bad values."""
    from digitnet import Network
    from digitnet.data.collection import Collection
    from digitnet.data.folder import read_labelled_folder
    from digitnet.data.image import prepare_image
    from digitnet.data.picture import load_image
    from digitnet.descent import simple_gd
    from digitnet.optimizers import make_optimizer
    from digitnet.recipes import get_recipe
    from digitnet.storage import load

    return [
        (lambda files: Network((784, 16, 10), activation="sigmod"), "unknown activation 'sigmod'"),
        (lambda files: Network((784, 16, 10), cost="hinge"), "hinge"),
        (lambda files: make_optimizer("rmsprop", 0.1), "unknown optimizer 'rmsprop'"),
        (lambda files: get_recipe("fancy"), "unknown recipe 'fancy'"),
        (lambda files: load(files.corrupt_model), "is not a digitnet model or is damaged"),
        (lambda files: load(files.root / "none.npz"), "no model file at"),
        (lambda files: prepare_image(np.zeros((28, 28))), "no digit found"),
        (lambda files: prepare_image(np.full((28, 28), np.nan)), "NaN or infinite"),
        (lambda files: load_image(files.text_image), "notes.png"),
        (lambda files: load_image(files.root), "not an image file"),
        (lambda files: simple_gd(lambda v: 2 * v, 10.0, learn_rate=-1), "learn_rate must be a positive number"),
        (lambda files: simple_gd(lambda v: 2 * v, 10.0, 0.1, n_iter=2.5), "n_iter must be"),
        (lambda files: read_labelled_folder(files.x_folder), "is not a digit's folder"),
        (lambda files: read_labelled_folder(files.huge_folder), "huge.png is 8000x7000 pixels"),
        (lambda files: Collection(files.root / "kept").keep(np.zeros((28, 28)), 3), "the drawing was not kept"),
        (lambda files: Collection(files.root / "kept").keep(np.ones((28, 28)), 10), "not 10"),
        (lambda files: Collection(files.root / "kept").delete(3, "../../model.npz"), "is not the name of a kept digit"),
    ]


def _cli_answer(argv, files, capsys):
    from digitnet.cli import main

    argv = [part.format(**vars(files)) for part in argv]
    if argv[:1] == ["train"] and "--data" not in argv and "--resume" not in argv:
        argv += ["--data", str(files.data), "--epochs" if "--epochs" not in argv else "--seed", "1"]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, err.strip()


@pytest.fixture(scope="module")
def files(tmp_path_factory, mnist):
    return make_files(tmp_path_factory.mktemp("bad-input"), mnist)


def _one_sentence(text):
    return bool(text) and "\n" not in text.strip() and "Traceback" not in text


@pytest.mark.parametrize("argv, words", CLI, ids=[" ".join(argv) or "(nothing)" for argv, _ in CLI])
def test_the_command_line_answers_bad_input_with_one_sentence_and_exit_code_2(argv, words, files, capsys):
    before = files.model.read_bytes()
    code, err = _cli_answer(argv, files, capsys)
    assert code == 2, err
    assert _one_sentence(err) and err.startswith("digitnet: "), err
    assert words.format(**vars(files)) in err
    assert files.model.read_bytes() == before  # nothing lost


def _web_answer(client, method, path, body, headers=None):
    raw = body if isinstance(body, bytes) else None
    if headers is None:
        headers = {"Content-Type": "application/json"} if raw is not None else {}
    elif raw is None and body is not None:
        raw = json.dumps(body).encode()
    answer = client.request(method, path, json=None if raw is not None else body, content=raw, headers=headers)
    return answer.status_code, answer.json().get("detail")


def _web_client(model):
    from fastapi.testclient import TestClient

    from digitnet import load
    from digitnet.web import create_app

    return TestClient(create_app(load(model), hosts=HOSTS), base_url="http://127.0.0.1:8000",
                      raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(files):
    return _web_client(files.model)


def _web_row(row):
    """A WEB row with its headers: None (the default ones) if it gives none."""
    return (*row, None) if len(row) == 5 else row


@pytest.mark.parametrize("method, path, body, status, words, headers", [_web_row(row) for row in WEB],
                         ids=[f"{m} {p} {str(b)[:40]}" + ("" if h is None else f" {h}") for m, p, b, _, _, h in map(_web_row, WEB)])
def test_the_web_api_answers_bad_requests_with_a_4xx_and_one_sentence(method, path, body, status, words, headers,
                                                                      client):
    code, detail = _web_answer(client, method, path, body, headers)
    assert code == status, detail
    assert isinstance(detail, str) and _one_sentence(detail), detail
    assert words in detail


def test_the_library_refuses_bad_values_with_its_own_one_line_error(files):
    for call, words in _library_rows():
        with pytest.raises(ValueError) as refused:
            call(files)
        message = str(refused.value)
        assert _one_sentence(message) and words in message, message


def test_the_matrix_has_at_least_forty_rows():
    assert len(CLI) + len(WEB) + len(_library_rows()) >= 40


class _Capture:
    """Enough of pytest's capsys for ``_cli_answer`` outside pytest."""

    def __init__(self):
        import io

        self.err = io.StringIO()
        self._real = sys.stderr
        sys.stderr = self.err

    def readouterr(self):
        text = self.err.getvalue()
        self.err.seek(0)
        self.err.truncate()
        return "", text


def _markdown(files):
    """The matrix as a Markdown table, with the answer each input got."""
    rows = ["| where | input | answer |", "|---|---|---|"]
    capture = _Capture()
    try:
        for argv, _ in CLI:
            code, err = _cli_answer(argv, files, capture)
            shown = " ".join(argv).replace(str(files.root), "DIR").format(**{k: k.upper() for k in vars(files)})
            rows.append(f"| command line | `digitnet {shown}` | exit {code}: {err.replace(str(files.root), 'DIR')} |")
    finally:
        sys.stderr = capture._real
    client = _web_client(files.model)
    for row in WEB:
        method, path, body, _, _, headers = _web_row(row)
        code, detail = _web_answer(client, method, path, body, headers)
        shown = f"{body[:40]!r}{'...' if len(body) > 40 else ''}" if isinstance(body, bytes) else json.dumps(body)
        shown = shown if len(shown) < 80 else shown[:77] + "..."
        sent = "" if headers is None else " " + (", ".join(f"{k}: {v}" for k, v in headers.items()) or "no Content-Type")
        rows.append(f"| web API | `{method} {path}`{sent} {shown if body is not None else ''} | {code}: {detail} |")
    for call, _ in _library_rows():
        try:
            call(files)
        except ValueError as error:
            rows.append(f"| library | `{_source(call)}` | {type(error).__name__}: "
                        f"{str(error).replace(str(files.root), 'DIR')} |")
    return "\n".join(rows).replace("\\", "\\\\")


def _source(call):
    import inspect

    text = inspect.getsource(call).strip()
    return text[text.index("lambda files: ") + len("lambda files: "):text.rindex(", ")].replace("|", "\\|")


if __name__ == "__main__":
    from digitnet.data.mnist import load_mnist

    with tempfile.TemporaryDirectory() as folder:
        os.environ["DIGITNET_HOME"] = str(Path(folder) / "home")
        print("# Bad input, and the one sentence each gets\n\n"
              "Made by `python tests/test_bad_input.py` (in the environment `./test.sh` makes, or after "
              "`pip install -e \".[test]\"`), which runs every row of the matrix in "
              "`tests/test_bad_input.py`; DIR is a scratch folder.\n")
        print(_markdown(make_files(Path(folder), load_mnist())))
