"""Fuzzing the readers of untrusted files: model files, IDX files and users' pictures.

Hypothesis generates files and damages real ones (bytes flipped, cut, inserted, members of an
archive swapped, headers rewritten); whatever comes in, a reader returns a sound result or
raises the project's own error with one sentence. Anything else fails.

Each test tries ``DIGITNET_FUZZ_EXAMPLES`` inputs (default 1000, so the file takes well under a
minute); ``python benchmarks/fuzz.py`` runs thousands and counts the errors that come out.
"""

import io
import json
import os
import struct
import tempfile
import zipfile
import zlib
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

import digitnet
from digitnet import Network
from digitnet.data.idx import IDXError, read_idx
from digitnet.data.image import ImageError, prepare_image
from digitnet.recipes import RECIPES
from digitnet.storage import FORMAT, ModelFileError

EXAMPLES = int(os.environ.get("DIGITNET_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


# ---- damaging bytes


@st.composite
def damaged(draw, data):
    """``data`` with 1 to 6 bytes flipped, set, inserted or deleted, or cut short."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "cut", "repeat"]))
        if action == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set" and data:
            data[at] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "cut":
            del data[at:]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def one_sentence(error, kind):
    """The message of ``error``, checked to be the project's own ``kind`` with one clear sentence."""
    assert isinstance(error, kind), f"{type(error).__name__} came out: {error!r}"
    message = str(error)
    assert message and "\n" not in message and len(message) < 400, message
    assert error.__cause__ is None, message
    return message


# ---- (a) model files


@cache
def model_files():
    """The bytes of a few real model files, and {member: bytes} of each."""
    seed_network = Network()
    small = Network((4, 3, 2), "relu", "cross_entropy", seed=1, dtype="float64")
    small.metadata = {"recipe": RECIPES["modern"].as_dict(), "test_accuracy": 0.5,
                      "history": [{"epoch": 1, "train_cost": 0.3}]}
    files = []
    with tempfile.TemporaryDirectory() as folder:
        for network in (seed_network, small, Network((2, 2), "tanh", seed=2)):
            files.append(network.save(Path(folder) / "model.npz").read_bytes())
    members = []
    for data in files:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members.append({name: archive.read(name) for name in archive.namelist()})
    return files, members


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def zipped(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
odd_sizes = st.one_of(
    json_values,
    st.lists(st.integers(-3, 12), max_size=5),
    st.lists(st.sampled_from([0, -1, 1.5, True, "16", None, 10**6, 2**31, 10**30]), min_size=1, max_size=4),
    st.just([100000, 100000, 100000, 10]),
    st.just([1] * 1000),
)
arrays = st.one_of(
    hnp.arrays(st.sampled_from(["<f4", ">f8", "<f2", "<i8", "|u1", "|b1", "<c8", "<U3", "|S2"]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)),
    st.just(np.array([1, "a"], dtype=object)),
    st.just(np.zeros(3, dtype=[("a", "<f4"), ("b", "<i2")])),
)


@st.composite
def configs(draw):
    """A network's configuration: right, or with one field or more of the wrong value or type."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    config = {"sizes": sizes, "activation": "sigmoid", "cost": "mse", "output": None, "seed": 0,
              "dtype": "float32", "init": "fan_in"}
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from([*config, "unknown"]))
        if field == "sizes":
            config[field] = draw(odd_sizes)
        elif draw(st.booleans()):
            config.pop(field, None)
        else:
            config[field] = draw(json_values | st.sampled_from(["relu", "softmax", "cross_entropy", "float64",
                                                                  "normal", "sigmod", -1, 2**64, "\x1b[2J"]))
    return config


@st.composite
def generated_models(draw):
    """An archive built from a configuration and arrays that fit it, or nearly."""
    config = draw(configs())
    sizes = config.get("sizes") if isinstance(config.get("sizes"), list) else [2, 2]
    sizes = [s if type(s) is int and 0 < s < 8 else 2 for s in sizes[:5]]
    members = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for name, shape in ((f"weight_{l}", (n_in, n_out)), (f"bias_{l}", (n_out,))):
            members[f"{name}.npy"] = npy(draw(hnp.arrays(st.sampled_from(["<f4", "<f8"]), shape,
                                                         elements=st.floats(-10, 10, width=32))))
    metadata = {"format": FORMAT, "config": config}
    if draw(st.booleans()):
        field = draw(st.sampled_from(["format", "recipe", "version", "history", "checkpoint", "test_accuracy",
                                      "stopped", "epochs", "trained_seconds", "data", "classes", "sizes"]))
        metadata[field] = draw(json_values)
    members["metadata.npy"] = npy(np.array(json.dumps(metadata)))
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from([*members, "optimizer_t.npy", "extra"]))
        if name == "metadata.npy" and draw(st.booleans()):
            texts = st.sampled_from(["[" * 100000, "{}", "null", "not json"]) | json_values.map(json.dumps)
            members[name] = npy(np.array(draw(texts)))
        else:
            members[name] = npy(draw(arrays))
    return zipped(members)


@st.composite
def rebuilt_models(draw):
    """A real model's archive with members damaged, dropped, added or renamed, its CRCs right."""
    members = dict(draw(st.sampled_from(model_files()[1])))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(members))) if members else "metadata.npy"
        action = draw(st.sampled_from(["damage", "damage", "drop", "replace", "rename"]))
        if action == "damage":
            members[name] = draw(damaged(members.get(name, b"")))
        elif action == "drop":
            members.pop(name, None)
        elif action == "replace":
            members[name] = npy(draw(arrays))
        elif action == "rename":
            new_name = draw(st.sampled_from(["weight_9.npy", "metadata", "../x.npy", "bias_0.npy"]))
            members[new_name] = members.pop(name, b"")
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    return zipped(members, compression)


model_inputs = st.one_of(
    st.sampled_from(range(3)).flatmap(lambda i: damaged(model_files()[0][i])),
    rebuilt_models(),
    generated_models(),
    st.binary(max_size=64),
)


def check_model_file(data, folder):
    """Load ``data`` as a model file: "loaded", or the ModelFileError's message."""
    path = Path(folder) / "model.npz"
    path.write_bytes(data)
    try:
        network = digitnet.load(path)
    except Exception as error:  # noqa: BLE001 - one_sentence fails on anything but ModelFileError
        message = one_sentence(error, ModelFileError)
        assert message.startswith(f"{path} is not a digitnet model or is damaged: "), message
        assert message.endswith("; train a new one with `digitnet train`"), message
        return message
    assert all(np.isfinite(w).all() for w in network.weights + network.biases)
    assert network.predict_proba(np.zeros((1, network.sizes[0]))).shape == (1, network.sizes[-1])
    return "loaded"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=model_inputs)
def test_any_model_file_loads_or_gets_one_clear_model_file_error(folder, data):
    check_model_file(data, folder)


def test_the_fuzzed_model_files_include_real_models_that_load(folder):
    assert all(check_model_file(data, folder) == "loaded" for data in model_files()[0])


# ---- (b) IDX files


def mostly(value, others):
    """``value`` four times in five, else one of ``others``."""
    return st.sampled_from([value] * 4 * len(others) + list(others))


@st.composite
def idx_inputs(draw):
    """(bytes of an IDX file, plain or gzip, maybe damaged; the dimensions the reader expects)."""
    ndim = draw(st.sampled_from([1, 3]))
    shape = draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim))
    header = struct.pack(">HBB", draw(mostly(0, [1, 0x0800, 0xFFFF])), draw(mostly(0x08, [0x09, 0x0B, 0x0D, 0xFF])),
                         draw(mostly(ndim, [0, 1, 2, 3, 4, 255])))
    dims = [draw(mostly(side, [0, 1, 2**31, 2**32 - 1])) for side in shape]
    header += struct.pack(f">{len(dims)}I", *dims)
    payload = draw(st.binary(min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    data = header + payload + draw(st.sampled_from([b"", b"", b"\0", b"extra"]))
    if draw(st.booleans()):
        data = draw(damaged(data))
    if draw(st.booleans()):
        data = zlib.compress(data, wbits=16 + zlib.MAX_WBITS) * draw(st.sampled_from([1, 1, 2]))
        if draw(st.booleans()):
            data = draw(damaged(data))
    return data, ndim


def check_idx_file(data, ndim, folder):
    """Read ``data`` as an IDX file of ``ndim`` dimensions: "read", or the IDXError's message."""
    path = Path(folder) / ("images.gz" if data[:2] == b"\x1f\x8b" else "images")
    path.write_bytes(data)
    try:
        array = read_idx(path, ndim)
    except Exception as error:  # noqa: BLE001
        message = one_sentence(error, IDXError)
        assert path.name in message, message
        return message
    assert array.dtype == np.uint8 and array.ndim == ndim
    return "read"


@FUZZ
@given(data=idx_inputs())
def test_any_idx_file_reads_or_gets_one_clear_idx_error(folder, data):
    check_idx_file(*data, folder)


# ---- (c) users' pictures


def digit_image(mode, size=(48, 48)):
    """A seven drawn in dark strokes on light paper, in Pillow's ``mode``."""
    image = Image.new("L", size, 230)
    ImageDraw.Draw(image).line([(10, 10), (38, 10), (20, 40)], fill=20, width=4)
    if mode == "I;16":
        return Image.fromarray(np.asarray(image).astype(np.uint16) * 257)
    if mode == "P":
        return image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE)
    return image.convert(mode)


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@cache
def picture_files():
    """Real image files of a digit: PNG of many modes, JPEG (with EXIF), GIF (animated), BMP, TIFF, WebP."""
    exif = Image.Exif()
    exif[0x0112] = 6
    rgba = digit_image("RGBA")
    rgba.putalpha(Image.fromarray(np.where(np.asarray(digit_image("L")) < 128, 255, 0).astype(np.uint8)))
    frames = [digit_image("P"), digit_image("P").transpose(Image.FLIP_LEFT_RIGHT)]
    return [encoded(digit_image(mode), "PNG") for mode in ("L", "RGB", "P", "I;16", "1")] + [
        encoded(rgba, "PNG"),
        encoded(digit_image("P"), "PNG", transparency=0),
        encoded(digit_image("RGB"), "JPEG", quality=80, exif=exif.tobytes()),
        encoded(digit_image("CMYK"), "JPEG"),
        encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0),
        encoded(frames[0], "PNG", save_all=True, append_images=frames[1:]),
        encoded(digit_image("RGB"), "BMP"),
        encoded(digit_image("L"), "TIFF"),
        encoded(digit_image("RGB"), "WEBP"),
    ]


def fix_png_crcs(data):
    """PNG bytes with every chunk's CRC recomputed, so that a damaged chunk reaches the decoder."""
    out, at = bytearray(data[:8]), 8
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        body = data[at + 4 : at + 8 + length]
        if len(body) != 4 + length:
            break
        out += data[at : at + 4] + body + struct.pack(">I", zlib.crc32(body))
        at += 12 + length
    return bytes(out + data[at:])


@st.composite
def generated_pictures(draw):
    """A small image of random size, mode, content and format, possibly transparent or animated."""
    mode = draw(st.sampled_from(["1", "L", "P", "RGB", "RGBA", "LA", "I;16", "I", "F", "CMYK"]))
    size = (draw(st.integers(1, 64)), draw(st.integers(1, 64)))
    image = digit_image(mode, size) if draw(st.booleans()) else Image.fromarray(
        draw(hnp.arrays(np.uint8, size[::-1], elements=st.integers(0, 255)))).convert(mode)
    fmt = draw(st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]))
    options = {}
    if fmt in ("GIF", "PNG", "WEBP") and draw(st.booleans()):
        options = {"save_all": True, "append_images": [image.transpose(Image.ROTATE_180)]}
    if mode in ("P", "L") and fmt in ("GIF", "PNG") and draw(st.booleans()):
        options["transparency"] = draw(st.integers(0, 255))
    if fmt == "JPEG" and draw(st.booleans()):
        exif = Image.Exif()
        exif[0x0112] = draw(st.integers(0, 9))
        options["exif"] = exif.tobytes()
    try:
        return encoded(image, fmt, **options)
    except (OSError, ValueError, KeyError, TypeError):  # this format cannot hold this mode
        return encoded(image.convert("RGB"), fmt)


picture_inputs = st.one_of(
    st.sampled_from(range(len(picture_files()))).flatmap(lambda i: damaged(picture_files()[i])),
    st.sampled_from(range(7)).flatmap(lambda i: damaged(picture_files()[i])).map(fix_png_crcs),
    generated_pictures(),
    generated_pictures().flatmap(damaged),
    st.binary(max_size=64),
)


def check_picture(data):
    """Prepare ``data``, an image file's bytes: "prepared", or the ImageError's message."""
    try:
        x = prepare_image(data)
    except Exception as error:  # noqa: BLE001
        return one_sentence(error, ImageError)
    assert x.shape == (784,) and x.dtype == np.float32
    assert np.isfinite(x).all() and 0 <= x.min() and x.max() <= 1
    return "prepared"


@FUZZ
@given(data=picture_inputs)
def test_any_picture_is_prepared_or_gets_one_clear_image_error(data):
    check_picture(data)


def test_the_fuzzed_pictures_include_real_ones_that_are_prepared():
    assert all(check_picture(data) == "prepared" for data in picture_files())
