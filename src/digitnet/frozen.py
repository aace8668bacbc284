"""Values worked out from an array that cannot change, worked out once.

A training works out things from its training set before its first step: the images' non-zero
pixels for the compiled path (``fast.sparse_rows``), the 10,000 examples whose cost it reports
(``training``). Training the same set again (another run, a page's next training, a benchmark's
next epoch) would work them out again. For an array nobody can write (``load_mnist`` gives its
images read-only) they are kept instead, beside the memory the array shows, for as long as that
memory lives: a new view of the same rows (``X[:]``) finds them too.

"Nobody can write" is NumPy's read-only flag on the array and on every array it is a view of
(a view of a read-only array cannot be made writeable), and a read-only buffer under them all
if there is one (``np.frombuffer`` of bytes, not of a bytearray). An array that owns its memory
can be made writeable again by whoever holds it: what was kept for it is dropped as soon as it
is seen writeable, but a write made and hidden again between two looks (writeable, written,
read-only once more) is not seen. The values kept must not hold the array itself, or it would
never be let go.
"""

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

Key = tuple[Any, ...]  # (name, id of the memory's owner, where the view starts, shape, strides, dtype)
_KEPT: dict[Key, tuple[weakref.ref, object]] = {}


def _key(array: np.ndarray, name: str) -> tuple[np.ndarray, Key]:
    """(the array that owns ``array``'s memory: the last in its chain of views, the key of ``name`` for it)."""
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    return owner, (name, id(owner), array.__array_interface__["data"][0], array.shape, array.strides,
                   array.dtype.str)


def read_only(array: np.ndarray) -> bool:
    """True when neither ``array``, nor any array it is a view of, nor a buffer under them can be written."""
    seen: np.ndarray = array
    while True:
        if seen.flags.writeable:
            return False
        if not isinstance(seen.base, np.ndarray):
            break
        seen = seen.base
    try:
        return seen.base is None or memoryview(seen.base).readonly  # type: ignore[arg-type]
    except TypeError:  # something that is not a buffer holds the memory: who knows who writes it
        return False


def worked_out(array: np.ndarray, name: str, work: Callable[[np.ndarray], T]) -> T:
    """``work(array)``, kept under ``name`` while the array's memory lives and is read-only; worked out anew
    otherwise."""
    owner, key = _key(array, name)
    if not read_only(array):
        _KEPT.pop(key, None)
        return work(array)
    kept = _KEPT.get(key)
    if kept is not None and kept[0]() is owner:
        return kept[1]  # type: ignore[return-value]
    value = work(array)
    _KEPT[key] = (weakref.ref(owner, _forget(key)), value)
    return value


def kept(array: np.ndarray, name: str) -> bool:
    """True when a value worked out from ``array`` under ``name`` is kept (for tests and benchmarks)."""
    owner, key = _key(array, name)
    entry = _KEPT.get(key)
    return entry is not None and entry[0]() is owner


def _forget(key: Key) -> Callable[[weakref.ref], None]:
    """What to do when the owner of ``key``'s memory is gone: drop what was kept for it."""
    kept = _KEPT  # held here: at the interpreter's exit the module's names are gone before the arrays

    def forget(_: weakref.ref) -> None:
        kept.pop(key, None)
    return forget
