"""Activations, their derivatives, BP1 and the cost, each for a whole mini-batch at once.

A stage's z for the batch is one block of memory (the first m rows of a buffer), so the
activation runs as one flat loop over m * n numbers, which LLVM turns into vector code; the
choice of activation is made once, outside the loop.
"""

import numpy as np

from .kinds import Kind, Output, compiled

_LOG2_E = 1.4426950408889634
_LN2 = 0.6931471805599453
_EXP_TERMS = 13
# ln(epsilon / 4) of float32 and float64: below it the readable sigmoid, (1 + tanh(z/2)) / 2, is 0
_SIGMOID_ZERO_32, _SIGMOID_ZERO_64 = -17.328679513998633, -37.42994775023705


@compiled
def activate(z, a, scratch, m, kind):
    """a = f(z) for the first m rows of z (m, n); ``scratch`` is a buffer like z that is overwritten."""
    n = m * z.shape[1]
    flat_z, flat_a = z.reshape(-1)[:n], a.reshape(-1)[:n]
    if kind == Kind.SIGMOID:
        _sigmoid(flat_z, flat_a, scratch.reshape(-1)[:n])
    elif kind == Kind.RELU:
        for k in range(n):
            flat_a[k] = np.maximum(flat_z[k], 0)
    elif kind == Kind.TANH:
        for k in range(n):
            flat_a[k] = np.tanh(flat_z[k])
    else:
        _softmax(z, a, scratch, m)


@compiled
def _sigmoid(z, a, scratch):
    """a = 1 / (1 + e^-z) for 1-D arrays; 0 where the readable sigmoid is 0 too, below z = ln(epsilon / 4).

    That 0 matters: the numbers just above it, multiplied through the layers of the backward
    pass, become subnormal (below 1e-38 in float32), and each operation on one is a hundred
    times slower. e^-z is kept between e^-87 and e^40, where ``_exp`` is right. A NaN stays NaN.
    """
    f = z.dtype.type
    for k in range(len(z)):
        a[k] = np.minimum(np.maximum(-z[k], f(-87)), f(40))
    _exp(a, scratch)
    zero_below = f(_SIGMOID_ZERO_32) if z.itemsize == 4 else f(_SIGMOID_ZERO_64)
    for k in range(len(z)):
        a[k] = f(0) if z[k] <= zero_below else f(1) / (f(1) + a[k])


@compiled
def _exp(x, scratch):
    """x = e^x for a 1-D array of numbers from -87 to 88 (where e^x is a normal float32).

    e^x = 2^n e^r, with n the whole number nearest x / ln 2 so that |r| <= ln 2 / 2, and e^r by
    the first 13 terms of its Taylor series (error below 5e-18; r's own rounding is what is left).
    2^n is made from its bits (exponent n + bias) in ``scratch``, seen as integers: unlike
    np.exp, which calls the C library number by number, all of it runs as vector code.
    """
    if x.itemsize == 4:
        _exp_from_bits(x, scratch, scratch.view(np.int32), 23, 127)
    else:
        _exp_from_bits(x, scratch, scratch.view(np.int64), 52, 1023)


@compiled
def _exp_from_bits(x, scratch, bits, mantissa, bias):
    """``_exp``, with ``bits`` the integers that ``scratch`` holds, and the width and bias of their exponent."""
    f = x.dtype.type
    for k in range(len(x)):
        n = np.floor(x[k] * f(_LOG2_E) + f(0.5))
        r = x[k] - n * f(_LN2)
        series = f(1)
        for t in range(_EXP_TERMS, 0, -1):
            series = f(1) + series * r * f(1 / t)
        bits[k] = (np.int64(n) + bias) << mantissa
        x[k] = series
    for k in range(len(x)):
        x[k] *= scratch[k]


@compiled
def _softmax(z, a, scratch, m):
    """a[e] = e^z[e] / sum(e^z[e]) for the first m rows, shifted by each row's maximum so that nothing overflows.

    e^(z - max) is taken as 0 below e^-87 (1.6e-38), by ``_exp`` (as vector code, and the same
    in code loaded from Numba's cache: np.exp was not, compiled for Haswell)."""
    n, f = z.shape[1], z.dtype.type
    for e in range(m):
        top = z[e, 0]
        for j in range(n):
            top = max(top, z[e, j])
        for j in range(n):
            a[e, j] = max(z[e, j] - top, f(-87))
    _exp(a.reshape(-1)[:m * n], scratch.reshape(-1)[:m * n])
    for e in range(m):
        total = f(0)
        for j in range(n):
            total += a[e, j]
        inverse = f(1) / total
        for j in range(n):
            a[e, j] *= inverse


@compiled
def times_derivative(delta, z, a, m, kind):
    """BP2's second half: delta *= f'(z) for the first m rows, from a = f(z) (sigmoid, tanh) or z (relu)."""
    n = m * z.shape[1]
    flat_delta, flat_z, flat_a = delta.reshape(-1)[:n], z.reshape(-1)[:n], a.reshape(-1)[:n]
    f = z.dtype.type
    for k in range(n):
        if kind == Kind.SIGMOID:
            slope = flat_a[k] * (f(1) - flat_a[k])
        elif kind == Kind.RELU:
            slope = f(1) if flat_z[k] > 0 else f(0)
        else:
            slope = f(1) - flat_a[k] * flat_a[k]
        flat_delta[k] *= slope


@compiled
def output_deltas(a, labels, batch, m, delta, output):
    """BP1 for the first m examples, whose targets are one-hot ``labels[batch[e]]``: dC/dz of the batch's mean
    cost (``costs``: the squared error summed over the outputs, or the cross-entropy)."""
    f = a.dtype.type
    for e in range(m):
        label = labels[batch[e]]
        for j in range(a.shape[1]):
            error = (a[e, j] - (f(1) if j == label else f(0))) * (f(1) / f(m))
            if output == Output.SIGMOID_MSE:
                error *= f(2) * a[e, j] * (f(1) - a[e, j])
            delta[e, j] = error


@compiled
def batch_cost(a, labels, batch, m, output):
    """The mean cost of the first m examples' outputs a, as ``costs`` defines it; 0 if m is 0."""
    total = 0.0
    for e in range(m):
        label = labels[batch[e]]
        if output == Output.SIGMOID_MSE:
            for j in range(a.shape[1]):
                error = a[e, j] - (1.0 if j == label else 0.0)
                total += error * error
        else:
            total -= np.log(max(a[e, label], 1e-12))
    return total / max(m, 1)
