"""The compiled loops of ``digitnet.fast`` (Numba). Imported only when the fast path is first used.

The functions index whole arrays (``a[e, j]``) rather than take views of rows (``a[e]``):
a view costs Numba a reference count, and at 60,000 examples an epoch that bookkeeping,
not the arithmetic, was most of the time.
"""

import hashlib
from contextlib import contextmanager
from pathlib import Path

import llvmlite.binding as llvm
import numba
import numpy as np

from . import _lanes
from ._lanes import (
    TILE_ROWS,
    above_zero,
    add_outer,
    at_least,
    bit_count,
    epsilon,
    item,
    load,
    lowest_bit,
    magnitude,
    maximum,
    minimum,
    nonzero_lanes,
    one_hot,
    power_of_two,
    prefetch,
    rounded,
    splat,
    square_root,
    store,
    store_tile,
    tile,
    total,
    width,
)

# let the compiler reorder sums (as BLAS does) but keep inf and NaN meaning what they mean,
# so that a diverging run is still seen as one
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
# constants as float32: a Python float would turn float32 arithmetic into float64 (and the
# sigmoid's exp into the slower double one); 0, 1 and 2 are exact in either precision
_ZERO, _ONE, _TWO = np.float32(0), np.float32(1), np.float32(2)
_LEVELS = np.float32(255)  # an 8-bit pixel's values: 0 to 255
_LOG2_E = 1.4426950408889634
_LN2 = 0.6931471805599453
_EXP_TERMS = 13
_TINY_GRADIENT, _TINY_MOMENT1, _TINY_MOMENT2 = np.float32(1e-17), np.float32(1e-19), np.float32(1e-30)


@contextmanager
def _short_vector_loops():
    """Compile loops one vector at a time, so that a layer of 16 neurons is two AVX vectors.

    Left to itself, LLVM takes four vectors of 8 floats at a step, 32 floats: more than a
    layer of 16 neurons, whose loops then run one float at a time. The option is global, so
    it is set only while our functions compile, then put back to its default (0, not forced).
    """
    llvm.set_option("", "-force-vector-interleave=1")
    try:
        yield
    finally:
        llvm.set_option("", "-force-vector-interleave=0")


def run(function, *args):
    """Call a compiled function, compiling it (or loading it from the cache) first if this process has not."""
    if function.overloads:
        return function(*args)
    with _short_vector_loops():
        return function(*args)


def _compiled(function):
    return numba.njit(cache=True, fastmath=_FASTMATH, nogil=True)(function)


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
def _forward_layer(w, b, a_in, row, z, a, e, kind):
    """z[e] = b + a_in[row] w; a[e] = f(z[e]). kind: 0 sigmoid, 1 relu, 2 tanh, 3 softmax.

    ``width(w)`` neurons at a time, each input's row of weights times its value is added to
    their sums, kept in two interleaved parts so that one addition need not wait for the last.
    """
    n_in, n_out, lanes = w.shape[0], len(b), width(w)
    for j in range(0, n_out, lanes):
        count = n_out - j  # at most the width is used: the last Lanes of a layer of 10 are 10 wide
        even, odd = load(b, j, count), splat(0, w)
        for i in range(0, n_in - 1, 2):
            even += splat(a_in[row, i], w) * load(w, (i, j), count)
            odd += splat(a_in[row, i + 1], w) * load(w, (i + 1, j), count)
        if n_in % 2:
            even += splat(a_in[row, n_in - 1], w) * load(w, (n_in - 1, j), count)
        store(z, (e, j), count, even + odd)
    _activate(z, a, e, e + 1, kind)


@_compiled
def _activate(z, a, first, last, kind):
    """a[r] = f(z[r]) for the rows r from first to last, for kind 0 sigmoid, 1 relu, 2 tanh, 3 softmax.

    One loop for each kind: with the choice made outside them, each compiles to straight code."""
    n_out, lanes = z.shape[1], width(z)
    if kind == 0:
        for r in range(first, last):
            for j in range(0, n_out, lanes):
                store(a, (r, j), n_out - j, _sigmoid(load(z, (r, j), n_out - j)))
    elif kind == 1:
        for r in range(first, last):
            for j in range(0, n_out, lanes):
                v = load(z, (r, j), n_out - j)
                store(a, (r, j), n_out - j, maximum(v, splat(0, v)))
    elif kind == 2:
        for r in range(first, last):
            for j in range(n_out):
                a[r, j] = np.tanh(z[r, j])
    else:
        for r in range(first, last):  # softmax, shifted by the maximum so nothing overflows
            top = z[r, 0]
            for j in range(n_out):
                top = max(top, z[r, j])
            total = _ZERO
            for j in range(n_out):
                a[r, j] = np.exp(z[r, j] - top)
                total += a[r, j]
            for j in range(n_out):
                a[r, j] /= total


@_compiled
def _sigmoid(z):
    """1 / (1 + e^-z) for Lanes z; 0 where the readable sigmoid is 0 too, below z = ln(epsilon / 4).

    The readable one, (1 + tanh(z/2)) / 2, is 0 there (-17.3 in float32) because tanh(z/2)
    rounds to -1. That 0 matters: the numbers just above it, multiplied through two layers of
    the backward pass, become subnormal (below 1e-38 in float32), and each operation on one is
    a hundred times slower: an epoch slowed down more and more as neurons saturated.
    e^-z is kept between e^-87 and e^40, where _exp is right (and the sigmoid 1, or 0 anyway).
    """
    one = splat(1, z)
    sigmoid = one / (one + _exp(maximum(minimum(splat(0, z) - z, splat(40, z)), splat(-87, z))))
    return sigmoid * above_zero(z - splat(np.log(epsilon(z) / 4), z))


@_compiled
def _exp(x):
    """e^x for Lanes x from -87 to 88 (where e^x is a normal float32).

    e^x = 2^n e^r, with n the whole number nearest x / ln 2 so that |r| <= ln 2 / 2, and e^r
    by the first terms of its Taylor series: 1 + r (1 + r/2 (1 + r/3 (... (1 + r/13)))),
    whose error, below r^14 / 14!, is under 5e-18; r's own rounding is what is left. Measured
    over that range (benchmarks/exp_accuracy.py) it is within 3e-7 of e^x in float32 (4.5 units
    in the last place) and 3e-15 in float64: next to the readable sigmoid's, whose tanh rounds
    to 6e-8, a difference only a long run's chaos can magnify.
    """
    n = rounded(x * splat(_LOG2_E, x))
    r = x - n * splat(_LN2, x)
    series = splat(1, x)
    for k in range(_EXP_TERMS, 0, -1):
        series = splat(1, x) + series * r * splat(1.0 / k, x)
    return series * power_of_two(n)


@_compiled
def _forward_sparse(w, b, starts, columns, values, scale, row, z, a, e, kind):
    """As _forward_layer, for the input row given by its non-zero values (columns, values) times ``scale``,
    which multiplies the sums rather than each value."""
    n_out, lanes = len(b), width(w)
    first, last = starts[row], starts[row + 1]
    for j in range(0, n_out, lanes):
        count = n_out - j
        even, odd = splat(0, w), splat(0, w)
        for k in range(first, last - 1, 2):
            even += splat(item(values, k), w) * load(w, (item(columns, k), j), count)
            odd += splat(item(values, k + 1), w) * load(w, (item(columns, k + 1), j), count)
        if (last - first) % 2:
            even += splat(item(values, last - 1), w) * load(w, (item(columns, last - 1), j), count)
        store(z, (e, j), count, load(b, j, count) + splat(scale, w) * (even + odd))
    _activate(z, a, e, e + 1, kind)


@_compiled
def _prefetch_row(starts, columns, values, row):
    """Ask the CPU to fetch a sparse row's columns and values into its cache, 64 bytes at a time."""
    for k in range(starts[row], starts[row + 1], 32):
        prefetch(columns, k)
    for k in range(starts[row], starts[row + 1], 64):
        prefetch(values, k)


@_compiled
def _backward_layer(w, delta_above, z, a, e, delta, kind):
    """BP2: delta[e] = (delta_above[e] w^T) * f'(z[e]), through the weights w before this step."""
    n_in, n_out, lanes = w.shape[0], w.shape[1], width(w)
    for i in range(n_in):
        products = splat(0, w)
        for j in range(0, n_out, lanes):
            products += load(w, (i, j), n_out - j) * load(delta_above, (e, j), n_out - j)
        delta[e, i] = total(products)
    for i in range(0, n_in, lanes):
        count = n_in - i
        back, v = load(delta, (e, i), count), load(a, (e, i), count)
        if kind == 0:
            back *= v * (splat(1, v) - v)
        elif kind == 1:
            back *= above_zero(load(z, (e, i), count))
        else:
            back *= splat(1, v) - v * v
        store(delta, (e, i), count, back)


@_compiled
def _decay_and_step_biases(w, b, m, delta, lr, shrink):
    """The parts of the SGD step that do not depend on the layer's inputs: w *= shrink (L2), b -= lr sum(delta)."""
    n_out, lanes = len(b), width(w)
    for j in range(0, n_out, lanes):
        count = n_out - j
        if shrink != _ONE:
            for i in range(w.shape[0]):
                store(w, (i, j), count, load(w, (i, j), count) * splat(shrink, w))
        step = splat(0, w)
        for e in range(m):
            step += load(delta, (e, j), count)
        store(b, j, count, load(b, j, count) - splat(lr, w) * step)


@_compiled
def _step_sparse(w, b, starts, columns, values, rows, m, delta, lr, weight_lr):
    """As _step_layer without L2, for input rows given by their non-zero values: the weights step by
    ``weight_lr`` (lr times the values' scale, over the weights' own; see ``sgd_steps``), the biases by lr.

    Only the rows of w for an example's non-zero pixels change."""
    _decay_and_step_biases(w, b, m, delta, lr, _ONE)
    n_out, lanes = w.shape[1], width(w)
    for e in range(m):
        first, last = starts[rows[e]], starts[rows[e] + 1]
        for j in range(0, n_out, lanes):
            count = n_out - j
            step = splat(weight_lr, w) * load(delta, (e, j), count)
            for k in range(first, last):
                i = item(columns, k)
                store(w, (i, j), count, load(w, (i, j), count) - splat(item(values, k), w) * step)


@_compiled
def _step_layer(w, b, a_in, rows, m, delta, lr, shrink):
    """BP3 and BP4 folded into the SGD step: w -= lr (a_in[rows]^T delta + decay w); b -= lr sum(delta).

    ``shrink`` is 1 - lr decay: the L2 part, applied to the weights first. Each row of w
    gathers its change from the whole batch, then is written once."""
    _decay_and_step_biases(w, b, m, delta, lr, shrink)
    n_in, n_out, lanes = w.shape[0], w.shape[1], width(w)
    for i in range(n_in):
        for j in range(0, n_out, lanes):
            count = n_out - j
            change = splat(0, w)
            for e in range(m):
                change += splat(a_in[rows[e], i], w) * load(delta, (e, j), count)
            store(w, (i, j), count, load(w, (i, j), count) - splat(lr, w) * change)


@_compiled
def feedforward(w0, b0, w1, b1, w2, b2, hidden, output, X, out):
    """out = the output layer's activations for the rows of X (of the weights' dtype), and True;
    False, and nothing computed, if a weight or bias is infinite or NaN.

    The layers skip their inputs' 0s, so they never compute 0 times a weight; the readable
    path does, and an inf or NaN weight makes its outputs NaN. Such a network is the readable
    path's to answer for."""
    if not (_finite(w0) and _finite(w1) and _finite(w2) and _finite(b0) and _finite(b1) and _finite(b2)):
        return False
    a1 = _layer_rows(w0, b0, X, hidden)
    a2 = _layer_rows(w1, b1, a1, hidden)
    out[:] = _layer_rows(w2, b2, a2, 3 * output)  # output 0: sigmoid, 1: softmax
    return True


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
    _activate(z, z, 0, n, kind)  # in place
    return z


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


@_compiled
def _buffers(batch_size, b0, b1, b2):
    """Room for one mini-batch's z, a and delta of each layer, and its rows."""
    shape1, shape2, shape3 = (batch_size, len(b0)), (batch_size, len(b1)), (batch_size, len(b2))
    return (np.empty(shape1, b0.dtype), np.empty(shape1, b0.dtype), np.empty(shape1, b0.dtype),
            np.empty(shape2, b0.dtype), np.empty(shape2, b0.dtype), np.empty(shape2, b0.dtype),
            np.empty(shape3, b0.dtype), np.empty(shape3, b0.dtype), np.empty(shape3, b0.dtype),
            np.empty(batch_size, np.int64))


@_compiled
def _batch_deltas(w0, b0, w1, b1, w2, b2, hidden, output, starts, columns, values, scale, labels, batch, buffers):
    """Forward pass, BP1 and BP2 for the examples ``batch``: every layer's a and delta, in ``buffers``.

    The first layer's inputs are the sparse rows' values times ``scale``."""
    z1, a1, d1, z2, a2, d2, z3, a3, d3, rows = buffers
    m = len(batch)
    # a stage at a time for the whole batch: the examples of a stage do not wait for each other,
    # so the CPU works on several at once (example by example, each waited for its own last step)
    for e in range(m):
        row = rows[e] = batch[e]
        if e + 1 < m:  # the next example's pixels are somewhere in memory: ask for them now
            _prefetch_row(starts, columns, values, batch[e + 1])
        _forward_sparse(w0, b0, starts, columns, values, scale, row, z1, a1, e, hidden)
    for e in range(m):
        _forward_layer(w1, b1, a1, e, z2, a2, e, hidden)
    for e in range(m):
        _forward_layer(w2, b2, a2, e, z3, a3, e, 3 * output)
    for e in range(m):
        for j in range(0, len(b2), width(a3)):  # BP1: sigmoid + MSE, or softmax + cross-entropy
            count = len(b2) - j
            a, y = load(a3, (e, j), count), one_hot(labels[rows[e]] - j, a3)
            error = (a - y) * splat(_ONE / m, a)
            store(d3, (e, j), count, splat(_TWO, a) * error * a * (splat(1, a) - a) if output == 0 else error)
    for e in range(m):
        _backward_layer(w2, d3, z2, a2, e, d2, hidden)
    for e in range(m):
        _backward_layer(w1, d2, z1, a1, e, d1, hidden)


@_compiled
def sgd_steps(w0, b0, w1, b1, w2, b2, hidden, output, starts, columns, values, scale, labels, order, batch_size,
              lr, shrink):
    """SGD on the mini-batches of ``order`` for a network of two hidden layers.

    L2 shrinks every weight by ``shrink`` at each step; for the first layer's (784 x 16 of them,
    more than all the rest of a step's work) that is kept as one number instead, ``w0_scale``:
    the weights are w0_scale times the array w0, a step divides its change by w0_scale, and the
    factor goes into the array whenever it falls below a half in size, and at the end. (A shrink
    of 0, lr times decay being 1, zeroes the weights: that goes into the array at once.)
    """
    buffers = _buffers(batch_size, b0, b1, b2)
    z1, a1, d1, z2, a2, d2, z3, a3, d3, rows = buffers
    inner = np.arange(batch_size)
    one = _ONE + _ZERO * lr  # 1, in the weights' dtype
    w0_scale = one
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        _batch_deltas(w0, b0, w1, b1, w2, b2, hidden, output, starts, columns, values, scale * w0_scale, labels,
                      batch, buffers)
        _step_layer(w2, b2, a2, inner, m, d3, lr, shrink)
        _step_layer(w1, b1, a1, inner, m, d2, lr, shrink)
        w0_scale *= shrink  # w0 <- shrink w0 - lr g: the array takes -lr g / (its new scale)
        if w0_scale == _ZERO:
            _scaled_in(w0, w0_scale)
            w0_scale = one
        _step_sparse(w0, b0, starts, columns, values, rows, m, d1, lr, lr * scale / w0_scale)
        if abs(w0_scale) < _ONE / _TWO:
            _scaled_in(w0, w0_scale)
            w0_scale = one
    _scaled_in(w0, w0_scale)


@_compiled
def _scaled_in(w, factor):
    """w *= factor."""
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            w[i, j] *= factor


@_compiled
def _adam_update(p, g, moment1, moment2, decay, settings, step, scale_v):
    """One Adam step for the parameters p with gradient g (+ decay p), as ``optimizers.Adam.step``.

    The weights of pixels that are always 0 shrink under L2 until their gradients (decay times
    a weight of 1e-16) and moments would be subnormal numbers (below 1.2e-38), and each
    operation on one costs a hundred times a normal one: an epoch took ten times as long. So a
    gradient below 1e-17 counts as 0 (its square times 1 - beta2 stays normal), and so do
    moments below 1e-19 and 1e-30; next to the steps of other weights they make no difference.
    """
    lr, beta1, one_minus_beta1, beta2, one_minus_beta2, eps = settings
    n = len(p)
    for k in range(0, n, width(p)):
        count = n - k
        w, m1, m2 = load(p, k, count), load(moment1, k, count), load(moment2, k, count)
        gradient = _flushed(load(g, k, count) + splat(decay, w) * w, _TINY_GRADIENT)
        m1 = _flushed(splat(beta1, w) * m1 + splat(one_minus_beta1, w) * gradient, _TINY_MOMENT1)
        m2 = _flushed(splat(beta2, w) * m2 + splat(one_minus_beta2, w) * gradient * gradient, _TINY_MOMENT2)
        store(moment1, k, count, m1)
        store(moment2, k, count, m2)
        store(p, k, count, w - splat(step, w) * m1 / (square_root(m2) * splat(scale_v, w) + splat(eps, w)))


@_compiled
def _flushed(x, limit):
    """Lanes x, with 0 where x is smaller than ``limit`` in size (a NaN stays NaN)."""
    return x * at_least(magnitude(x), splat(limit, x))


@_compiled
def adam_steps(w0, b0, w1, b1, w2, b2, hidden, output, starts, columns, values, scale, labels, order, batch_size,
               vector, gradient, gradients, moment1, moment2, n_weights, decay, settings, t):
    """Adam on the mini-batches of ``order``, as ``optimizers.Adam`` steps; returns the new step count t.

    ``gradient`` is a scratch vector like ``vector``, ``gradients`` its views shaped like
    (w0, b0, ..., b2); ``settings`` = (lr, beta1, 1 - beta1, beta2, 1 - beta2, eps) and
    ``decay`` in the vector's dtype.
    """
    lr, beta1, one_minus_beta1, beta2, one_minus_beta2, eps = settings
    gw0, gb0, gw1, gb1, gw2, gb2 = gradients
    buffers = _buffers(batch_size, b0, b1, b2)
    z1, a1, d1, z2, a2, d2, z3, a3, d3, rows = buffers
    inner = np.arange(batch_size)
    one, factors = _ONE + _ZERO * lr, np.empty(2, vector.dtype)  # factors: in the vector's dtype
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        _batch_deltas(w0, b0, w1, b1, w2, b2, hidden, output, starts, columns, values, scale, labels, batch, buffers)
        gradient[:] = _ZERO
        # BP3 and BP4: a "step" of -1 from zero leaves a_in^T delta and sum(delta) in the gradient
        _step_layer(gw2, gb2, a2, inner, m, d3, -one, one)
        _step_layer(gw1, gb1, a1, inner, m, d2, -one, one)
        _step_sparse(gw0, gb0, starts, columns, values, rows, m, d1, -one, -scale)
        t += 1
        factors[0] = lr / (1.0 - beta1 ** float(t))    # lr / (1 - beta1^t)
        factors[1] = 1.0 / np.sqrt(1.0 - beta2 ** float(t))  # 1 / sqrt(1 - beta2^t)
        _adam_update(vector[:n_weights], gradient[:n_weights], moment1[:n_weights], moment2[:n_weights],
                     decay, settings, factors[0], factors[1])
        _adam_update(vector[n_weights:], gradient[n_weights:], moment1[n_weights:], moment2[n_weights:],
                     decay * _ZERO, settings, factors[0], factors[1])
    return t


def _forget_code_compiled_on_other_lanes():
    """Numba's cache notices when this file changes, not when ``_lanes`` does, and would load code
    compiled from an older ``_lanes`` as it is. So a stamp of ``_lanes``' text is kept beside the
    cached code, and the code is dropped (compiled again) when the stamp differs."""
    try:
        folder = Path(count_nonzero._cache._cache_path)
        stamp = hashlib.sha256(Path(_lanes.__file__).read_bytes()).hexdigest()
        marker = folder / "_kernels.lanes-stamp"
        if marker.is_file() and marker.read_text() == stamp:
            return
        for old in folder.glob("_kernels.*.nb[ic]"):
            old.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        marker.write_text(stamp)
    except OSError:
        pass  # a cache folder that cannot be written: Numba then keeps the code in memory only


_forget_code_compiled_on_other_lanes()
