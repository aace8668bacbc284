"""Save and load a Network: a NumPy ``.npz`` file, read as untrusted (no pickle; every size,
shape, type and name checked before it is used).

The file holds ``weight_0..``, ``bias_0..`` and ``metadata``, a JSON text with the
network's configuration and how it was trained. It is written to a temporary file
beside the target and then renamed over it, so a crash never leaves half a model.
"""

import json
import lzma
import math
import os
import re
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .costs import COSTS
from .files import UnreadableFile, check_regular, write_atomically
from .metadata import MetadataError, check_metadata, parse_metadata
from .network import INITS, MAX_SEED, Network, check_sizes

FORMAT = "digitnet-model/1"
MAX_METADATA = 2**25     # bytes of the metadata member: its JSON text takes 4 bytes a character, a
                         # history of 10,000 epochs (LIMITS) about 10 MB
MAX_DIRECTORY = 2**18    # bytes of the zip archive's list of members (a model's takes some 500)
CHOICES = {"activation": HIDDEN_ACTIVATIONS, "cost": tuple(COSTS), "output": (None, *ACTIVATIONS),
           "dtype": ("float32", "float64"), "init": INITS}
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # terminal escapes and the like have no place in metadata
NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
# what the zip, zlib, lzma and bz2 readers raise for a damaged archive
UNREADABLE = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, struct.error,
              zipfile.BadZipFile, zlib.error, lzma.LZMAError)


class ModelFileError(ValueError):
    """A model file that is missing, damaged, or not a digitnet model; ``reason`` says what is wrong
    with one that is damaged (None for one that is missing)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


class _Refused(ValueError):
    """What is wrong with a model file, in words that finish ModelFileError's sentence."""


def save(network: Network, path: str | os.PathLike, extra: dict[str, np.ndarray] | None = None,
         metadata: dict[str, Any] | None = None) -> Path:
    """Write ``network`` (weights, biases, config and ``network.metadata``) to ``path``; return the path.

    ``extra``: more arrays to keep in the file, {name: array} (a checkpoint's optimizer state);
    ``metadata``: what to write instead of ``network.metadata`` (a checkpoint's), which stays as it is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {**(network.metadata if metadata is None else metadata), "format": FORMAT, "config": network.config()}
    arrays = {f"weight_{l}": w for l, w in enumerate(network.weights)}
    arrays.update({f"bias_{l}": b for l, b in enumerate(network.biases)})
    arrays.update(extra or {})
    text = np.array(json.dumps(metadata))
    try:
        _metadata_from_text(text, text.nbytes)  # what load will check, checked now: never a file load refuses
    except _Refused as error:
        raise MetadataError(f"digitnet will not write this model: {error}") from None
    arrays["metadata"] = text
    # NumPy's stubs take savez's first keyword for allow_pickle
    return write_atomically(path, lambda file: np.savez(file, **arrays))  # type: ignore[arg-type]


def load(path: str | os.PathLike) -> Network:
    """Read a Network written by ``save``; raise ModelFileError saying what is wrong otherwise.

    The file is treated as untrusted: no pickle, and nothing is read before its size is known
    to fit (see ``_read``), so a hostile file is refused without allocating much memory.
    """
    return load_with_extra(path)[0]


def load_with_extra(path: str | os.PathLike) -> tuple[Network, dict[str, np.ndarray]]:
    """(network, extra): as ``load``, and the file's other arrays, those ``save`` was given as ``extra``."""
    path = Path(path)
    try:
        check_regular(path)
    except UnreadableFile as error:
        if not os.path.lexists(path):
            raise ModelFileError(f"no model file at {path}; train one with `digitnet train` "
                                 f"or pass --model PATH") from None
        if path.is_dir():
            raise ModelFileError(f"{path} is a folder, not a model file; pass the .npz file that `digitnet train` "
                                 f"wrote", "it is a folder") from None
        raise ModelFileError(f"{error}; pass the .npz file that `digitnet train` wrote", str(error)) from None
    try:
        arrays, metadata = _read(path)
        config = metadata.pop("config")
        _check_shapes(config["sizes"], arrays)
        network = Network(**config)
        for l in range(len(network.weights)):
            network.weights[l][...] = arrays.pop(f"weight_{l}")
            network.biases[l][...] = arrays.pop(f"bias_{l}")
    except _Refused as error:
        reason = str(error)
    except UNREADABLE:
        reason = "it is not a readable .npz (zip) archive"
    else:
        network.metadata = metadata
        return network, arrays
    raise ModelFileError(f"{path} is not a digitnet model or is damaged: {reason}; "
                         f"train a new one with `digitnet train`", reason)


def _read(path):
    """The arrays and the metadata dict of a model file; ValueError saying what is wrong if it is not one.

    Sizes are checked before anything is read: the list of members, then the metadata (at most
    MAX_METADATA bytes) and its configuration, which bound the arrays to four copies of the
    parameters (a checkpoint adds two optimizer moments), then each array's header against its data.
    """
    _check_directory(path)
    with zipfile.ZipFile(path) as archive:
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        if "metadata" not in members:
            raise _Refused("it has no metadata")
        metadata = _read_metadata(archive, members.pop("metadata"))
        budget = 4 * 8 * _check_config(metadata.get("config")) + 2**16
        stored = sum(info.file_size for info in members.values())
        if stored > budget:
            raise _Refused(f"its arrays hold {stored:,} bytes, more than its configuration needs")
        arrays = {name: _read_array(archive, info, name) for name, info in members.items()}
    return arrays, metadata


def _check_directory(path):
    """Refuse a zip archive whose list of members is implausibly long, before zipfile reads it (it
    makes an object of some 500 bytes for every 46 bytes of that list)."""
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - 22 - 65535))  # the end record: 22 bytes and a comment of up to 64 KiB
        tail = file.read()
    no_comment = tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0"
    end = len(tail) - 22 if no_comment else tail.rfind(b"PK\x05\x06")  # where zipfile finds it
    if end < 0 or len(tail) - end < 22:
        return  # not a zip archive at all: zipfile says so
    (directory,) = struct.unpack("<I", tail[end + 12 : end + 16])
    if directory > MAX_DIRECTORY or tail[max(0, end - 20) : end - 16] == b"PK\x06\x07":
        raise _Refused("its zip archive lists far more members than a model has")


def _read_metadata(archive, info):
    """The metadata dict of a model file, from its JSON text; _Refused if it is not one."""
    if info.file_size > MAX_METADATA:
        raise _Refused(f"its metadata is {info.file_size:,} bytes, more than the {MAX_METADATA:,} allowed")
    return _metadata_from_text(_read_array(archive, info, "metadata"), info.file_size)


def _metadata_from_text(text, size):
    """The metadata dict from the metadata member's array (a JSON text of ``size`` bytes), every check made:
    load's and save's, in this one place; _Refused if it is not one."""
    if size > MAX_METADATA:
        raise _Refused(f"its metadata is {size:,} bytes, more than the {MAX_METADATA:,} allowed")
    if text.dtype.kind != "U" or text.shape != ():
        raise _Refused(f"its metadata is {text.dtype} of shape {text.shape}, not a JSON text")
    try:
        metadata = parse_metadata(text.item())
    except RecursionError:
        raise _Refused("its metadata is nested too deeply") from None
    except MetadataError as error:
        raise _Refused(str(error)) from None
    except ValueError:
        raise _Refused("its metadata is not valid JSON") from None
    if not isinstance(metadata, dict) or metadata.pop("format", None) != FORMAT:
        raise _Refused(f"its metadata does not say format {FORMAT!r}")
    if any(CONTROL.search(text) for text in _strings(metadata)):
        raise _Refused("its metadata holds control characters")
    config = metadata.pop("config", None)
    try:
        metadata = check_metadata(metadata)
    except MetadataError as error:
        raise _Refused(str(error)) from None
    return {**metadata, "config": config}


def _strings(value):
    """Every string (keys too) in a JSON value, walked without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            yield item


def _check_config(config):
    """The number of weights and biases of a network built from ``config``, every field checked; _Refused otherwise."""
    if not isinstance(config, dict):
        raise _Refused(f"its configuration is {_shown(config)}, not a JSON object")
    for field in config:
        if field not in (*CHOICES, "sizes", "seed"):
            raise _Refused(f"its configuration has an unknown field {_shown(field)}")
    sizes = config.get("sizes")
    if not isinstance(sizes, list):
        raise _Refused(f"its sizes {_shown(sizes)} are not a list of layer sizes")
    try:
        n_params = check_sizes(sizes)  # the limits training holds to: what train writes, load reads
    except ValueError as error:
        raise _Refused(f"its configuration is refused: {error}") from None
    for field, allowed in CHOICES.items():
        if field in config and not (isinstance(config[field], (str, type(None))) and config[field] in allowed):
            raise _Refused(f"its {field} {_shown(config[field])} is not one of: {', '.join(map(str, allowed))}")
    seed = config.get("seed")
    if seed is not None and (type(seed) is not int or not 0 <= seed <= MAX_SEED):
        raise _Refused(f"its seed {_shown(seed)} is not a whole number from 0 to 2**64 - 1")
    return n_params


def _read_array(archive, info, name):
    """One ``.npy`` member of the archive as an array of numbers or text; its header is checked
    against its stored size before its data is read."""
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            shape, fortran, dtype = NPY_HEADERS[version](member)
        except (ValueError, KeyError, EOFError, SyntaxError, tokenize.TokenError, TypeError, RecursionError):
            raise _Refused(f"{_shown(name)} is not a NumPy array") from None  # what NumPy raises for a bad header
        if dtype.kind not in "biufU" or dtype.itemsize == 0 or min(shape, default=0) < 0:
            raise _Refused(f"{_shown(name)} holds {_shown(str(dtype))} values, not numbers")
        size = math.prod(shape) * dtype.itemsize
        data = member.read()  # its size was bounded by the caller; reading to the end checks the CRC
    if len(data) != size:
        raise _Refused(f"{_shown(name)} holds {len(data):,} bytes of data, but its header says {size:,}")
    return np.frombuffer(bytearray(data), dtype).reshape(shape, order="F" if fortran else "C")


def _check_shapes(sizes, arrays):
    """Refuse, before building anything, arrays that are missing, do not fit ``sizes``, or are not finite floats."""
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for name, shape in ((f"weight_{l}", (n_in, n_out)), (f"bias_{l}", (n_out,))):
            array = arrays.get(name)
            if array is None:
                raise _Refused(f"it has no {name}")
            if array.shape != shape:
                raise _Refused(f"{name} has shape {array.shape}, not {shape} as its sizes say")
            if array.dtype.kind != "f":
                raise _Refused(f"{name} holds {array.dtype} values, not floats")
            if not np.all(np.isfinite(array)):
                raise _Refused(f"{name} holds NaN or infinite values")


def _shown(value):
    """A value from a file, as repr, cut short: a hostile file's value could be a megabyte long."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
