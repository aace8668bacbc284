"""Predictions for many rows at once: ``feedforward``.

A layer's z for four rows and four neurons at a time: sixteen sums of products, each over all
of the layer's inputs, in one loop (``_four_by_four``), which LLVM turns into vector code that
keeps the sums in registers. The zero pixels are not skipped: finding them (the rows are read
from memory once either way) cost more than it saved.
"""

import numpy as np

from .activations import activate
from .kinds import Kind, Output, compiled

ROWS = 256  # rows that go through all the layers together


@compiled
def feedforward(weights, biases, kinds, X, out):
    """out = the output layer's activations for the rows of X (n, n_0), of the weights' dtype, and True;
    False, with nothing computed, if any weight or bias is infinite or NaN.

    ``weights`` and ``biases`` are tuples of the layers' arrays, ``kinds`` (hidden Kind, Output).
    A row's outputs do not depend on which rows come with it: every row's sums are added the
    same way, four rows at a time (the last few padded with rows of zeros)."""
    for l in range(len(weights)):
        if not (np.all(np.isfinite(weights[l])) and np.all(np.isfinite(biases[l]))):
            return False
    hidden, output = kinds
    last = len(weights) - 1
    transposed = [_neuron_rows(w) for w in weights]
    z = [np.zeros((ROWS, len(b)), b.dtype) for b in biases]
    a = [np.zeros((ROWS, len(b)), b.dtype) for b in biases]
    scratch = [np.zeros((ROWS, len(b)), b.dtype) for b in biases]
    for start in range(0, len(X), ROWS):
        m = min(ROWS, len(X) - start)
        for l in range(last + 1):
            if l == 0:
                _layer(X, start, m, transposed[0], biases[0], z[0])
            else:
                _layer(a[l - 1], 0, m, transposed[l], biases[l], z[l])
            kind = hidden if l < last else (Kind.SIGMOID if output == Output.SIGMOID_MSE else Kind.SOFTMAX)
            activate(z[l], a[l], scratch[l], m, kind)
        out[start:start + m] = a[last][:m]
    return True


@compiled
def _neuron_rows(w):
    """w^T, with each neuron's weights in a row, and rows of zeros up to a multiple of 4 neurons."""
    n_in, n_out = w.shape
    rows = np.zeros(((n_out + 3) // 4 * 4, n_in), w.dtype)
    for i in range(n_in):
        for j in range(n_out):
            rows[j, i] = w[i, j]
    return rows


@compiled
def _layer(x, start, m, neuron_rows, b, z):
    """z[:m] = b + x[start:start + m] w, four rows at a time; the last rows, if fewer than four, are copied
    into four rows padded with zeros first (so every row goes through the same sums)."""
    whole = m - m % 4
    for r in range(0, whole, 4):
        _four_rows(x, start + r, neuron_rows, b, z, r)
    if whole < m:
        padded = np.zeros((4, x.shape[1]), x.dtype)
        padded[:m - whole] = x[start + whole:start + m]
        block = np.empty((4, z.shape[1]), z.dtype)
        _four_rows(padded, 0, neuron_rows, b, block, 0)
        z[whole:m] = block[:m - whole]


@compiled
def _four_rows(x, r, neuron_rows, b, z, e):
    """z[e:e + 4] = b + x[r:r + 4] w."""
    n_out = z.shape[1]
    for j in range(0, neuron_rows.shape[0], 4):
        sums = _four_by_four(x, r, neuron_rows, j)
        for t in range(4):
            for u in range(4):
                if j + u < n_out:
                    z[e + t, j + u] = b[j + u] + sums[4 * t + u]


@compiled
def _four_by_four(x, r, neuron_rows, j):
    """The 16 sums x[r + t] . neuron_rows[j + u] for t, u in 0..3, as a tuple (t-major)."""
    f = x.dtype.type
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = f(0)
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = f(0)
    for i in range(np.uintp(x.shape[1])):
        w0, w1, w2, w3 = neuron_rows[j, i], neuron_rows[j + 1, i], neuron_rows[j + 2, i], neuron_rows[j + 3, i]
        x0, x1, x2, x3 = x[r, i], x[r + 1, i], x[r + 2, i], x[r + 3, i]
        s00 += x0 * w0
        s01 += x0 * w1
        s02 += x0 * w2
        s03 += x0 * w3
        s10 += x1 * w0
        s11 += x1 * w1
        s12 += x1 * w2
        s13 += x1 * w3
        s20 += x2 * w0
        s21 += x2 * w1
        s22 += x2 * w2
        s23 += x2 * w3
        s30 += x3 * w0
        s31 += x3 * w1
        s32 += x3 * w2
        s33 += x3 * w3
    return (s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33)
