"""One layer's share of a training step, for one example (forward, BP2) or the batch (the SGD step).

The first layer reads its inputs as sparse rows (``sparse``), the others as the activations
below them. Loops over a layer's neurons go ``BLOCK`` at a time with unsigned indices (see
``kinds.BLOCK``); sums over inputs are kept in z itself, in memory: Numba's public API has no
way to keep 16 numbers in a vector register across a loop, as the old ``_lanes`` did.
"""

import numpy as np

from .kinds import BLOCK, compiled


@compiled
def dense_forward(w, b, a_in, z, e):
    """z[e] = b + a_in[e] w: the weighted inputs of example e, for w (n_in, n_out)."""
    n_in, n_out = w.shape[0], np.uintp(w.shape[1])
    for j0 in range(np.uintp(0), n_out, BLOCK):
        j1 = j0 + min(BLOCK, n_out - j0)
        for j in range(j0, j1):
            z[e, j] = b[j]
        for i in range(n_in):
            x = a_in[e, i]
            for j in range(j0, j1):
                z[e, j] += x * w[i, j]


@compiled
def backward(w, delta, e, delta_below):
    """BP2's first half: delta_below[e] = delta[e] w^T, through the weights w before this step."""
    n_out = np.uintp(w.shape[1])
    for i in range(w.shape[0]):
        total = w.dtype.type(0)
        for j0 in range(np.uintp(0), n_out, BLOCK):
            for j in range(j0, j0 + min(BLOCK, n_out - j0)):
                total += w[i, j] * delta[e, j]
        delta_below[e, i] = total


@compiled
def dense_step(w, b, a_in, m, delta, lr, shrink):
    """BP3 and BP4 folded into the SGD step for the first m examples:
    w = shrink w - lr a_in^T delta; b -= lr sum(delta). ``shrink`` is 1 - lr decay (L2)."""
    step_biases(b, delta, m, lr)
    n_out = np.uintp(w.shape[1])
    for i in range(w.shape[0]):
        for j0 in range(np.uintp(0), n_out, BLOCK):
            j1 = j0 + min(BLOCK, n_out - j0)
            if shrink != 1:
                for j in range(j0, j1):
                    w[i, j] *= shrink
            for e in range(m):
                x = lr * a_in[e, i]
                for j in range(j0, j1):
                    w[i, j] -= x * delta[e, j]


@compiled
def step_biases(b, delta, m, lr):
    """BP3 and the SGD step for the biases: b -= lr sum(delta[:m])."""
    n_out = np.uintp(len(b))
    for j0 in range(np.uintp(0), n_out, BLOCK):
        j1 = j0 + min(BLOCK, n_out - j0)
        for e in range(m):
            for j in range(j0, j1):
                b[j] -= lr * delta[e, j]
