"""The compiled loops of ``digitnet.fast`` (Numba). Imported only when the fast path is first used.

``training``: the sparse first layer, backpropagation, SGD and Adam: a stage at a time over a
mini-batch, one example at a time within a stage (activations, BP1 and f' for the whole batch at once).
``rows``: predictions of many rows at once, and the sparse rows of training images.
``common``: how they are compiled and run, and the activations.
All of them work on Lanes (``digitnet._lanes``), 16 float32 at a time. Their ``hidden`` and ``output``
are the hidden layers' and the output layer's activation, each a ``digitnet._kinds.Kind``.

The functions index whole arrays (``a[e, j]``) rather than take views of rows (``a[e]``):
a view costs Numba a reference count, and at 60,000 examples an epoch that bookkeeping,
not the arithmetic, was most of the time.
"""

import hashlib
from pathlib import Path

from .. import _kinds, _lane_math, _lanes, _tiles
from . import common, rows, training
from .common import compiling, run
from .rows import compiles, count_nonzero, eight_bit_levels, feedforward, fill_nonzero, sparse_feedforward
from .training import adam_steps, adam_update, sgd_steps

__all__ = ["adam_steps", "adam_update", "compiles", "compiling", "count_nonzero", "eight_bit_levels", "feedforward",
           "fill_nonzero", "run", "sgd_steps", "sparse_feedforward"]


def _forget_code_compiled_from_other_sources():
    """Numba's cache notices when a function's own file changes, not when a file it calls into
    does (``_lanes``, ``common``, ...), and would load code compiled from the older one as it is.
    So a stamp of all their texts is kept beside the cached code, which is dropped (compiled
    again) when the stamp differs."""
    sources = [module.__file__ for module in (_kinds, _lanes, _lane_math, _tiles, common, rows, training)]
    try:
        folder = Path(count_nonzero._cache._cache_path)
        stamp = hashlib.sha256(b"".join(Path(source).read_bytes() for source in sources)).hexdigest()
        marker = folder / "sources-stamp"
        if marker.is_file() and marker.read_text() == stamp:
            return
        for old in folder.glob("*.nb[ic]"):
            old.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        marker.write_text(stamp)
    except OSError:
        pass  # a cache folder that cannot be written: Numba then keeps the code in memory only


_forget_code_compiled_from_other_sources()
