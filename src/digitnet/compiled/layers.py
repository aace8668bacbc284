"""The dense layers' share of a training step (all but the first, which reads sparse rows: ``sparse``):
their forward pass and BP2 for one example, their SGD step for the batch.

Each sum over a layer's inputs is a loop of its own over contiguous numbers (which LLVM turns
into vector code), or four of them side by side in local variables (registers); so the forward
pass reads each neuron's weights as a row of the transposed weights, ``neuron_rows``.
"""

import numpy as np

from .kinds import compiled


@compiled
def dense_forward(neuron_rows, b, a_in, z, e):
    """z[e] = b + a_in[e] w: the weighted inputs of example e, from w's transpose ``neuron_rows`` (n_out, n_in),
    whose rows hold each neuron's weights: one sum over contiguous numbers per neuron."""
    n_in = np.uintp(neuron_rows.shape[1])
    for j in range(len(b)):
        total = b[j]
        for i in range(n_in):
            total += a_in[e, i] * neuron_rows[j, i]
        z[e, j] = total


@compiled
def transpose_into(w, neuron_rows):
    """neuron_rows[j, i] = w[i, j]."""
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            neuron_rows[j, i] = w[i, j]


@compiled
def backward(w, delta, e, delta_below):
    """BP2's first half: delta_below[e] = delta[e] w^T, through the weights w before this step."""
    for i in range(w.shape[0]):
        total = w.dtype.type(0)
        for j in range(w.shape[1]):
            total += w[i, j] * delta[e, j]
        delta_below[e, i] = total


@compiled
def dense_step(w, b, a_in, m, delta, lr, shrink):
    """BP3 and BP4 folded into the SGD step for the first m examples:
    w = shrink w - lr a_in^T delta; b -= lr sum(delta). ``shrink`` is 1 - lr decay (L2).

    Four weights of a row at a time gather their change from the batch in registers (in the last
    four, a weight may come twice: it is written twice, from the same numbers)."""
    step_biases(b, delta, m, lr)
    n_in, n_out = w.shape
    for i in range(n_in):
        for j in range(0, n_out, 4):
            j1, j2, j3 = min(j + 1, n_out - 1), min(j + 2, n_out - 1), min(j + 3, n_out - 1)
            g0 = g1 = g2 = g3 = w.dtype.type(0)
            for e in range(m):
                x = a_in[e, i]
                g0 += x * delta[e, j]
                g1 += x * delta[e, j1]
                g2 += x * delta[e, j2]
                g3 += x * delta[e, j3]
            w0, w1, w2, w3 = w[i, j], w[i, j1], w[i, j2], w[i, j3]
            w[i, j], w[i, j1], w[i, j2], w[i, j3] = (shrink * w0 - lr * g0, shrink * w1 - lr * g1,
                                                     shrink * w2 - lr * g2, shrink * w3 - lr * g3)


@compiled
def step_biases(b, delta, m, lr):
    """BP3 and the SGD step for the biases: b -= lr sum(delta[:m])."""
    for j in range(len(b)):
        total = b.dtype.type(0)
        for e in range(m):
            total += delta[e, j]
        b[j] -= lr * total
