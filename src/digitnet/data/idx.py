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

from ..files import TooBig, UnreadableFile, read_regular

MAX_BYTES = 2**30  # 1 GiB: MNIST's largest file is 47 MB, EMNIST's 550 MB
MAX_RATIO = 1100   # deflate packs at most 1,032 bytes into one (long runs of one byte)


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the kind expected."""


def read_idx_bytes(path):
    """The uncompressed bytes of an IDX file, gzip-compressed (``.gz``) or not (a regular file: a pipe is never
    waited on)."""
    try:
        raw = read_regular(path, MAX_BYTES)
    except TooBig as error:
        raise IDXError(f"{path} is {error.size:,} bytes, more than the {MAX_BYTES:,} an IDX file may hold") from None
    except UnreadableFile as error:
        raise IDXError(f"{error}; a data folder holds its four IDX files as files") from None
    return _gunzip(raw, path) if raw[:2] == b"\x1f\x8b" else raw


def _gunzip(raw, path):
    """The uncompressed bytes of gzip data (one member or more), unpacked no further than its IDX header
    promises: the header is unpacked first, and a promise of more than MAX_BYTES, or of more than
    deflate could have packed into the file, is refused before the rest is unpacked."""
    damaged = IDXError(f"{path} is a damaged or truncated gzip file; copy it again")
    unpacked = _Unpacker(raw, damaged)
    header = unpacked.read(4)
    header += unpacked.read(4 * header[3] if len(header) == 4 else 0)
    promised = _promised_size(header)
    if promised is None:  # not an IDX header: parse_idx says what is wrong with it, from these bytes alone
        return header
    if promised > MAX_BYTES:
        raise IDXError(f"{path} has a header that promises {promised:,} bytes, more than the {MAX_BYTES:,} "
                       f"an IDX file may hold")
    if promised > MAX_RATIO * len(raw):  # more than deflate could have packed into this file
        raise IDXError(f"{path} has a header that promises {promised:,} bytes, more than a gzip file of "
                       f"{len(raw):,} bytes can hold: the file is truncated; copy it again")
    data = header + unpacked.read(promised - len(header))
    if unpacked.read(1):
        raise IDXError(f"{path} unpacks to more than the {promised:,} bytes its header promises")
    return data


class _Unpacker:
    """Reads gzip data of one member or more a few bytes at a time, never unpacking more than asked for."""

    def __init__(self, raw, damaged):
        self.member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.tail = raw
        self.damaged = damaged

    def read(self, n):
        """Up to ``n`` bytes: fewer only where the data ends; ``damaged`` if it is cut short or is not gzip."""
        chunks = []
        try:
            while n > 0:
                if self.member.eof:
                    if not self.member.unused_data:
                        break
                    self.tail = self.member.unused_data  # another member follows
                    self.member = zlib.decompressobj(16 + zlib.MAX_WBITS)
                chunk = self.member.decompress(self.tail, n)
                self.tail = self.member.unconsumed_tail
                if not chunk and not self.tail and not self.member.eof:
                    raise self.damaged
                chunks.append(chunk)
                n -= len(chunk)
        except zlib.error:
            raise self.damaged from None
        return b"".join(chunks)


def _promised_size(header):
    """The size in bytes an IDX file of unsigned bytes says it has in its ``header``, or None if it is not one."""
    if len(header) < 4 or header[:3] != b"\0\0\x08" or len(header) < 4 + 4 * header[3]:
        return None
    shape = struct.unpack(f">{header[3]}I", header[4:])
    return len(header) + math.prod(shape)


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
