"""Reading a file a user names, and writing a file so that a crash never leaves half of it.

Every file a user hands digitnet (an image, a model, a data file, the pointer to the last
model) is read through ``read_regular``: only a regular file is opened for reading, so a pipe,
a device or a socket named as one is refused at once instead of waiting for ever, and each
way a name can fail (missing, a loop of symbolic links, a folder, no permission, too big)
gets its own sentence.

Writing a file so that a crash never leaves half of it: beside its place, then renamed over it.

Models, checkpoints, exported graphs and downloaded datasets are all written this way
(SQLite's way): to a temporary file in the same folder, flushed to the disk, renamed over the
target in one step, and the folder synced, so that after a crash, SIGKILL or power cut the
target is either the old file or the new one, whole.
"""

import errno
import glob
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

STALE_SECONDS = 600  # a temporary file this old is left over from a write that was killed


class UnreadableFile(ValueError):
    """A named file that cannot be read: missing, not a regular file, too big, or not ours to read.
    The message is a sentence that starts with the file's name, for the caller to add what to do."""


class TooBig(UnreadableFile):
    """A file bigger than its reader allows; ``size``: its size in bytes."""

    def __init__(self, message: str, size: int):
        super().__init__(message)
        self.size = size


def check_regular(path: str | os.PathLike, what: str = "file") -> os.stat_result:
    """The status of the regular file at ``path`` (a symbolic link is followed); UnreadableFile otherwise."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise _unreadable(path, error, what) from None
    if stat.S_ISDIR(status.st_mode):
        raise UnreadableFile(f"{path} is a folder, not {_a(what)}")
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableFile(f"{path} is not a regular file but a pipe, a device or a socket")
    return status


def read_regular(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at ``path``, if it holds at most ``limit`` of them; UnreadableFile
    otherwise (TooBig when it is too big); ``what`` names the kind of file ("image file") in its sentences.

    It is opened without waiting (O_NONBLOCK) and checked again once open, so a pipe put in its place
    meanwhile is refused too, never waited on."""
    check_regular(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise _unreadable(path, error, what) from None
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFile(f"{path} is not a regular file but a pipe, a device or a socket")
        if status.st_size > limit:
            raise TooBig(f"{path} is {status.st_size:,} bytes, more than the {limit:,} it may hold", status.st_size)
        try:
            data = file.read(status.st_size + 1)  # one byte more tells whether it grew while being read
        except OSError as error:
            raise _unreadable(path, error, what) from None
    if len(data) > status.st_size:
        raise UnreadableFile(f"{path} grew while it was read; read it again once it is written")
    return data


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"


def _unreadable(path, error: OSError, what: str = "file") -> UnreadableFile:
    """One sentence for an OSError from opening or reading ``path``."""
    if error.errno == errno.ELOOP:
        return UnreadableFile(f"{path} is a symbolic link that leads round in a loop")
    if isinstance(error, FileNotFoundError):
        dangling = os.path.lexists(path)
        return UnreadableFile(f"{path} is a symbolic link to a file that does not exist" if dangling
                              else f"{path} does not exist")
    if isinstance(error, PermissionError):
        return UnreadableFile(f"{path} cannot be read: permission denied")
    if isinstance(error, IsADirectoryError):
        return UnreadableFile(f"{path} is a folder, not {_a(what)}")
    return UnreadableFile(f"{path} cannot be read ({error.strerror or error})")


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Make the file at ``path`` hold what ``write(file)`` writes, whole or not at all; return the path.

    If ``write`` raises (a checksum that does not match, Ctrl-C), the target is left as it was.
    A symlink's target is replaced, not the link. The new file gets the permissions any new file
    gets (the umask's), not a temporary file's private ones.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # a loop of links is left as it is (and replaced), not raised
    _remove_stale_temporaries(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
        _sync_folder(path.parent)  # the rename itself survives a power cut
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files that writes of ``path`` killed midway left beside it; only old
    ones, so that a write going on right now is left alone."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: it does no harm


def _sync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):  # POSIX; Windows cannot open a folder, and does not need to
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Locked(Exception):
    """The lock is held by another process."""


class CannotLock(Exception):
    """The file system cannot lock files (some network and FUSE mounts); ``reason``: the system's words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def exclusive(lock_path: str | os.PathLike) -> Iterator[None]:
    """Hold the lock file at ``lock_path`` for the block; Locked at once if another process holds it, CannotLock
    if its file system cannot lock.

    The operating system lets go of the lock when the holder ends, however it ends (SIGKILL too), so a
    lock is never left stale; the file itself stays, as removing it would let two holders in."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            _lock(fd)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                raise Locked(str(lock_path)) from None
            raise CannotLock(error.strerror or str(error)) from None
        yield
    finally:
        os.close(fd)  # lets go of the lock


def _lock(fd: int) -> None:
    """Lock the open file ``fd`` for this process, without waiting."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
