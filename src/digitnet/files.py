"""Writing a file so that a crash never leaves half of it: beside its place, then renamed over it.

Models, checkpoints, exported graphs and downloaded datasets are all written this way
(SQLite's way): to a temporary file in the same folder, flushed to the disk, renamed over the
target in one step, and the folder synced, so that after a crash, SIGKILL or power cut the
target is either the old file or the new one, whole.
"""

import glob
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STALE_SECONDS = 600  # a temporary file this old is left over from a write that was killed


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Make the file at ``path`` hold what ``write(file)`` writes, whole or not at all; return the path.

    If ``write`` raises (a checksum that does not match, Ctrl-C), the target is left as it was.
    A symlink's target is replaced, not the link. The new file gets the permissions any new file
    gets (the umask's), not a temporary file's private ones.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
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
