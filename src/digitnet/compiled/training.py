"""SGD and Adam steps on the mini-batches of an order, for a network of any number of layers.

``layers = (weights, biases)``: tuples of the network's arrays, weights[l] (n_l, n_l+1) and
biases[l] (n_l+1,), all C-contiguous and of one float dtype, changed in place (views into the
network's vector). ``kinds = (hidden, output)``: a ``Kind`` and an ``Output``. ``rows``: the
training inputs as sparse rows (``sparse``), ``labels`` (n,) their classes; ``order``: the
examples, batch_size at a time (the last batch may be shorter).

A mini-batch goes a stage at a time: the first layer's z for all its examples, then their
activations at once, then the next layer... The examples of a stage do not wait for each other,
so the CPU works on several at once.
"""

import numpy as np

from .activations import activate, batch_cost, output_deltas, times_derivative
from .kinds import Kind, Output, compiled
from .layers import backward, dense_forward, dense_step, step_biases, transpose_into
from .sparse import gather_rows, sparse_forward, sparse_step

_TINY_GRADIENT, _TINY_MOMENT1, _TINY_MOMENT2 = 1e-17, 1e-19, 1e-30


@compiled
def _buffers(weights, batch_size):
    """(zs, activations, deltas, neuron_rows): room for one mini-batch's z, a and delta of each layer, (batch_size,
    n_l), and each layer's weights transposed (those of the first layer are not used)."""
    zs = [np.empty((batch_size, w.shape[1]), w.dtype) for w in weights]
    activations = [np.empty((batch_size, w.shape[1]), w.dtype) for w in weights]
    deltas = [np.empty((batch_size, w.shape[1]), w.dtype) for w in weights]
    neuron_rows = [np.empty((w.shape[1], w.shape[0]), w.dtype) for w in weights]
    for l in range(1, len(weights)):
        transpose_into(weights[l], neuron_rows[l])
    return zs, activations, deltas, neuron_rows


@compiled
def _room_for_rows(rows, batch_size):
    """Room for the sparse rows of a mini-batch (``sparse.gather_rows``), and the batch of them: 0, 1, 2, ..."""
    starts, columns, values, _ = rows
    longest = 0
    for r in range(len(starts) - 1):
        longest = max(longest, starts[r + 1] - starts[r])
    room = (np.empty(batch_size + 1, starts.dtype), np.empty(batch_size * longest, columns.dtype),
            np.empty(batch_size * longest, values.dtype))
    return room, np.arange(batch_size)


@compiled
def _forward_and_back(layers, kinds, rows, scale, labels, batch, buffers):
    """The forward pass, BP1 and BP2 for the examples ``batch``: every layer's z, a and delta, in ``buffers``.

    The first layer's inputs are the sparse ``rows`` 0, 1, 2, ... (the batch's, gathered), times ``scale``."""
    weights, biases = layers
    hidden, output = kinds
    zs, activations, deltas, neuron_rows = buffers
    m, last = len(batch), len(weights) - 1
    for l in range(last + 1):  # feedforward
        for e in range(m):
            if l == 0:
                sparse_forward(weights[0], biases[0], rows, e, scale, zs[0], e)
            else:
                dense_forward(neuron_rows[l], biases[l], activations[l - 1], zs[l], e)
        kind = hidden if l < last else (Kind.SIGMOID if output == Output.SIGMOID_MSE else Kind.SOFTMAX)
        activate(zs[l], activations[l], deltas[l], m, kind)  # deltas[l] is scratch until BP fills it
    output_deltas(activations[last], labels, batch, m, deltas[last], output)  # BP1
    for l in range(last, 0, -1):  # BP2, through the weights before the step
        for e in range(m):
            backward(weights[l], deltas[l], e, deltas[l - 1])
        times_derivative(deltas[l - 1], zs[l - 1], activations[l - 1], m, hidden)


@compiled
def sgd_steps(layers, kinds, rows, labels, order, batch_size, lr, shrink, w0_scale):
    """SGD on the mini-batches of ``order``; returns (w0_scale, the cost of the last mini-batch before its step).

    L2 shrinks every weight by ``shrink`` (1 - lr decay) at each step; for the first layer's
    (784 x n of them, more than all the rest of a step's work) that is kept as one number,
    ``w0_scale``: the weights are w0_scale times the array, a step divides its change by it,
    and it goes into the array when it falls below a half in size (at once if it is 0). The
    caller passes it on to the next call (1 to start), so an epoch cut into calls takes the
    same steps as one call, and puts it into the array when it wants the weights.
    """
    weights, biases = layers
    buffers = _buffers(weights, batch_size)
    _, activations, deltas, neuron_rows = buffers
    room, inner = _room_for_rows(rows, batch_size)
    w0, scale, one = weights[0], rows[3], weights[0].dtype.type(1)
    m, batch = 0, order[:0]
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        local = gather_rows(rows, batch, room)
        _forward_and_back(layers, kinds, local, scale * w0_scale, labels, batch, buffers)
        for l in range(len(weights) - 1, 0, -1):
            dense_step(weights[l], biases[l], activations[l - 1], m, deltas[l], lr, shrink)
            transpose_into(weights[l], neuron_rows[l])
        step_biases(biases[0], deltas[0], m, lr)
        w0_scale *= shrink  # w0 <- shrink w0 - lr g: the array takes -lr g / (its new scale)
        if w0_scale == 0:
            w0 *= w0_scale
            w0_scale = one
        sparse_step(w0, local, inner, m, deltas[0], lr * scale / w0_scale)
        if abs(w0_scale) < 0.5:
            w0 *= w0_scale
            w0_scale = one
    return w0_scale, batch_cost(activations[-1], labels, batch, m, kinds[1])


@compiled
def adam_steps(layers, kinds, rows, labels, order, batch_size, adam, settings, decay, t):
    """Adam on the mini-batches of ``order``, as ``optimizers.Adam`` steps; returns (the new step count t,
    the cost of the last mini-batch before its step).

    ``adam = (vector, moment1, moment2, gradient, gradient_layers)``: the network's parameters
    (weights first, then biases, which ``layers`` are views into), Adam's moments, a scratch
    vector like them and ``(weights, biases)`` tuples of views into it. ``settings`` =
    (lr, beta1, 1 - beta1, beta2, 1 - beta2, eps) and ``decay`` (L2) in the vector's dtype.
    """
    vector, moment1, moment2, gradient, (grad_weights, grad_biases) = adam
    lr, beta1, _, beta2, _, _ = settings
    minus_one, no_decay = vector.dtype.type(-1), vector.dtype.type(0)
    weights, biases = layers
    n_weights = 0
    for w in weights:
        n_weights += w.size
    buffers = _buffers(weights, batch_size)
    _, activations, deltas, neuron_rows = buffers
    room, inner = _room_for_rows(rows, batch_size)
    scale = rows[3]
    m, batch = 0, order[:0]
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        local = gather_rows(rows, batch, room)
        _forward_and_back(layers, kinds, local, scale, labels, batch, buffers)
        gradient[:] = 0  # BP3 and BP4: a "step" of -1 from zero leaves a_in^T delta and sum(delta)
        for l in range(len(weights) - 1, 0, -1):
            dense_step(grad_weights[l], grad_biases[l], activations[l - 1], m, deltas[l], minus_one, -minus_one)
        step_biases(grad_biases[0], deltas[0], m, minus_one)
        sparse_step(grad_weights[0], local, inner, m, deltas[0], -scale)
        t += 1
        step = lr / (1 - beta1 ** t)
        scale_v = 1 / np.sqrt(1 - beta2 ** t)
        adam_update(vector[:n_weights], gradient[:n_weights], moment1[:n_weights], moment2[:n_weights],
                    decay, settings, step, scale_v)
        adam_update(vector[n_weights:], gradient[n_weights:], moment1[n_weights:], moment2[n_weights:],
                    no_decay, settings, step, scale_v)
        for l in range(1, len(weights)):
            transpose_into(weights[l], neuron_rows[l])
    return t, batch_cost(activations[-1], labels, batch, m, kinds[1])


@compiled
def adam_update(p, g, moment1, moment2, decay, settings, step, scale_v):
    """One Adam step for the parameters p (1-D) with gradient g + decay p, as ``optimizers.Adam.step``, in one
    pass; ``step`` is lr / (1 - beta1^t), ``scale_v`` 1 / sqrt(1 - beta2^t), ``settings`` as ``adam_steps``'.

    The weights of pixels that are always 0 shrink under L2 until their gradients (decay times
    a weight of 1e-16) and moments would be subnormal numbers (below 1.2e-38), and each
    operation on one costs a hundred times a normal one. So a gradient below 1e-17 counts as 0
    (its square times 1 - beta2 stays normal), and so do moments below 1e-19 and 1e-30; next
    to the steps of other weights they make no difference.
    """
    _, beta1, one_minus_beta1, beta2, one_minus_beta2, eps = settings
    f = p.dtype.type
    step, scale_v = f(step), f(scale_v)
    for k in range(len(p)):
        gradient = _flushed(g[k] + decay * p[k], f(_TINY_GRADIENT))
        m1 = _flushed(beta1 * moment1[k] + one_minus_beta1 * gradient, f(_TINY_MOMENT1))
        m2 = _flushed(beta2 * moment2[k] + one_minus_beta2 * gradient * gradient, f(_TINY_MOMENT2))
        moment1[k], moment2[k] = m1, m2
        p[k] -= step * m1 / (np.sqrt(m2) * scale_v + eps)


@compiled
def _flushed(x, limit):
    """x, or 0 where x is smaller than ``limit`` in size (a NaN stays NaN)."""
    return x if not abs(x) < limit else x - x

