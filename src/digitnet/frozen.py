"""Values worked out from an array that cannot change, worked out once.

A training works out things from its training set before its first step: the images' non-zero
pixels for the compiled path (``fast.sparse_rows``), the 10,000 examples whose cost it reports
(``training``). Training the same set again (another run, a page's next training, a benchmark's
next epoch) would work them out again. For an array nobody can write (``load_mnist`` gives its
images read-only) they are kept instead, beside the array and for as long as it lives.

"Nobody can write" is NumPy's read-only flag on the array and on every array it is a view of:
a view of a read-only array cannot be made writeable. An array that owns its memory can be
made writeable again by whoever holds it; that is read here as a promise not to.
"""

import weakref
from collections.abc import Callable
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_KEPT: dict[tuple[int, str], tuple[weakref.ref, object]] = {}


def read_only(array: np.ndarray) -> bool:
    """True when neither ``array`` nor any array it is a view of can be written through."""
    seen: object = array
    while isinstance(seen, np.ndarray):
        if seen.flags.writeable:
            return False
        seen = seen.base
    return True


def worked_out(array: np.ndarray, name: str, work: Callable[[np.ndarray], T]) -> T:
    """``work(array)``, kept under ``name`` while the array lives and is read-only; worked out anew otherwise."""
    if not read_only(array):
        return work(array)
    key = (id(array), name)
    kept = _KEPT.get(key)
    if kept is not None and kept[0]() is array:
        return kept[1]  # type: ignore[return-value]
    value = work(array)
    _KEPT[key] = (weakref.ref(array, _forget(key)), value)
    return value


def _forget(key: tuple[int, str]) -> Callable[[weakref.ref], None]:
    """What to do when the array of ``key`` is gone: drop what was kept for it."""
    def forget(_: weakref.ref) -> None:
        _KEPT.pop(key, None)
    return forget
