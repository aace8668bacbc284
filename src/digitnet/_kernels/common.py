"""What the compiled loops share: how they are compiled and run, and the activations (sigmoid, ReLU, ...)."""

from contextlib import contextmanager

import llvmlite.binding as llvm
import numba
import numpy as np

from .._kinds import Kind
from .._lane_math import (
    above_zero,
    epsilon,
    maximum,
    minimum,
    power_of_two,
    rounded,
)
from .._lanes import load, splat, store, width

# let the compiler reorder sums (as BLAS does) but keep inf and NaN meaning what they mean,
# so that a diverging run is still seen as one
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
# constants as float32: a Python float would turn float32 arithmetic into float64 (and the
# sigmoid's exp into the slower double one); 0, 1 and 2 are exact in either precision
_ZERO, _ONE, _TWO = np.float32(0), np.float32(1), np.float32(2)
_LOG2_E = 1.4426950408889634
_LN2 = 0.6931471805599453
_EXP_TERMS = 13


_COMPILING = [0]  # how many ``compiling`` blocks are open


@contextmanager
def compiling():
    """Compile loops one vector at a time while inside, so that a layer of 16 neurons is two AVX vectors.

    Left to itself, LLVM takes four vectors of 8 floats at a step, 32 floats: more than a
    layer of 16 neurons, whose loops then run one float at a time. The option is global, so
    it is set only while our functions compile, then put back to its default (0, not forced).
    Code compiled with and without it rounds sums differently: ``fast.warm_up`` compiles every
    function a network's shape needs inside one block, before any is called outside.
    """
    if not _COMPILING[0]:
        llvm.set_option("", "-force-vector-interleave=1")
    _COMPILING[0] += 1
    try:
        yield
    finally:
        _COMPILING[0] -= 1
        if not _COMPILING[0]:
            llvm.set_option("", "-force-vector-interleave=0")


def run(function, *args):
    """Call a compiled function, compiling it (or loading it from the cache) first if this process has not."""
    if function.overloads:
        return function(*args)
    with compiling():
        return function(*args)


def _compiled(function):
    return numba.njit(cache=True, fastmath=_FASTMATH, nogil=True)(function)


@_compiled
def _activate(z, a, first, last, kind):
    """a[r] = f(z[r]) for the rows r from first to last, f the activation ``kind`` (a ``Kind``).

    One loop for each kind: with the choice made outside them, each compiles to straight code."""
    n_out, lanes = z.shape[1], width(z)
    if kind == Kind.SIGMOID:
        for r in range(first, last):
            for j in range(0, n_out, lanes):
                store(a, (r, j), n_out - j, _sigmoid(load(z, (r, j), n_out - j)))
    elif kind == Kind.RELU:
        for r in range(first, last):
            for j in range(0, n_out, lanes):
                v = load(z, (r, j), n_out - j)
                store(a, (r, j), n_out - j, maximum(v, splat(0, v)))
    elif kind == Kind.TANH:
        for r in range(first, last):
            for j in range(n_out):
                a[r, j] = np.tanh(z[r, j])
    else:  # Kind.SOFTMAX
        for r in range(first, last):  # shifted by the maximum so nothing overflows
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
    whose error, below r^14 / 14!, is under 5e-18; r's own rounding is what is left
    (``benchmarks/exp_accuracy.py`` measures it over the range; the README gives the figures).
    """
    n = rounded(x * splat(_LOG2_E, x))
    r = x - n * splat(_LN2, x)
    series = splat(1, x)
    for k in range(_EXP_TERMS, 0, -1):
        series = splat(1, x) + series * r * splat(1.0 / k, x)
    return series * power_of_two(n)
