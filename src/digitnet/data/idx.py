"""Read the IDX format of the MNIST files, checking everything a bad file can get wrong.

IDX is big-endian: two zero bytes, a type code (0x08 for unsigned bytes), the number of
dimensions, one 4-byte size per dimension, then the raw data. Files may be gzip-compressed.
Files are untrusted: none may hold (or unpack to) more than ``MAX_BYTES``.
"""

import hashlib
import math
import struct
import zlib
from pathlib import Path

import numpy as np

MAX_BYTES = 2**30  # 1 GiB: MNIST's largest file is 47 MB, EMNIST's 550 MB


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the kind expected."""


def read_idx_bytes(path):
    """The uncompressed bytes of an IDX file, gzip-compressed (``.gz``) or not."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IDXError(f"{path} is {size:,} bytes, more than the {MAX_BYTES:,} an IDX file may hold")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IDXError(f"{path} does not exist") from None
    except OSError as error:
        raise IDXError(f"cannot read {path}: {error.strerror or error}") from None
    return _gunzip(raw, path) if raw[:2] == b"\x1f\x8b" else raw


def _gunzip(raw, path):
    """The uncompressed bytes of gzip data (one member or more), unpacked no further than MAX_BYTES."""
    damaged = IDXError(f"{path} is a damaged or truncated gzip file; copy it again")
    data = b""
    while raw:
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data += unpacker.decompress(raw, MAX_BYTES + 1 - len(data))
        except zlib.error:
            raise damaged from None
        if len(data) > MAX_BYTES:
            raise IDXError(f"{path} unpacks to more than the {MAX_BYTES:,} bytes an IDX file may hold")
        if not unpacker.eof:
            raise damaged
        raw = unpacker.unused_data
    return data


def parse_idx(data, name, ndim):
    """Parse IDX bytes into a uint8 array with ``ndim`` dimensions; ``name`` is used in errors."""
    if len(data) < 4:
        raise IDXError(f"{name} is too short to be an IDX file ({len(data)} bytes)")
    zero, type_code, found_ndim = struct.unpack(">HBB", data[:4])
    expected_magic = 0x0800 + ndim
    magic = (type_code << 8) + found_ndim
    if zero != 0 or magic != expected_magic:
        raise IDXError(
            f"{name} has magic number 0x{data[:4].hex()}, expected 0x{expected_magic:08x}: "
            f"it is not an IDX file of {ndim}-dimensional unsigned bytes"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IDXError(f"{name} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    if math.prod(side or 1 for side in shape) > MAX_BYTES:  # also (0, 2**32 - 1): no items, each huge
        raise IDXError(f"{name} has a header {shape} of more than the {MAX_BYTES:,} bytes an IDX file may hold")
    expected = header_size + math.prod(shape)
    if len(data) != expected:
        raise IDXError(
            f"{name} holds {len(data)} bytes but its header {shape} says {expected}: "
            f"the file is {'truncated' if len(data) < expected else 'too long'}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx(path, ndim, md5=None):
    """Read an IDX file of ``ndim`` dimensions; check the uncompressed bytes' MD5 if given."""
    data = read_idx_bytes(path)
    if md5 is not None:
        found = hashlib.md5(data).hexdigest()
        if found != md5:
            raise IDXError(f"{path} has MD5 {found}, not the published {md5}: the file is damaged; copy it again")
    return parse_idx(data, Path(path).name, ndim)
