"""The compiled loops for predictions: many rows of images at once, in Tiles; and the sparse rows of
training images (``fast.sparse_rows``)."""

import numba
import numpy as np

from .._lane_math import (
    bit_count,
    lowest_bit,
    nonzero_lanes,
)
from .._lanes import item, load, prefetch, splat, store, total, width
from .._tiles import TILE_ROWS, add_outer, store_tile, tile
from .common import (
    _ONE,
    _activate,
    _compiled,
)

_LEVELS = np.float32(255)  # an 8-bit pixel's values: 0 to 255


@_compiled
def compiles(x):
    """A few of ``_lanes``' operations, run once when this module is first used: if this Numba cannot
    compile them, the fast path is left out (``fast._kernels``), rather than failing in a training."""
    lanes = width(x)
    store(x, 0, lanes, load(x, lanes, len(x) - lanes) * splat(2, x) + splat(total(load(x, 0, 3)), x))
    prefetch(x, 0)
    return bit_count(nonzero_lanes(load(x, 0, lanes))) + lowest_bit(2)


@_compiled
def count_nonzero(X, starts):
    """starts[r + 1] = starts[r] + how many numbers in row r of X are not 0."""
    n = X.shape[1]
    for r in range(len(X)):
        count = 0
        for c in range(0, n, width(X)):
            count += bit_count(nonzero_lanes(load(X, (r, c), n - c)))
        starts[r + 1] = starts[r] + count


@_compiled
def fill_nonzero(X, starts, columns, values):
    """columns[k] and values[k], from k = starts[r] on, for each number in row r of X that is not 0."""
    n = X.shape[1]
    for r in range(len(X)):
        k = starts[r]
        for c in range(0, n, width(X)):
            used = nonzero_lanes(load(X, (r, c), n - c))
            while used:
                i = c + lowest_bit(used)
                used &= used - 1
                columns[k], values[k] = i, X[r, i]
                k += 1


@numba.njit(cache=True, nogil=True)  # no fastmath: x / 255 must stay a division, as NumPy's
def eight_bit_levels(values, levels):
    """levels[k] = values[k] * 255 and True, if every value is k / 255 for a whole k from 1 to 255 (as
    read from 8-bit pixels), in the values' dtype; False (and levels part written) as soon as one is not."""
    for k in range(len(values)):
        level = np.rint(values[k] * _LEVELS)
        if not (_ONE <= level <= _LEVELS and level / _LEVELS == values[k]):
            return False
        levels[k] = level
    return True


@_compiled
def feedforward(weights, biases, hidden, output, X, layers):
    """layers[l] = layer l's activations for the rows of X (of the weights' dtype), for ``weights`` and ``biases``
    tuples of any number of layers' arrays, and True; False, and nothing computed, if a weight or bias is
    infinite or NaN.

    The layers skip their inputs' 0s, so they never compute 0 times a weight; the readable
    path does, and an inf or NaN weight makes its outputs NaN. Such a network is the readable
    path's to answer for."""
    if not _all_finite(weights, biases):
        return False
    layers[0][:] = _layer_rows(weights[0], biases[0], X, _kind(0, len(weights), hidden, output))
    _upper_layers(weights, biases, hidden, output, layers)
    return True


@_compiled
def _kind(l, n_layers, hidden, output):
    """The activation (a ``Kind``) of layer l of n_layers: the hidden one, or the output's."""
    return hidden if l < n_layers - 1 else output


@_compiled
def _all_finite(weights, biases):
    for l in range(len(weights)):
        if not (_finite(weights[l]) and _finite(biases[l])):
            return False
    return True


@_compiled
def _upper_layers(weights, biases, hidden, output, layers):
    """layers[1:] from the first layer's activations, layers[0]."""
    for l in range(1, len(weights)):
        layers[l][:] = _layer_rows(weights[l], biases[l], layers[l - 1], _kind(l, len(weights), hidden, output))


@_compiled
def sparse_feedforward(weights, biases, hidden, output, starts, columns, values, layers):
    """``feedforward`` for rows given as their non-zero values (``fast.SparseRows`` of scale 1), to the same
    last bit: the first layer adds each row's values one after the other, in order, as ``_row_layer`` does,
    without looking at its 0s."""
    if not _all_finite(weights, biases):
        return False
    z = np.empty_like(layers[0])
    for r in range(len(starts) - 1):
        _sparse_row_layer(weights[0], biases[0], starts, columns, values, r, z)
    _activate(z, layers[0], 0, len(z), _kind(0, len(weights), hidden, output))
    _upper_layers(weights, biases, hidden, output, layers)
    return True


@_compiled
def _sparse_row_layer(w, b, starts, columns, values, r, z):
    """z[r] = x_r w + b, for row r given by its non-zero values, added one after the other as ``_row_layer`` adds."""
    n_out, lanes = len(b), width(w)
    for j in range(0, n_out, lanes):
        count = n_out - j
        total = load(b, j, count)
        for k in range(starts[r], starts[r + 1]):
            total += splat(item(values, k), w) * load(w, (item(columns, k), j), count)
        store(z, (r, j), count, total)


@_compiled
def _finite(a):
    """True when no number in the array (1-D or 2-D) is infinite or NaN (x - x is 0 only for the others)."""
    flat = a.reshape(-1)
    for k in range(0, len(flat), width(flat)):
        v = load(flat, k, len(flat) - k)
        if nonzero_lanes(v - v):
            return False
    return True


@_compiled
def _layer_rows(w, b, x, kind):
    """f(x w + b) for every row of x: TILE_ROWS rows at a time (``_tiled_layer``), the rest one by one.

    Either way a row's sum adds its non-zero inputs one after the other, in order (a Tile's 0s
    add exactly 0): a row's output is the same to the last bit whatever rows come with it, as
    scikit-learn checks of predict_proba."""
    n = len(x)
    z = np.empty((n, len(b)), w.dtype)
    tiled = n - n % TILE_ROWS
    _tiled_layer(w, b, x, tiled, z)
    for r in range(tiled, n):
        _row_layer(w, b, x, r, z)
    a = np.empty_like(z)  # not in place: where rows are narrower than Lanes (a layer of 10), a row's
    _activate(z, a, 0, n, kind)  # masked load waited for the last one's masked store, beside it
    return a


@_compiled
def _row_layer(w, b, x, r, z):
    """z[r] = x[r] w + b, adding x[r]'s non-zero values one after the other, as ``_tiled_layer`` does."""
    n_in, n_out, lanes = w.shape[0], len(b), width(w)
    for j in range(0, n_out, lanes):
        count = n_out - j
        total = load(b, j, count)
        for c in range(0, n_in, width(x)):
            used = nonzero_lanes(load(x, (r, c), n_in - c))
            while used:
                i = c + lowest_bit(used)
                used &= used - 1
                total += splat(x[r, i], w) * load(w, (i, j), count)
        store(z, (r, j), count, total)


@_compiled
def _tiled_layer(w, b, X, rows, z):
    """z[:rows] = X[:rows] w + b, for ``rows`` a multiple of TILE_ROWS, that many rows at a time.

    Each row of w is read once for all of them, and a column of X that is 0 in all of them
    (a pixel of the background, in images) is skipped: which ones are, ``width(X)`` columns
    at a time, is a number whose bits say so (``nonzero_lanes``), gone through bit by bit.
    """
    n_in, n_out, lanes = w.shape[0], len(b), width(w)
    for n in range(0, rows, TILE_ROWS):
        for j in range(0, n_out, lanes):
            count = n_out - j
            sums = tile(load(b, j, count))
            for c in range(0, n_in, width(X)):
                used = 0
                for r in range(n, n + TILE_ROWS):
                    used |= nonzero_lanes(load(X, (r, c), n_in - c))
                while used:
                    i = c + lowest_bit(used)
                    used &= used - 1  # that bit done
                    sums = add_outer(sums, X, n, i, load(w, (i, j), count))
            store_tile(z, n, j, count, sums)
