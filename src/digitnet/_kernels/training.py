"""The compiled loops for training: the sparse first layer, backpropagation, and SGD and Adam steps."""

import numpy as np

from .._kinds import Kind
from .._lane_math import above_zero, at_least, magnitude, one_hot, square_root
from .._lanes import item, load, prefetch, splat, store, total, width
from .common import (
    _ONE,
    _TWO,
    _ZERO,
    _activate,
    _compiled,
)

_TINY_GRADIENT, _TINY_MOMENT1, _TINY_MOMENT2 = np.float32(1e-17), np.float32(1e-19), np.float32(1e-30)


@_compiled
def _forward_layer(w, b, a_in, z, e):
    """z[e] = b + a_in[e] w (the activation follows for the whole batch, in ``_batch_deltas``).

    ``width(w)`` neurons at a time, each input's row of weights times its value is added to
    their sums, kept in two interleaved parts so that one addition need not wait for the last.
    """
    n_in, n_out, lanes = w.shape[0], len(b), width(w)
    for j in range(0, n_out, lanes):
        count = n_out - j  # at most the width is used: the last Lanes of a layer of 10 are 10 wide
        even, odd = load(b, j, count), splat(0, w)
        for i in range(0, n_in - 1, 2):
            even += splat(a_in[e, i], w) * load(w, (i, j), count)
            odd += splat(a_in[e, i + 1], w) * load(w, (i + 1, j), count)
        if n_in % 2:
            even += splat(a_in[e, n_in - 1], w) * load(w, (n_in - 1, j), count)
        store(z, (e, j), count, even + odd)


@_compiled
def _forward_sparse(w, b, starts, columns, values, scale, row, z, e):
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


@_compiled
def _prefetch_row(starts, columns, values, row):
    """Ask the CPU to fetch a sparse row's columns and values into its cache, 64 bytes at a time."""
    for k in range(starts[row], starts[row + 1], 32):
        prefetch(columns, k)
    for k in range(starts[row], starts[row + 1], 64):
        prefetch(values, k)


@_compiled
def _backward_layer(w, delta_above, e, delta):
    """BP2's first half: delta[e] = delta_above[e] w^T, through the weights w before this step."""
    n_in, n_out, lanes = w.shape[0], w.shape[1], width(w)
    for i in range(n_in):
        products = splat(0, w)
        for j in range(0, n_out, lanes):
            products += load(w, (i, j), n_out - j) * load(delta_above, (e, j), n_out - j)
        delta[e, i] = total(products)


@_compiled
def _times_derivative(z, a, m, delta, kind):
    """BP2's second half: delta[e] *= f'(z[e]) for the first m examples, f the hidden ``kind`` (sigmoid, ReLU, tanh).

    f' comes from the activations a = f(z) for sigmoid (a (1 - a)) and tanh (1 - a^2), from z for relu.
    Like ``_activate``, it runs once for the whole batch (see ``_batch_deltas``)."""
    n, lanes = delta.shape[1], width(delta)
    for e in range(m):
        for i in range(0, n, lanes):
            count = n - i
            v = load(a, (e, i), count)
            if kind == Kind.SIGMOID:
                slope = v * (splat(1, v) - v)
            elif kind == Kind.RELU:
                slope = above_zero(load(z, (e, i), count))
            else:  # Kind.TANH
                slope = splat(1, v) - v * v
            store(delta, (e, i), count, load(delta, (e, i), count) * slope)


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
def _buffers(batch_size, biases):
    """Room for one mini-batch's z, a and delta of each layer (lists, a (batch_size, n_l) array for each), and
    its rows."""
    zs = [np.empty((batch_size, len(b)), b.dtype) for b in biases]
    activations = [np.empty((batch_size, len(b)), b.dtype) for b in biases]
    deltas = [np.empty((batch_size, len(b)), b.dtype) for b in biases]
    return zs, activations, deltas, np.empty(batch_size, np.int64)


@_compiled
def _output_deltas(a, labels, rows, m, delta, output):
    """BP1 for the first m examples: ``output`` is Kind.SIGMOID (scored by MSE) or Kind.SOFTMAX (by cross-entropy)."""
    n, lanes = a.shape[1], width(a)
    for e in range(m):
        for j in range(0, n, lanes):
            count = n - j
            v = load(a, (e, j), count)
            error = (v - one_hot(labels[rows[e]] - j, v)) * splat(_ONE / m, v)
            if output == Kind.SIGMOID:
                error *= splat(_TWO, v) * v * (splat(1, v) - v)
            store(delta, (e, j), count, error)


@_compiled
def _batch_deltas(weights, biases, hidden, output, starts, columns, values, scale, labels, batch, buffers):
    """Forward pass, BP1 and BP2 for the examples ``batch``: every layer's a and delta, in ``buffers``.

    ``weights`` and ``biases`` are tuples of the layers' arrays, any number of them. The first
    layer's inputs are the sparse rows' values times ``scale``."""
    zs, activations, deltas, rows = buffers
    m, last = len(batch), len(weights) - 1
    # a stage at a time for the whole batch: the examples of a stage do not wait for each other,
    # so the CPU works on several at once (example by example, each waited for its own last step).
    # The stages that depend on the activation's kind (or the output's) take it once, for all the
    # examples: passed to each example's call, the choice made every epoch longer, though it was
    # the same for every example.
    for e in range(m):
        row = rows[e] = batch[e]
        if e + 1 < m:  # the next example's pixels are somewhere in memory: ask for them now
            _prefetch_row(starts, columns, values, batch[e + 1])
        _forward_sparse(weights[0], biases[0], starts, columns, values, scale, row, zs[0], e)
    for l in range(last + 1):
        if l > 0:
            w, b, a_in, z = weights[l], biases[l], activations[l - 1], zs[l]
            for e in range(m):
                _forward_layer(w, b, a_in, z, e)
        _activate(zs[l], activations[l], 0, m, hidden if l < last else output)
    _output_deltas(activations[last], labels, rows, m, deltas[last], output)
    for l in range(last, 0, -1):  # BP2, through the weights before the step
        w, delta, below = weights[l], deltas[l], deltas[l - 1]
        for e in range(m):
            _backward_layer(w, delta, e, below)
        _times_derivative(zs[l - 1], activations[l - 1], m, below, hidden)


@_compiled
def sgd_steps(weights, biases, hidden, output, starts, columns, values, scale, labels, order, batch_size, lr, shrink,
              w0_scale):
    """SGD on the mini-batches of ``order`` for a network of any number of layers (``weights``, ``biases``:
    tuples of their arrays); returns (w0_scale, the cost of the last mini-batch before its step).

    L2 shrinks every weight by ``shrink`` at each step; for the first layer's (784 x 16 of them,
    more than all the rest of a step's work) that is kept as one number instead, ``w0_scale``:
    the weights are w0_scale times the array w0, a step divides its change by w0_scale, and the
    factor goes into the array whenever it falls below a half in size. (A shrink of 0, lr times
    decay being 1, zeroes the weights: that goes into the array at once.) The caller passes the
    factor on to the next call, so an epoch cut into calls takes the same steps as one call, and
    puts it into the array when it wants the weights (``fast.Steps.settle``); w0_scale 1 to start.
    """
    buffers = _buffers(batch_size, biases)
    zs, activations, deltas, rows = buffers
    inner = np.arange(batch_size)
    w0 = weights[0]
    one = _ONE + _ZERO * lr  # 1, in the weights' dtype
    m = 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        _batch_deltas(weights, biases, hidden, output, starts, columns, values, scale * w0_scale, labels, batch,
                      buffers)
        for l in range(len(weights) - 1, 0, -1):
            _step_layer(weights[l], biases[l], activations[l - 1], inner, m, deltas[l], lr, shrink)
        w0_scale *= shrink  # w0 <- shrink w0 - lr g: the array takes -lr g / (its new scale)
        if w0_scale == _ZERO:
            _scaled_in(w0, w0_scale)
            w0_scale = one
        _step_sparse(w0, biases[0], starts, columns, values, rows, m, deltas[0], lr, lr * scale / w0_scale)
        if abs(w0_scale) < _ONE / _TWO:
            _scaled_in(w0, w0_scale)
            w0_scale = one
    return w0_scale, _batch_cost(activations[-1], labels, rows, m, output)


@_compiled
def _batch_cost(a, labels, rows, m, output):
    """The mean cost of the first m examples' outputs a (the last mini-batch's, before its step), as
    ``costs`` defines it: after Kind.SIGMOID the squared error summed over the outputs, after Kind.SOFTMAX
    the cross-entropy. 0 if m is 0."""
    total = 0.0
    for e in range(m):
        label = labels[rows[e]]
        if output == Kind.SIGMOID:
            for j in range(a.shape[1]):
                error = a[e, j] - (_ONE if j == label else _ZERO)
                total += error * error
        else:
            total -= np.log(max(a[e, label], 1e-12))
    return total / max(m, 1)


@_compiled
def _scaled_in(w, factor):
    """w *= factor."""
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            w[i, j] *= factor


@_compiled
def adam_update(p, g, moment1, moment2, decay, settings, step, scale_v):
    """One Adam step for the parameters p with gradient g (+ decay p), as ``optimizers.Adam.step``, in one
    pass over them; ``step`` is lr / (1 - beta1^t), ``scale_v`` 1 / sqrt(1 - beta2^t).

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
def adam_steps(weights, biases, hidden, output, starts, columns, values, scale, labels, order, batch_size, vector,
               gradient, gradients, moment1, moment2, n_weights, decay, settings, t):
    """Adam on the mini-batches of ``order``, as ``optimizers.Adam`` steps; returns the new step count t and the
    cost of the last mini-batch before its step.

    ``gradient`` is a scratch vector like ``vector``, ``gradients`` its views shaped like the layers
    (a tuple of the weights' and one of the biases'); ``settings`` = (lr, beta1, 1 - beta1, beta2,
    1 - beta2, eps) and ``decay`` in the vector's dtype.
    """
    lr, beta1, one_minus_beta1, beta2, one_minus_beta2, eps = settings
    gradient_weights, gradient_biases = gradients
    buffers = _buffers(batch_size, biases)
    zs, activations, deltas, rows = buffers
    inner = np.arange(batch_size)
    one, factors = _ONE + _ZERO * lr, np.empty(2, vector.dtype)  # factors: in the vector's dtype
    m = 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        m = len(batch)
        _batch_deltas(weights, biases, hidden, output, starts, columns, values, scale, labels, batch, buffers)
        gradient[:] = _ZERO
        # BP3 and BP4: a "step" of -1 from zero leaves a_in^T delta and sum(delta) in the gradient
        for l in range(len(weights) - 1, 0, -1):
            _step_layer(gradient_weights[l], gradient_biases[l], activations[l - 1], inner, m, deltas[l], -one, one)
        _step_sparse(gradient_weights[0], gradient_biases[0], starts, columns, values, rows, m, deltas[0], -one,
                     -scale)
        t += 1
        factors[0] = lr / (1.0 - beta1 ** float(t))    # lr / (1 - beta1^t)
        factors[1] = 1.0 / np.sqrt(1.0 - beta2 ** float(t))  # 1 / sqrt(1 - beta2^t)
        adam_update(vector[:n_weights], gradient[:n_weights], moment1[:n_weights], moment2[:n_weights],
                    decay, settings, factors[0], factors[1])
        adam_update(vector[n_weights:], gradient[n_weights:], moment1[n_weights:], moment2[n_weights:],
                    decay * _ZERO, settings, factors[0], factors[1])
    return t, _batch_cost(activations[-1], labels, rows, m, output)
